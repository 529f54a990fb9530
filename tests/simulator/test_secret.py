"""POST /v1/apps/available/{name}[-{version}]/secret: minting and revocation."""

from __future__ import annotations

import pytest

from kustomer_provider.simulator import rules

from .conftest import TestClient
from .helpers import ADMIN, name_of, register


@pytest.mark.parametrize(
    "path",
    [
        "/v1/apps/available/myapp/secret/",
        f"/v1/apps/available/{name_of('myapp')}/secret/",
    ],
)
def test_seed_form_answers_latest_version_with_secret(client: TestClient, path: str) -> None:
    register(client, version="1.0.0")
    register(client, version="1.2.0")
    response = client.post(path, json={}, headers=ADMIN)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["type"] == "available_app" and data["id"] == f"{name_of('myapp')}-1.2.0"
    assert data["attributes"]["version"] == "1.2.0"
    assert len(data["attributes"]["clientSecret"]) >= 40
    assert len(data["attributes"]["clientId"]) == 24


def test_versioned_form_answers_that_version(client: TestClient) -> None:
    register(client, version="1.0.0-beta")
    register(client, version="1.0.0")
    response = client.post("/v1/apps/available/myapp-1.0.0-beta/secret", json={}, headers=ADMIN)
    assert response.status_code == 200
    assert response.json()["data"]["attributes"]["version"] == "1.0.0-beta"


@pytest.mark.parametrize(
    "path",
    ["/v1/apps/available/myapp/secret", "/v1/apps/available/myapp-1.0.0/secret/"],
    ids=["seed-form-without-its-slash", "versioned-form-with-a-slash"],
)
def test_only_the_documented_spellings_mint(client: TestClient, path: str) -> None:
    """The seed's curl has `/secret/`, the newer docs `-{version}/secret`: other spellings are 404, no mint."""
    register(client)
    assert client.post(path, json={}, headers=ADMIN).status_code == 404
    assert client.get("/_sim/state").json()["orgs"]["acme"]["apps"][name_of("myapp")]["secret"]["minted"] == 0


def test_mint_revokes_previous_secret(client: TestClient) -> None:
    register(client)
    first = client.post("/v1/apps/available/myapp/secret/", json={}, headers=ADMIN).json()["data"]["attributes"]
    second = client.post("/v1/apps/available/myapp-1.0.0/secret", headers=ADMIN).json()["data"]["attributes"]
    assert first["clientSecret"] != second["clientSecret"]
    assert first["clientId"] == second["clientId"]
    secret_state = client.get("/_sim/state").json()["orgs"]["acme"]["apps"][name_of("myapp")]["secret"]
    assert secret_state == {
        "current_fingerprint": rules.fingerprint(second["clientSecret"]),
        "minted": 2,
        "revoked_fingerprints": [rules.fingerprint(first["clientSecret"])],
    }


def test_no_install_is_required(client: TestClient) -> None:
    register(client)
    assert client.post("/v1/apps/available/myapp/secret/", json={}, headers=ADMIN).status_code == 200


@pytest.mark.parametrize("path", ["/v1/apps/available/ghost/secret", "/v1/apps/available/myapp-2.0.0/secret"])
def test_unknown_app_or_version_is_404(client: TestClient, path: str) -> None:
    register(client)
    response = client.post(path, json={}, headers=ADMIN)
    assert response.status_code == 404
    error = response.json()["errors"][0]
    assert (error["status"], error["code"]) == ("404", "not_found")
