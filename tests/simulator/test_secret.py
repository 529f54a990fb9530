"""POST /v1/apps/available/{name}[-{version}]/secret: minting and revocation."""

from __future__ import annotations

import pytest

from kustomer_provider.simulator import rules
from tests.support.simulator_client import ADMIN, FakeClock, TestClient, install, name_of, register


def installed(client: TestClient, clock: FakeClock, version: str = "1.0.0") -> None:
    """Install a registered version and let the install finish (the fake clock moves past it)."""
    assert install(client, version=version).status_code == 202
    clock.advance(1)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/apps/available/myapp/secret/",
        f"/v1/apps/available/{name_of('myapp')}/secret/",
    ],
)
def test_seed_form_answers_latest_version_with_secret(client: TestClient, clock: FakeClock, path: str) -> None:
    register(client, version="1.0.0")
    register(client, version="1.2.0")
    installed(client, clock, "1.0.0")
    response = client.post(path, json={}, headers=ADMIN)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["type"] == "available_app" and data["id"] == f"{name_of('myapp')}-1.2.0"
    assert data["attributes"]["version"] == "1.2.0"
    assert len(data["attributes"]["clientSecret"]) >= 40
    assert len(data["attributes"]["clientId"]) == 24


def test_versioned_form_answers_that_version(client: TestClient, clock: FakeClock) -> None:
    register(client, version="1.0.0-beta")
    register(client, version="1.0.0")
    installed(client, clock, "1.0.0")
    response = client.post("/v1/apps/available/myapp-1.0.0-beta/secret", json={}, headers=ADMIN)
    assert response.status_code == 200
    assert response.json()["data"]["attributes"]["version"] == "1.0.0-beta"


def test_mint_revokes_previous_secret(client: TestClient, clock: FakeClock) -> None:
    register(client)
    installed(client, clock)
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


def test_a_mint_waits_for_the_install(client: TestClient, clock: FakeClock) -> None:
    """The seed's order: install, then the secret. Refused (nothing minted) until an install is final."""
    register(client)
    refused = client.post("/v1/apps/available/myapp/secret/", json={}, headers=ADMIN)
    assert refused.status_code == rules.MINT_NOT_INSTALLED_STATUS
    error = refused.json()["errors"][0]
    assert error["code"] == rules.MINT_NOT_INSTALLED_CODE and name_of("myapp") in error["detail"]
    assert install(client).status_code == 202
    running = client.post("/v1/apps/available/myapp-1.0.0/secret", json={}, headers=ADMIN)
    assert running.status_code == rules.MINT_NOT_INSTALLED_STATUS  # still installing
    assert client.get("/_sim/state").json()["orgs"]["acme"]["apps"][name_of("myapp")]["secret"]["minted"] == 0
    clock.advance(1)
    assert client.post("/v1/apps/available/myapp/secret/", json={}, headers=ADMIN).status_code == 200


@pytest.mark.parametrize("path", ["/v1/apps/available/ghost/secret/", "/v1/apps/available/myapp-2.0.0/secret"])
def test_unknown_app_or_version_is_404(client: TestClient, path: str) -> None:
    register(client)
    response = client.post(path, json={}, headers=ADMIN)
    assert response.status_code == 404
    error = response.json()["errors"][0]
    assert (error["status"], error["code"]) == ("404", "not_found")
