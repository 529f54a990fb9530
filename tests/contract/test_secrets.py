"""Client secrets: minted on the seed's path form and on the versioned one; a new mint and the old secret."""

from __future__ import annotations

import secrets

import httpx
import pytest

from kustomer_provider import assumptions
from kustomer_provider.client import KustomerClient
from kustomer_provider.errors import KustomerInstallError
from tests.support.contract import Target, error_text, install, mint, register, wait_for_install


@pytest.fixture
def installed(api: httpx.Client, target: Target, app_name: str) -> tuple[str, str]:
    """An app with versions 0.0.1 and 0.0.2, 0.0.2 installed: ``(namespaced name, client id)``."""
    register(api, app_name, "0.0.1")
    data = register(api, app_name, "0.0.2")
    name = data["attributes"]["name"]
    assert install(api, name, "0.0.2").is_success
    assert wait_for_install(api, name, "0.0.2", target.install_timeout)["status"] == "installed"
    return name, data["attributes"]["clientId"]


def test_mint_on_the_seed_path(api: httpx.Client, installed: tuple[str, str]) -> None:
    """[doc] ``POST /v1/apps/available/{name}/secret/`` (the tutorial's curl, trailing ``/`` included) with ``{}``."""
    name, client_id = installed
    data = mint(api, f"/v1/apps/available/{name}/secret/")
    assert data["type"] == "available_app"
    assert data["id"] == f"{name}-0.0.2"
    assert data["attributes"]["clientId"] == client_id
    assert isinstance(data["attributes"]["clientSecret"], str) and len(data["attributes"]["clientSecret"]) >= 16


def test_mint_on_the_versioned_path(api: httpx.Client, installed: tuple[str, str]) -> None:
    """[doc] ``POST /v1/apps/available/{name}-{version}/secret``: the record of that version, with a secret."""
    name, client_id = installed
    data = mint(api, f"/v1/apps/available/{name}-0.0.1/secret")
    assert data["id"] == f"{name}-0.0.1"
    assert data["attributes"]["version"] == "0.0.1"
    assert data["attributes"]["clientId"] == client_id
    assert data["attributes"]["clientSecret"]


def test_each_mint_gives_a_new_secret(api: httpx.Client, installed: tuple[str, str]) -> None:
    """[doc] Calling again generates a new secret."""
    name, _ = installed
    first = mint(api, f"/v1/apps/available/{name}/secret/")["attributes"]["clientSecret"]
    second = mint(api, f"/v1/apps/available/{name}/secret/")["attributes"]["clientSecret"]
    assert first != second


def test_a_secret_is_shown_once(api: httpx.Client, installed: tuple[str, str]) -> None:
    """[doc] The secret is shown once and can never be read again: no endpoint reads or lists secrets."""
    name, _ = installed
    secret = mint(api, f"/v1/apps/available/{name}/secret/")["attributes"]["clientSecret"]
    read = api.get(f"/v1/apps/available/{name}/secret/")
    assert 400 <= read.status_code < 500
    assert secret not in read.text
    link: str | None = "/v1/apps/available"
    while link:
        page = api.get(link)
        assert page.status_code == 200 and secret not in page.text
        assert all("clientSecret" not in r["attributes"] for r in page.json()["data"])
        link = (page.json().get("links") or {}).get("next")


def test_secret_of_an_unknown_app_is_404(api: httpx.Client, app_name: str) -> None:
    """[doc] Only registered apps have secrets (our client falls back between the forms on 404)."""
    response = api.post(f"/v1/apps/available/{app_name}_nosuchapp/secret/", json={})
    assert response.status_code == 404


@pytest.mark.ours
def test_client_mints_on_both_forms(client: KustomerClient, installed: tuple[str, str]) -> None:
    """[ours] ``assumptions.mint_secret_paths``: with a version the versioned form first, else the seed's form.

    Each must be served directly (no fallback after a 404).
    """
    name, client_id = installed
    plain = client.mint_secret(name)
    assert (plain.client_id, plain.app.id) == (client_id, f"{name}-0.0.2")
    versioned = client.mint_secret(name, "0.0.1")
    assert (versioned.client_id, versioned.app.id) == (client_id, f"{name}-0.0.1")
    assert plain.client_secret.get_secret_value() != versioned.client_secret.get_secret_value()
    assert "clientSecret" not in versioned.app.attributes
    assert client.stats.requests == {
        f"POST /v1/apps/available/{name}/secret/": 1,
        f"POST /v1/apps/available/{name}-0.0.1/secret": 1,
    }


