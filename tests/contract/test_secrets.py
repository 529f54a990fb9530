"""Client secrets: minted on the seed's path form and on the versioned one; a new mint and the old secret."""

from __future__ import annotations

import secrets

import httpx
import pytest

from kustomer_provider import assumptions
from kustomer_provider.client import KustomerClient

from .conftest import Target
from .helpers import install, mint, register, wait_for_install


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
def test_mint_needs_no_install(api: httpx.Client, app_name: str) -> None:
    """[ours] A secret can be minted before the app is installed (the simulator allows it)."""
    name = register(api, app_name)["attributes"]["name"]
    assert mint(api, f"/v1/apps/available/{name}/secret/")["attributes"]["clientSecret"]


@pytest.mark.ours
def test_new_secret_revokes_the_previous_one(
    target: Target, anonymous: httpx.Client, api: httpx.Client, installed: tuple[str, str]
) -> None:
    """[ours] ``assumptions.MINT_REVOKES_PREVIOUS_SECRET``: after a new mint the old secret is refused.

    Checked at the token endpoint without a consent: a refresh grant with a made-up refresh token is
    ``invalid_grant`` when the client (id and secret) is accepted and ``invalid_client`` when it is not.
    """
    name, client_id = installed
    old = mint(api, f"/v1/apps/available/{name}/secret/")["attributes"]["clientSecret"]
    new = mint(api, f"/v1/apps/available/{name}/secret/")["attributes"]["clientSecret"]

    def token_error(secret: str) -> tuple[int, str]:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": f"contract-made-up-{secrets.token_hex(16)}",
            "client_id": client_id,
            "client_secret": secret,
        }
        response = anonymous.post(target.oauth.token_url, data=form)
        assert 400 <= response.status_code < 500, response.text
        return response.status_code, response.json()["error"]

    assert token_error(new)[1] == "invalid_grant", "the current secret was not accepted"
    status, error = token_error(old)
    assert error == "invalid_client", f"the previous secret still works ({status} {error})"
    assert assumptions.MINT_REVOKES_PREVIOUS_SECRET
