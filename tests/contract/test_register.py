"""Registering versions: namespacing, the answer's shape, the documented errors, and our guesses about them."""

from __future__ import annotations

import re

import httpx
import pytest

from kustomer_provider import assumptions, ownership
from kustomer_provider.client import KustomerClient
from kustomer_provider.errors import (
    KustomerConflictError,
    KustomerInvalidRequestError,
    KustomerOutdatedVersionError,
    KustomerRolesChangedError,
)
from tests.support.contract import ROLE_A, ROLE_B, Target, definition, error_text, register, wait_for_install

CONFLICT = "This version has already been registered. Please increment the version."
ROLES_NEED_MAJOR = "Roles do not match that of the previous version, a major version bump is required"


def org_id_of(name: str, app: str) -> str:
    """The ``<orgId>`` of a namespaced name ``<app>_<orgId>``."""
    assert name.startswith(f"{app}_"), f"{name!r} is not {app!r} namespaced"
    return name[len(app) + 1 :]


def test_private_app_is_namespaced_with_the_org_id(api: httpx.Client, app_name: str) -> None:
    """[doc] A private app's name becomes ``<app>_<orgId>``; the answer is the seed's ``available_app``."""
    data = register(api, app_name, "0.0.1")
    attributes = data["attributes"]
    assert data["type"] == "available_app"
    assert attributes["name"] != app_name
    assert org_id_of(attributes["name"], app_name)
    assert data["id"] == f"{attributes['name']}-0.0.1"
    assert attributes["version"] == "0.0.1"
    assert attributes["visibility"] == "private"
    assert attributes["redirectUris"] == definition(app_name)["redirectUris"]
    assert isinstance(attributes["auth"], dict)
    assert isinstance(attributes["clientId"], str) and attributes["clientId"]


def test_namespaced_name_is_accepted_afterwards(api: httpx.Client, app_name: str) -> None:
    """[doc] After the first registration the endpoint accepts the namespaced name too (not suffixed twice)."""
    name = register(api, app_name, "1.0.0")["attributes"]["name"]
    again = register(api, name, "1.0.1")
    assert again["attributes"]["name"] == name
    assert again["id"] == f"{name}-1.0.1"


def test_client_registers_and_finds_versions_by_either_name(client: KustomerClient, app_name: str) -> None:
    """[doc] namespacing, through our client: ``versions_of`` accepts the bare and the namespaced name."""
    registered = client.register_version(definition(app_name, "1.0.0"))
    assert registered.version == "1.0.0" and registered.client_id
    client.register_version(definition(app_name, "1.1.0"))
    by_bare = [v.version for v in client.versions_of(app_name)]
    by_namespaced = [v.version for v in client.versions_of(registered.name)]
    assert by_bare == by_namespaced == ["1.0.0", "1.1.0"]
    found = client.find_version(app_name, "1.1.0")
    assert found is not None and found.matches_definition(definition(app_name, "1.1.0"))


def test_prerelease_versions_are_semver(api: httpx.Client, app_name: str) -> None:
    """[doc] ``version`` is semver with an optional pre-release (``1.5.0-beta``), lower than its release."""
    name = register(api, app_name, "1.5.0-beta")["attributes"]["name"]
    assert register(api, app_name, "1.5.0")["id"] == f"{name}-1.5.0"
    refused = api.post("/v1/apps/available", json=definition(app_name, "1.5.0-rc"))
    assert refused.status_code == 400
    assert "Cannot register outdated version" in error_text(refused)


def test_same_version_again_is_409(api: httpx.Client, client: KustomerClient, app_name: str) -> None:
    """[doc] 409 "This version has already been registered. Please increment the version." """
    register(api, app_name, "1.0.0")
    response = api.post("/v1/apps/available", json=definition(app_name, "1.0.0"))
    assert response.status_code == 409
    assert CONFLICT in error_text(response)

    with pytest.raises(KustomerConflictError) as caught:
        client.register_version(definition(app_name, "1.0.0"))
    assert caught.value.status_code == 409
    assert CONFLICT in str(caught.value.detail)