@pytest.mark.ours
def test_mint_before_install_is_refused(
    api: httpx.Client, client: KustomerClient, target: Target, app_name: str
) -> None:
    """[ours] ``assumptions.MINT_NOT_INSTALLED_STATUS`` / ``rules.MINT_NOT_INSTALLED_STATUS``: no secret before the install.

    The seed tutorial's order is register, install, then generate the secret; what a premature mint answers is
    not documented: we expect 409 in one of Kustomer's error shapes, naming the app, with nothing minted (a
    mint after the install is the app's first).
    """
    data = register(api, app_name)
    name = data["attributes"]["name"]
    refused = api.post(f"/v1/apps/available/{name}/secret/", json={})
    assert refused.status_code == assumptions.MINT_NOT_INSTALLED_STATUS, refused.text
    assert name in error_text(refused)  # either documented shape, naming the app
    with pytest.raises(KustomerInstallError) as caught:
        client.mint_secret(name)
    assert caught.value.app_name == name and "not installed" in str(caught.value)
    assert "install=True" in str(caught.value) and "KustomerAppInstalls" in str(caught.value)

    assert install(api, name, "1.0.0").is_success
    assert wait_for_install(api, name, "1.0.0", target.install_timeout)["status"] == "installed"
    secret = mint(api, f"/v1/apps/available/{name}/secret/")["attributes"]["clientSecret"]
    # The refused attempts minted nothing: this first secret is the only one, and it works.
    assert probe(anonymous_client(target), target, data["attributes"]["clientId"], secret) == "invalid_grant"


def anonymous_client(target: Target) -> httpx.Client:
    """A client without credentials (the token endpoint gets the client's own)."""
    return httpx.Client(timeout=30.0, follow_redirects=False)


def probe(http: httpx.Client, target: Target, client_id: str, secret: str) -> str:
    """The OAuth ``error`` of a refresh grant with a made-up refresh token (client_secret_post)."""
    form = {
        "grant_type": "refresh_token",
        "refresh_token": f"contract-made-up-{secrets.token_hex(16)}",
        "client_id": client_id,
        "client_secret": secret,
    }
    with http:
        response = http.post(target.oauth.token_url, data=form)
    assert 400 <= response.status_code < 500, response.text
    error: str = response.json()["error"]
    return error


@pytest.mark.ours
def test_new_secret_revokes_the_previous_one(target: Target, api: httpx.Client, installed: tuple[str, str]) -> None:
    """[ours] A new mint revokes the previous secret: after it, the old secret is refused at the token endpoint.

    Checked without a consent: a refresh grant with a made-up refresh token is ``invalid_grant`` when the
    client (id and secret) is accepted and ``invalid_client`` when it is not.
    """
    name, client_id = installed
    old = mint(api, f"/v1/apps/available/{name}/secret/")["attributes"]["clientSecret"]
    assert probe(anonymous_client(target), target, client_id, old) == "invalid_grant", "a fresh secret was refused"
    new = mint(api, f"/v1/apps/available/{name}/secret/")["attributes"]["clientSecret"]
    assert probe(anonymous_client(target), target, client_id, new) == "invalid_grant", "the new secret was refused"
    error = probe(anonymous_client(target), target, client_id, old)
    assert error == "invalid_client", f"the previous secret still works ({error})"


@pytest.mark.ours
def test_the_secret_probe_tells_a_live_secret_from_a_revoked_one(
    target: Target, api: httpx.Client, client: KustomerClient, installed: tuple[str, str]
) -> None:
    """[ours] ``assumptions.CLIENT_SECRET_PROBE_REFRESH_TOKEN``, ``SECRET_LIVE_ERRORS``, ``SECRET_DEAD_ERRORS``.

    Kustomer has no API to read a secret; its token endpoint authenticates the client first (RFC 6749 5.2),
    so a refresh with our made-up token answers ``invalid_grant`` for a live secret and ``invalid_client``
    for a revoked one. ``KustomerClient.probe_client_secret`` (used by ``KustomerAppSecret``'s read and diff)
    sends exactly that, and reads the answers as ``live`` and ``dead``; it sends no API key and mints nothing.
    """
    name, client_id = installed
    old = mint(api, f"/v1/apps/available/{name}/secret/")["attributes"]["clientSecret"]
    new = mint(api, f"/v1/apps/available/{name}/secret/")["attributes"]["clientSecret"]
    form = {
        "grant_type": assumptions.CLIENT_SECRET_PROBE_GRANT_TYPE,
        "refresh_token": assumptions.CLIENT_SECRET_PROBE_REFRESH_TOKEN,
        "client_id": client_id,
    }
    with httpx.Client(timeout=30.0) as http:
        live = http.post(target.oauth.token_url, data={**form, "client_secret": new})
        dead = http.post(target.oauth.token_url, data={**form, "client_secret": old})
    assert live.json()["error"] == "invalid_grant", live.text
    assert dead.json()["error"] == "invalid_client", dead.text

    before = client.stats.requests.copy()
    assert client.probe_client_secret(client_id, new, token_url=target.oauth.token_url) == "live"
    assert client.probe_client_secret(client_id, old, token_url=target.oauth.token_url) == "dead"
    assert (client.stats.requests - before) == {"POST /oauth/token (secret probe)": 2}
    # Neither probe minted or revoked anything: the new secret still works.
    assert probe(anonymous_client(target), target, client_id, new) == "invalid_grant"
