"""State file: atomic writes after every change, reload at start."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kustomer_provider.simulator import SimulatorSettings, create_app
from tests.support.simulator_client import (
    FakeClock,
    MakeClient,
    approve,
    exchange,
    install,
    installed_app,
    name_of,
    register,
)


def test_state_survives_a_restart(make_client: MakeClient, clock: FakeClock, tmp_path: Path) -> None:
    path = tmp_path / "sub" / "state.json"
    first = make_client(state_file=path)
    client_id, secret = installed_app(first, clock)
    tokens = exchange(first, client_id, secret, approve(first, client_id)).json()
    register(first, version="1.1.0")
    install(first, version="1.1.0")  # still installing at the restart
    before = first.get("/_sim/state").json()

    second = make_client(state_file=path)
    assert second.get("/_sim/state").json() == before
    # the secret, the refresh token and the access token still work; installs go on lazily
    form = {"grant_type": "refresh_token", "client_id": client_id, "client_secret": secret}
    assert second.post("/oauth/token", data={**form, "refresh_token": tokens["refresh_token"]}).status_code == 200
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert second.get("/v1/customers", headers=bearer).status_code == 200
    clock.advance(1)
    app = second.get("/_sim/state").json()["orgs"]["acme"]["apps"][name_of("myapp")]
    assert app["installed"]["version"] == "1.1.0"
    # the next registration keeps the registration order
    register(second, app="later")
    assert [k for k in second.get("/_sim/state").json()["orgs"]["acme"]["apps"]] == [
        name_of("myapp"),
        name_of("later"),
    ]


def test_file_is_whole_json_without_secret_values(make_client: MakeClient, clock: FakeClock, tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    client = make_client(state_file=path)
    assert not path.exists()  # nothing changed yet
    client_id, secret = installed_app(client, clock)
    tokens = exchange(client, client_id, secret, approve(client, client_id)).json()
    text = path.read_text()
    data = json.loads(text)
    assert data["format"] == 1 and name_of("myapp") in data["orgs"]["acme"]["apps"]
    for value in (secret, tokens["access_token"], tokens["refresh_token"], "sim-dev-admin-key"):
        assert value not in text
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temp file left behind


def test_every_change_is_written(make_client: MakeClient, tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    client = make_client(state_file=path)
    register(client)
    assert list(json.loads(path.read_text())["orgs"]["acme"]["apps"]) == [name_of("myapp")]
    client.delete("/_sim/apps/myapp")
    assert json.loads(path.read_text())["orgs"]["acme"]["apps"] == {}


def test_unreadable_state_file_fails_clearly(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="cannot load state file"):
        create_app(SimulatorSettings(state_file=path))
    path.write_text('{"format": 99}')
    with pytest.raises(ValueError, match="cannot load state file"):
        create_app(SimulatorSettings(state_file=path))