def test_outdated_version_is_400(api: httpx.Client, client: KustomerClient, app_name: str) -> None:
    """[doc] 400 "Cannot register outdated version. Version must be greater than X." """
    register(api, app_name, "1.2.0")
    response = api.post("/v1/apps/available", json=definition(app_name, "1.1.9"))
    assert response.status_code == 400
    assert "Cannot register outdated version. Version must be greater than 1.2.0." in error_text(response)

    with pytest.raises(KustomerOutdatedVersionError) as caught:
        client.register_version(definition(app_name, "1.0.0"))
    assert "1.2.0" in str(caught.value)


def test_roles_change_needs_a_major_version(api: httpx.Client, client: KustomerClient, app_name: str) -> None:
    """[doc] 400 "Roles do not match ..., a major version bump is required"; a major bump may change them."""
    register(api, app_name, "1.0.0", roles=[ROLE_A])
    response = api.post("/v1/apps/available", json=definition(app_name, "1.1.0", roles=[ROLE_A, ROLE_B]))
    assert response.status_code == 400
    assert ROLES_NEED_MAJOR in error_text(response)

    with pytest.raises(KustomerRolesChangedError):
        client.register_version(definition(app_name, "1.2.0", roles=[ROLE_B]))
    bumped = client.register_version(definition(app_name, "2.0.0", roles=[ROLE_A, ROLE_B]))
    assert bumped.version == "2.0.0"


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"colour": "blue"}, "unknown top-level key"),
        ({"title": None}, "missing required key"),
        ({"redirectUris": "https://x.example.com/cb"}, "wrong type"),
    ],
)
def test_invalid_definition_is_400(
    api: httpx.Client, client: KustomerClient, app_name: str, change: dict[str, object], why: str
) -> None:
    """[doc] The schema is strict: unknown keys, missing required keys and wrong types are 400."""
    body = {k: v for k, v in {**definition(app_name), **change}.items() if v is not None}
    response = api.post("/v1/apps/available", json=body)
    assert response.status_code == 400, why
    assert error_text(response)
    with pytest.raises(KustomerInvalidRequestError) as caught:
        client.register_version(body)
    assert caught.value.status_code == 400


def test_registered_versions_cannot_be_deleted(api: httpx.Client, app_name: str) -> None:
    """[doc] Registered versions are immutable and permanent: there is no delete."""
    name = register(api, app_name)["attributes"]["name"]
    for path in (f"/v1/apps/available/{name}-1.0.0", f"/v1/apps/available/{name}"):
        response = api.delete(path)
        assert 400 <= response.status_code < 500, f"DELETE {path}: {response.status_code}"
    listed = api.get(f"/v1/apps/{name}-1.0.0")
    assert listed.status_code == 200, f"{name} 1.0.0 is gone after DELETE: {listed.text}"


