"""The API client's calls, replayed from cassettes recorded by ``scripts/record-cassettes``.

Assertions hold both while recording (real answers, real secrets) and on replay (scrubbed answers):
they check what the client made of the answers, never a placeholder or a poll count.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from kustomer_provider import assumptions
from kustomer_provider.errors import (
    KustomerAuthError,
    KustomerConflictError,
    KustomerInvalidRequestError,
    KustomerNotFoundError,
    KustomerOutdatedVersionError,
    KustomerPermissionError,
    KustomerRolesChangedError,
)
from tests.support.contract import REDIRECT_URI, ROLE_A, ROLE_B, definition
from tests.support.recording import ClientFactory, Recording
from tests.support.scrubbing import RECORDED_TEST_KEYS

pytestmark = [pytest.mark.vcr, pytest.mark.block_network]

INVALID_KEY, READONLY_KEY = RECORDED_TEST_KEYS[0], RECORDED_TEST_KEYS[1]


def namespaced(name: str, app: str) -> bool:
    """``name`` is ``<app>_<24-hex org id>`` (a scrubbed org id is 24 zeros)."""
    return re.fullmatch(rf"{re.escape(app)}_[0-9a-f]{{24}}", name) is not None


def test_register_returns_a_namespaced_app(make_client: ClientFactory, app_name: str) -> None:
    registered = make_client().register_version(definition(app_name))
    assert namespaced(registered.name, app_name)
    assert registered.id == f"{registered.name}-1.0.0"
    assert registered.version == "1.0.0"
    assert registered.redirect_uris == [REDIRECT_URI]
    assert registered.client_id
    assert registered.matches_definition(definition(app_name))


def test_register_same_version_again_is_a_conflict(make_client: ClientFactory, app_name: str) -> None:
    client = make_client()
    client.register_version(definition(app_name))
    with pytest.raises(KustomerConflictError) as caught:
        client.register_version(definition(app_name))
    assert caught.value.status_code == 409
    assert caught.value.detail == "This version has already been registered. Please increment the version."
    assert not caught.value.retried_after_ambiguous


def test_register_outdated_version(make_client: ClientFactory, app_name: str) -> None:
    client = make_client()
    client.register_version(definition(app_name, "2.0.0"))
    with pytest.raises(KustomerOutdatedVersionError) as caught:
        client.register_version(definition(app_name, "1.9.9"))
    assert caught.value.status_code == 400
    assert "Version must be greater than 2.0.0" in str(caught.value.detail)


def test_register_roles_change_needs_major(make_client: ClientFactory, app_name: str) -> None:
    client = make_client()
    client.register_version(definition(app_name, "1.0.0", roles=[ROLE_A]))
    with pytest.raises(KustomerRolesChangedError) as caught:
        client.register_version(definition(app_name, "1.1.0", roles=[ROLE_A, ROLE_B]))
    assert caught.value.status_code == 400
    assert client.register_version(definition(app_name, "2.0.0", roles=[ROLE_A, ROLE_B])).version == "2.0.0"


def test_register_invalid_definition(make_client: ClientFactory, app_name: str) -> None:
    with pytest.raises(KustomerInvalidRequestError) as caught:
        make_client().register_version(definition(app_name, redirectUris=[42]))
    assert caught.value.status_code == 400
    assert caught.value.pointer == "/redirectUris/0"
    assert "redirectUris" in str(caught.value)


def test_list_available_follows_every_page(make_client: ClientFactory, app_name: str, vcr: Any) -> None:
    client = make_client()
    versions = ["1.0.0", "1.0.1", "1.1.0", "2.0.0-beta", "2.0.0"]
    for version in versions:
        client.register_version(definition(app_name, version))
    client.stats.requests.clear()
    found = client.versions_of(app_name)
    assert [v.version for v in found] == versions
    assert len({v.client_id for v in found}) == 1
    pages = client.stats.requests["GET /v1/apps/available"]
    if vcr.get_metadata("recorded_from", "") == "simulator":  # recorded with --page-size 2
        assert pages >= 3
    latest = client.find_version(found[0].name, "2.0.0")
    assert latest is not None and latest.id == f"{found[0].name}-2.0.0"


def test_install_and_wait_until_installed(make_client: ClientFactory, app_name: str) -> None:
    client = make_client()
    registered = client.register_version(definition(app_name))
    started = client.install(registered.name, "1.0.0")
    assert (started.name, started.version) == (registered.name, "1.0.0")
    assert started.status in {assumptions.INSTALLING, assumptions.INSTALLED}
    final = client.wait_for_install(registered.name, "1.0.0", timeout=600)
    assert (final.version, final.status, final.error) == ("1.0.0", assumptions.INSTALLED, None)
    installed = client.installed_app(registered.name)
    assert installed is not None and (installed.version, installed.status) == ("1.0.0", assumptions.INSTALLED)


def test_mint_on_the_seed_path(make_client: ClientFactory, app_name: str) -> None:
    client = make_client()
    registered = client.register_version(definition(app_name))
    client.register_version(definition(app_name, "1.0.1"))
    # The tutorial's order: register, install, then mint.
    client.install(registered.name, "1.0.1")
    client.wait_for_install(registered.name, "1.0.1", timeout=600)
    minted = client.mint_secret(registered.name)
    assert minted.client_id == registered.client_id
    assert minted.app.id == f"{registered.name}-1.0.1"
    assert minted.client_secret.get_secret_value()
    assert "clientSecret" not in minted.app.attributes
    assert client.stats.requests[f"POST /v1/apps/available/{registered.name}/secret/"] == 1


def test_mint_on_the_versioned_path(make_client: ClientFactory, app_name: str) -> None:
    client = make_client()
    registered = client.register_version(definition(app_name))
    client.register_version(definition(app_name, "1.0.1"))
    client.install(registered.name, "1.0.0")  # register, install, then mint
    client.wait_for_install(registered.name, "1.0.0", timeout=600)
    minted = client.mint_secret(registered.name, "1.0.0")
    assert minted.client_id == registered.client_id
    assert minted.app.id == f"{registered.name}-1.0.0"
    assert minted.client_secret.get_secret_value()
    posts = {k: v for k, v in client.stats.requests.items() if k.startswith("POST")}
    assert posts == {
        "POST /v1/apps/available": 2,
        "POST /v1/apps/install": 1,
        f"POST /v1/apps/available/{registered.name}-1.0.0/secret": 1,
    }


def test_mint_of_an_unknown_app_is_not_found_after_one_try(make_client: ClientFactory, app_name: str) -> None:
    client = make_client()
    with pytest.raises(KustomerNotFoundError) as caught:
        client.mint_secret(f"{app_name}_missing", "1.0.0")
    assert caught.value.status_code == 404
    # The versioned form answered 404 and the app has no version at all: no second form is tried.
    posts = {k: v for k, v in client.stats.requests.items() if k.startswith("POST")}
    assert posts == {f"POST /v1/apps/available/{app_name}_missing-1.0.0/secret": 1}
    assert client.stats.requests["GET /v1/apps/available"] >= 1  # every page of the listing, once


def test_unknown_api_key_is_an_auth_error(make_client: ClientFactory) -> None:
    with pytest.raises(KustomerAuthError) as caught:
        make_client(api_key=INVALID_KEY).list_available()
    assert caught.value.status_code == 401
    assert INVALID_KEY not in str(caught.value)


def test_read_only_key_cannot_register(make_client: ClientFactory, app_name: str, recording: Recording) -> None:
    reader = make_client(api_key=recording.readonly_api_key if recording.recording else READONLY_KEY)
    assert isinstance(reader.list_available(), list)
    with pytest.raises(KustomerPermissionError) as caught:
        reader.register_version(definition(app_name))
    assert caught.value.status_code == 403
    assert not reader.stats.retries
