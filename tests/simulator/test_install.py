"""POST /v1/apps/install: lazy status, repeat installs, failures keep the installed version."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.simulator_client import ADMIN, FakeClock, MakeClient, TestClient, install, name_of, register


def statuses(client: TestClient, version: str = "1.0.0") -> list[str]:
    data = client.get(f"/v1/apps/myapp-{version}", headers=ADMIN).json()["data"]
    return [d["attributes"]["status"] for d in data]


def installed(client: TestClient) -> dict[str, Any]:
    attributes: dict[str, Any] = client.get("/v1/apps", headers=ADMIN).json()["data"][0]["attributes"]
    return attributes


def test_install_is_installing_then_installed(client: TestClient, clock: FakeClock) -> None:
    register(client)
    response = install(client)
    assert response.status_code == 202
    assert response.json() == {
        "data": {
            "type": "installed_app",
            "id": f"{name_of('myapp')}-1.0.0",
            "attributes": {
                "name": name_of("myapp"),
                "version": "1.0.0",
                "status": "installing",
                "error": None,
                "startedAt": "2027-01-15T08:00:00.000Z",
            },
        }
    }
    clock.advance(0.299)
    assert statuses(client) == ["installing"]
    clock.advance(0.001)
    assert statuses(client) == ["installed"]
    assert installed(client)["version"] == "1.0.0"


def test_repeat_install_in_progress_is_202_same_record(client: TestClient, clock: FakeClock) -> None:
    register(client)
    first = install(client).json()
    clock.advance(0.1)
    again = install(client)
    assert again.status_code == 202 and again.json() == first
    assert statuses(client) == ["installing"]


def test_repeat_install_when_installed_is_200_and_starts_nothing(client: TestClient, clock: FakeClock) -> None:
    register(client)
    install(client)
    clock.advance(1)
    again = install(client)
    assert again.status_code == 200
    assert again.json()["data"]["attributes"]["status"] == "installed"
    assert statuses(client) == ["installed"]


def test_upgrade_switches_installed_version_when_done(client: TestClient, clock: FakeClock) -> None:
    register(client, version="1.0.0")
    install(client, version="1.0.0")
    clock.advance(1)
    register(client, version="1.1.0")
    install(client, version="1.1.0")
    attrs = installed(client)
    assert (attrs["version"], attrs["status"]) == ("1.0.0", "installing")
    clock.advance(1)
    attrs = installed(client)
    assert (attrs["version"], attrs["status"]) == ("1.1.0", "installed")


def test_install_failed_keeps_previous_installed_version(make_client: MakeClient, clock: FakeClock) -> None:
    client = make_client()
    register(client, version="1.0.0")
    install(client, version="1.0.0")
    clock.advance(1)
    client.post("/_sim/faults", json={"install_fail": ["myapp"]})
    register(client, version="2.0.0")
    install(client, version="2.0.0")
    clock.advance(1)
    attrs = installed(client)
    message = f"Install failed: simulated failure for {name_of('myapp')}"
    assert attrs["version"] == "1.0.0"
    assert attrs["status"] == "install_failed"
    assert attrs["error"] == message
    record = client.get("/v1/apps/myapp-2.0.0", headers=ADMIN).json()["data"][0]["attributes"]
    assert (record["status"], record["error"]) == ("install_failed", message)


@pytest.mark.parametrize("pattern", ["myapp", name_of("myapp")])
def test_install_fail_flag_by_bare_or_namespaced_name(make_client: MakeClient, clock: FakeClock, pattern: str) -> None:
    client = make_client(install_fail=(pattern,), install_ms=50)
    register(client)
    install(client)
    assert statuses(client) == ["installing"]
    clock.advance(0.05)
    attrs = installed(client)
    assert attrs["version"] is None and attrs["status"] == "install_failed"


def test_failed_install_can_be_retried(make_client: MakeClient, clock: FakeClock) -> None:
    client = make_client(install_fail=("myapp",))
    register(client)
    install(client)
    clock.advance(1)
    client.post("/_sim/faults", json={"install_fail": []})
    assert install(client).status_code == 202
    clock.advance(1)
    assert statuses(client) == ["installed", "install_failed"]


def test_install_ms_is_fixed_when_the_install_starts(client: TestClient, clock: FakeClock) -> None:
    register(client)
    install(client)
    client.post("/_sim/faults", json={"install_ms": 10_000})
    clock.advance(0.3)
    assert statuses(client) == ["installed"]


@pytest.mark.parametrize(
    ("body", "pointer"),
    [({"version": "1.0.0"}, "/app"), ({"app": "myapp"}, "/version"), ({"app": "myapp", "version": 1}, "/version")],
)
def test_install_body_errors_are_400_jsonapi(client: TestClient, body: dict[str, Any], pointer: str) -> None:
    register(client)
    response = client.post("/v1/apps/install", json=body, headers=ADMIN)
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"] == {"pointer": pointer}


def test_install_body_not_an_object(client: TestClient) -> None:
    response = client.post("/v1/apps/install", json=["myapp"], headers=ADMIN)
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "invalid_json"


def test_install_of_unregistered_version_is_404(client: TestClient) -> None:
    register(client)
    for app, version in (("myapp", "9.9.9"), ("ghost", "1.0.0")):
        response = install(client, app=app, version=version)
        assert response.status_code == 404
        assert response.json()["errors"][0]["status"] == "404"