def test_invalid_json_is_400(api: httpx.Client) -> None:
    """[doc] A body that is not JSON is 400."""
    response = api.post("/v1/apps/available", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert error_text(response)


# --- our decisions --------------------------------------------------------------------------------


@pytest.mark.ours
def test_org_id_is_24_hex(api: httpx.Client, client: KustomerClient, app_name: str) -> None:
    """[ours] ``assumptions.ORG_ID_PATTERN`` / ``rules.org_id_for``: org ids are 24 lowercase hex.

    The client relies on it to tell ``myapp_<orgId>`` from another app named ``myapp_<something>``: both
    are registered here, and the client must list only the first one's versions under ``myapp``.
    """
    name = register(api, app_name)["attributes"]["name"]
    assert re.fullmatch(r"[0-9a-f]{24}", org_id_of(name, app_name)), name
    register(api, f"{app_name}_x", "2.0.0")  # another app, whose name starts like a namespaced one
    assert [v.version for v in client.versions_of(app_name)] == ["1.0.0"]
    assert [v.version for v in client.versions_of(f"{app_name}_x")] == ["2.0.0"]


@pytest.mark.ours
def test_visibility_defaults_to_private(api: httpx.Client, app_name: str) -> None:
    """[ours] ``rules.DEFAULT_VISIBILITY``: without ``visibility`` an app is private (so namespaced)."""
    body = definition(app_name)
    del body["visibility"]
    response = api.post("/v1/apps/available", json=body)
    assert response.is_success, response.text
    attributes = response.json()["data"]["attributes"]
    assert attributes["visibility"] == "private"
    assert re.match(assumptions.ORG_ID_PATTERN, org_id_of(attributes["name"], app_name))


@pytest.mark.ours
def test_client_id_is_stable_across_versions(api: httpx.Client, app_name: str) -> None:
    """[ours] One client id per app name: every version, a major bump included, keeps the first's.

    ``KustomerPrivateApp`` keeps ``client_id`` across updates, and a secret outlives version bumps
    (``KustomerAppSecret`` without ``app_version``), both on the strength of this.
    """
    first = register(api, app_name, "1.0.0")["attributes"]["clientId"]
    second = register(api, app_name, "1.0.1")["attributes"]["clientId"]
    third = register(api, app_name, "2.0.0", roles=[ROLE_A])["attributes"]["clientId"]
    assert first == second == third


@pytest.mark.ours
def test_meta_comes_back_as_registered_and_marks_the_owner(client: KustomerClient, app_name: str) -> None:
    """[ours] ``assumptions.OWNER_MARKER_META_KEY``: ``meta`` (a documented definition key) is kept as given and
    returned in the listing's attributes, so the owner marker written there tells a resource its own version."""
    marker = ownership.owner_marker("contract", "tests", app_name)
    registered = client.register_version(ownership.with_marker(definition(app_name, meta={"team": "a"}), marker))
    listed = client.find_version(app_name, "1.0.0")
    assert listed is not None
    for version in (registered, listed):
        assert version.attributes["meta"] == {"team": "a", assumptions.OWNER_MARKER_META_KEY: marker}
        assert ownership.marker_of(version) == marker


@pytest.mark.ours
def test_success_status_codes(api: httpx.Client, target: Target, app_name: str) -> None:
    """[ours] ``assumptions.is_success``: any 2xx is success; the simulator answers 201, 202 and 200.

    The client accepts any 2xx, so a failure here only says the simulator's exact codes differ from
    Kustomer's (fix them in the simulator's routers).
    """
    registered = api.post("/v1/apps/available", json=definition(app_name))
    name = registered.json()["data"]["attributes"]["name"]
    installing = api.post("/v1/apps/install", json=assumptions.install_request_body(name, "1.0.0"))
    wait_for_install(api, name, "1.0.0", target.install_timeout)  # the tutorial's order: install, then the secret
    minted = api.post(f"/v1/apps/available/{name}/secret/", json={})
    codes = (registered.status_code, installing.status_code, minted.status_code)
    assert all(assumptions.is_success(code) for code in codes), codes
    assert codes == (201, 202, 200)


@pytest.mark.ours
def test_app_name_pattern(api: httpx.Client, app_name: str) -> None:
    """[ours] ``assumptions.APP_NAME_PATTERN``: lowercase ASCII letters, digits and ``_``, a letter first.

    The docs only forbid spaces and dashes; the server must refuse what the provider's Check refuses, and
    accept what it accepts (digits and underscores inside the name).
    """
    accepted = f"{app_name}_2b_"
    response = api.post("/v1/apps/available", json=definition(accepted))
    assert response.is_success, f"{accepted!r} was refused: {response.text}"
    for bad in (
        app_name.replace("contract_", "contract-"),
        app_name.upper(),
        f"9{app_name}",
        f"{app_name} x",
        f"{app_name}\n",
        f"{app_name}é",
    ):
        response = api.post("/v1/apps/available", json=definition(bad))
        assert response.status_code == 400, f"{bad!r} was accepted: {response.text}"


@pytest.mark.ours
def test_namespaced_name_length_limit(api: httpx.Client, app_name: str) -> None:
    """[ours] ``assumptions.NAMESPACED_NAME_MAX_LENGTH`` (64, so ``APP_NAME_MAX_LENGTH`` 39 for private apps)."""
    longest = app_name.ljust(assumptions.APP_NAME_MAX_LENGTH, "x")
    name = register(api, longest)["attributes"]["name"]
    assert len(name) == assumptions.NAMESPACED_NAME_MAX_LENGTH
    too_long = app_name.ljust(assumptions.APP_NAME_MAX_LENGTH + 1, "y")
    response = api.post("/v1/apps/available", json=definition(too_long))
    assert response.status_code == 400, f"a {len(too_long)}-character app name was accepted"
