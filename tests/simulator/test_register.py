"""POST /v1/apps/available: validation, naming, version and role rules, the record."""

from __future__ import annotations

from typing import Any

import pytest

from kustomer_provider.simulator import KeySpec, rules
from tests.support.simulator_client import ADMIN, ORG_ID, REDIRECT, TestClient, definition, name_of, register


def post(client: TestClient, body: Any) -> Any:
    return client.post("/v1/apps/available", json=body, headers=ADMIN)


def test_success_record_has_every_key_plus_defaults(client: TestClient) -> None:
    body = definition(description="d", tags=["x"], meta={"k": 1})
    response = post(client, body)
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["type"] == "available_app"
    assert data["id"] == f"{name_of('myapp')}-1.0.0"
    attrs = data["attributes"]
    for key, value in body.items():
        assert attrs[key] == value
    assert attrs["app"] == "myapp"
    assert attrs["name"] == name_of("myapp")
    assert attrs["visibility"] == "private"
    assert attrs["auth"] == {}
    assert attrs["redirectUris"] == [REDIRECT]
    assert len(attrs["clientId"]) == 24 and int(attrs["clientId"], 16) >= 0
    assert attrs["createdAt"] == "2027-01-15T08:00:00.000Z"


def test_defaults_when_absent(client: TestClient) -> None:
    response = post(client, {"app": "bare", "version": "0.1.0", "title": "Bare"})
    attrs = response.json()["data"]["attributes"]
    assert attrs["redirectUris"] == [] and attrs["auth"] == {} and attrs["visibility"] == "private"


def test_client_id_is_stable_across_versions(client: TestClient) -> None:
    first = register(client, version="1.0.0")["attributes"]["clientId"]
    second = register(client, version="1.1.0")["attributes"]["clientId"]
    other = register(client, app="other")["attributes"]["clientId"]
    assert first == second != other


def test_public_app_keeps_its_name(client: TestClient) -> None:
    data = register(client, app="pubapp", visibility="public")
    assert data["attributes"]["name"] == "pubapp"
    assert data["id"] == "pubapp-1.0.0"


def test_already_namespaced_name_is_not_suffixed_twice(client: TestClient) -> None:
    data = register(client, app=name_of("myapp"))
    assert data["attributes"]["name"] == name_of("myapp")
    assert data["attributes"]["app"] == name_of("myapp")
    # ...and it is the same app as the bare name
    assert post(client, definition("myapp")).status_code == 409


@pytest.mark.parametrize("body", [[1, 2], "text", 3, None])
def test_not_an_object_is_invalid_json(client: TestClient, body: Any) -> None:
    response = post(client, body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_json"
    assert response.json()["errors"][0]["status"] == "400"


def test_unparsable_body_is_invalid_json(client: TestClient) -> None:
    response = client.post(
        "/v1/apps/available", content=b"{nope", headers={**ADMIN, "content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_json"


@pytest.mark.parametrize(
    ("change", "pointer", "words"),
    [
        ({"app": None}, "/app", "app is required"),
        ({"version": None}, "/version", "version is required"),
        ({"title": None}, "/title", "title is required"),
        ({"app": 5}, "/app", "app must be a string"),
        ({"title": ["x"]}, "/title", "title must be a string"),
        ({"description": 1}, "/description", "description"),
        ({"iconUrl": {}}, "/iconUrl", "iconUrl"),
        ({"visibility": True}, "/visibility", "visibility must be a string"),
        ({"redirectUris": "https://x"}, "/redirectUris", "redirectUris must be an array"),
        ({"redirectUris": [REDIRECT, 7]}, "/redirectUris/1", "redirectUris[1]"),
        ({"roles": [1]}, "/roles/0", "roles[0]"),
        ({"app": "My-App"}, "/app", "app must match"),
        ({"app": "1app"}, "/app", "app must match"),
        ({"app": "a" * 50}, "/app", "at most 64"),
        ({"version": "1.0"}, "/version", "semver"),
        ({"version": "v1.0.0"}, "/version", "semver"),
        ({"version": "1.0.0+build"}, "/version", "semver"),
        ({"visibility": "internal"}, "/visibility", "private or public"),
        ({"colour": "red"}, "/colour", "unknown top-level key: colour"),
    ],
)
def test_field_errors_point_at_the_field(client: TestClient, change: dict[str, Any], pointer: str, words: str) -> None:
    body = definition()
    for key, value in change.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    response = post(client, body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    match = [e for e in errors if e.get("source", {}).get("pointer") == pointer]
    assert match, errors
    assert words in match[0]["detail"]
    assert match[0]["status"] == "400" and match[0]["title"] == "Bad Request"


def test_every_known_key_is_accepted(client: TestClient) -> None:
    body: dict[str, Any] = {key: {} for key in rules.KNOWN_TOP_LEVEL_KEYS}
    body.update(definition(), description="d", iconUrl="https://i", visibility="private", roles=["r"], tags=[])
    assert post(client, body).status_code == 201


def test_same_version_again_is_409_first_shape(client: TestClient) -> None:
    register(client)
    response = post(client, definition())
    assert response.status_code == 409
    assert response.json() == {
        "errors": [
            {
                "code": "conflict",
                "message": "This version has already been registered. Please increment the version.",
                "meta": {},
            }
        ]
    }


@pytest.mark.parametrize("older", ["0.9.0", "1.0.0-rc.1", "0.99.99"])
def test_outdated_version_is_400_first_shape(client: TestClient, older: str) -> None:
    register(client, version="1.0.0")
    response = post(client, definition(version=older))
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "invalid_version"
    assert error["message"] == "Cannot register outdated version. Version must be greater than 1.0.0."
    assert error["meta"] == {}


def test_prerelease_then_release_is_allowed(client: TestClient) -> None:
    register(client, version="1.0.0-beta.2")
    register(client, version="1.0.0-beta.11")  # numeric identifiers compare as numbers
    register(client, version="1.0.0")
    response = post(client, definition(version="1.0.0-beta.12"))
    assert response.json()["errors"][0]["message"].endswith("greater than 1.0.0.")


def test_changed_roles_need_a_major_bump(client: TestClient) -> None:
    register(client, version="1.0.0", roles=["org.permission.customer.read"])
    response = post(client, definition(version="1.1.0", roles=["org.permission.customer.write"]))
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "code": "invalid_roles",
        "message": "Roles do not match that of the previous version, a major version bump is required",
        "meta": {},
    }
    # same set in another order and with a duplicate: not a change
    register(client, version="1.2.0", roles=["org.permission.customer.read", "org.permission.customer.read"])
    # absent roles = empty set: a change
    assert post(client, definition(version="1.3.0")).json()["errors"][0]["code"] == "invalid_roles"
    register(client, version="2.0.0", roles=["org.permission.customer.write"])


def test_namespacing_uses_the_key_org(make_client: Any) -> None:
    client = make_client(keys=(KeySpec("other-admin", rules.ADMIN_KEY_ROLES, org="globex"),))
    response = client.post("/v1/apps/available", json=definition(), headers={"Authorization": "Bearer other-admin"})
    assert response.json()["data"]["attributes"]["name"] == f"myapp_{rules.org_id_for('globex')}"
    assert ORG_ID != rules.org_id_for("globex")
