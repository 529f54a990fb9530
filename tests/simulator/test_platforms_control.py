"""The other platforms' dashboards as control calls, the built-in dev clients, and persistence."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from kustomer_provider.simulator import rules
from tests.support.simulator_client import (
    DEV,
    DEV_REDIRECT,
    DEV_REDIRECTS,
    FakeClock,
    MakeClient,
    TestClient,
    bearer,
    platform_authorize,
    platform_code,
    query_of,
)

PLATFORMS = ["teamwork", "komerza", "apaleo"]


def secret_check(client: TestClient, platform: str, client_id: str, secret: str) -> int:
    """A token request with a made-up code: the status says whether the client and secret passed."""
    if platform == "teamwork":
        body = {"code": "made-up", "client_id": client_id, "client_secret": secret, "redirect_uri": DEV_REDIRECT}
        return client.post("/teamwork/launchpad/v1/token.json", json=body).status_code
    if platform == "komerza":
        headers = {"X-Client-Secret": secret, "User-Agent": "t"}
        return client.get(f"/komerza/oauth2/{client_id}/exchange/made-up", headers=headers).status_code
    form = {"grant_type": "authorization_code", "code": "made-up", "redirect_uri": DEV_REDIRECTS["apaleo"]}
    return client.post("/apaleo/connect/token", data=form, auth=(client_id, secret)).status_code


@pytest.mark.parametrize("platform", PLATFORMS)
def test_dev_client_is_built_in(client: TestClient, platform: str) -> None:
    client_id, secret = DEV[platform]
    listed = {c["client_id"]: c for c in client.get("/_sim/platforms").json()[platform]}
    assert listed[client_id]["builtin"] is True
    # apaleo's has only the https one: apaleo takes https redirect URIs only [seed].
    https_only = ["https://example.com/oauth/callback"]
    every = [DEV_REDIRECT, *https_only]
    assert listed[client_id]["redirect_uris"] == (https_only if platform == "apaleo" else every)
    assert secret_check(client, platform, client_id, secret) == 400  # secret accepted, made-up code refused


@pytest.mark.parametrize("platform", PLATFORMS)
def test_register_then_rotate_the_secret(client: TestClient, platform: str) -> None:
    made = client.post(
        f"/_sim/platforms/{platform}/clients",
        json={"redirect_uris": [DEV_REDIRECTS[platform]], "scopes": [], "name": "Mine"},
    )
    assert made.status_code == 201
    app = made.json()
    assert app["name"] == "Mine" and app["builtin"] is False
    assert secret_check(client, platform, app["client_id"], app["client_secret"]) == 400

    rotated = client.post(f"/_sim/platforms/{platform}/clients/{app['client_id']}/secret", json={})

    assert rotated.status_code == 200
    new_secret = rotated.json()["client_secret"]
    assert new_secret != app["client_secret"]
    assert secret_check(client, platform, app["client_id"], app["client_secret"]) == 401  # the old one is dead
    assert secret_check(client, platform, app["client_id"], new_secret) == 400


def test_given_id_and_secret_and_replacement(client: TestClient) -> None:
    fields = {"client_id": "tw-given", "client_secret": "made-up-teamwork-secret", "redirect_uris": [DEV_REDIRECT]}
    assert client.post("/_sim/platforms/teamwork/clients", json=fields).status_code == 201
    assert secret_check(client, "teamwork", "tw-given", "made-up-teamwork-secret") == 400
    again = client.post("/_sim/platforms/teamwork/clients", json={**fields, "client_secret": "another-made-up-one"})
    assert again.status_code == 200
    assert secret_check(client, "teamwork", "tw-given", "made-up-teamwork-secret") == 401


def test_registration_errors_name_the_field(client: TestClient) -> None:
    refused = client.post(
        "/_sim/platforms/komerza/clients",
        json={"redirect_uris": ["https://ok.example/cb", "ftp://x"], "scopes": "stores.read", "allowed_origins": ["x"]},
    )
    assert refused.status_code == 400
    pointers = {e["source"]["pointer"] for e in refused.json()["errors"]}
    assert pointers == {"/redirect_uris/1", "/scopes", "/allowed_origins"}
    assert client.post("/_sim/platforms/nowhere/clients", json={"redirect_uris": []}).status_code == 404
    assert client.post("/_sim/platforms/teamwork/clients", json={}).status_code == 400
    assert client.post("/_sim/platforms/teamwork/clients/nobody/secret", json={}).status_code == 404


def test_control_calls_need_the_control_token(client: TestClient) -> None:
    response = client.post(
        "/_sim/platforms/teamwork/clients",
        json={"redirect_uris": [DEV_REDIRECT]},
        headers={rules.CONTROL_TOKEN_HEADER: "wrong-token-of-enough-length"},
    )
    assert response.status_code == 401 and response.json()["errors"][0]["code"] == "control_token_required"


def test_delete_removes_the_client_and_its_tokens(make_client: MakeClient) -> None:
    client = make_client(auto_consent=True)
    app = client.post("/_sim/platforms/teamwork/clients", json={"redirect_uris": [DEV_REDIRECT]}).json()
    code = query_of(platform_authorize(client, "teamwork", app["client_id"]).headers["location"])["code"]
    body = {
        "code": code,
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "redirect_uri": DEV_REDIRECT,
    }
    access = client.post("/teamwork/launchpad/v1/token.json", json=body).json()["access_token"]
    assert client.delete(f"/_sim/platforms/teamwork/clients/{app['client_id']}").status_code == 200
    assert client.get("/teamwork/launchpad/v1/userinfo.json", headers=bearer(access)).status_code == 401
    assert platform_authorize(client, "teamwork", app["client_id"]).status_code == 400


def test_reset_keeps_only_the_dev_clients(client: TestClient) -> None:
    assert client.post("/_sim/platforms/apaleo/clients", json={"redirect_uris": [DEV_REDIRECTS["apaleo"]]}).is_success
    client.post(f"/_sim/platforms/apaleo/clients/{DEV['apaleo'][0]}/secret", json={})
    assert client.post("/_sim/reset").status_code == 200
    listed = client.get("/_sim/platforms").json()["apaleo"]
    assert [c["client_id"] for c in listed] == [DEV["apaleo"][0]]
    assert secret_check(client, "apaleo", *DEV["apaleo"]) == 400  # the dev secret again


def test_clients_tokens_and_rotations_survive_a_restart(
    make_client: MakeClient, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "state.json"
    first = make_client(state_file=path)
    app = first.post(
        "/_sim/platforms/komerza/clients", json={"redirect_uris": [DEV_REDIRECT], "scopes": ["stores.view"]}
    )
    app_data = app.json()
    rotated = first.post(f"/_sim/platforms/apaleo/clients/{DEV['apaleo'][0]}/secret", json={}).json()["client_secret"]
    code = platform_code(first, "komerza")
    headers = {"X-Client-Secret": DEV["komerza"][1], "User-Agent": "t"}
    key = first.get(f"/komerza/oauth2/{DEV['komerza'][0]}/exchange/{code}", headers=headers).json()["data"]
    pending = platform_code(first, "teamwork")

    second = make_client(state_file=path)

    assert second.get("/komerza/stores/store_sim_main", headers=bearer(key)).status_code == 200
    assert secret_check(second, "komerza", app_data["client_id"], app_data["client_secret"]) == 400
    assert secret_check(second, "apaleo", DEV["apaleo"][0], rotated) == 400
    assert secret_check(second, "apaleo", *DEV["apaleo"]) == 401
    body = {
        "code": pending,
        "client_id": DEV["teamwork"][0],
        "client_secret": DEV["teamwork"][1],
        "redirect_uri": DEV_REDIRECT,
    }
    assert second.post("/teamwork/launchpad/v1/token.json", json=body).status_code == 200
    text = path.read_text()
    for value in (app_data["client_secret"], rotated, key, DEV["teamwork"][1]):
        assert value not in text


def test_process_helpers(tmp_path: Path) -> None:
    from kustomer_provider.simulator import SimulatorProcess

    with SimulatorProcess(["--install-ms", "0"]) as sim:
        redirect = DEV_REDIRECTS["apaleo"]
        app = sim.register_platform_client("apaleo", redirect_uris=[redirect], scopes=["account.read"])
        rotated = sim.rotate_platform_secret("apaleo", app["client_id"])
        assert rotated["client_id"] == app["client_id"] and rotated["client_secret"] != app["client_secret"]
        form = {"grant_type": "authorization_code", "code": "made-up", "redirect_uri": redirect}
        old = httpx.post(f"{sim.url}/apaleo/connect/token", data=form, auth=(app["client_id"], app["client_secret"]))
        assert old.status_code == 401
        assert [c["client_id"] for c in sim.platform_clients()["apaleo"]][-1] == app["client_id"]
        assert sim.delete_platform_client("apaleo", app["client_id"])["deleted"] == app["client_id"]
