"""The real server: `python -m kustomer_provider.simulator` under uvicorn, through SimulatorProcess."""

from __future__ import annotations

import re
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kustomer_provider.simulator import SimulatorProcess, rules
from tests.support.simulator_client import ADMIN, definition, name_of

URL = re.compile(r"^http://127\.0\.0\.1:(\d+)$")


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorProcess]:
    with SimulatorProcess(["--install-ms", "0", "--key", "limited=org.permission.apps.read@limitedorg"]) as process:
        yield process


@pytest.fixture
def api(sim: SimulatorProcess) -> Iterator[httpx.Client]:
    sim.reset()
    sim.set_faults(drop_after_commit_rate=0.0, rate_limit=0)
    with httpx.Client(base_url=sim.url, headers=ADMIN, timeout=10) as client:
        yield client


def test_prints_exactly_one_url_line_and_logs_to_stderr(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "kustomer_provider.simulator", "--port", "0", "--access-log"]
    env = {**SimulatorProcess().env, "XDG_RUNTIME_DIR": str(tmp_path)}  # same import path as SimulatorProcess
    env.pop(rules.CONTROL_TOKEN_ENV, None)
    with open(tmp_path / "err", "wb") as err:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, env=env)
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline().decode()
            match = URL.match(line.strip())
            assert match and int(match.group(1)) > 0 and line.endswith("\n")
            assert httpx.get(line.strip() + "/v1/apps", headers=ADMIN).status_code == 200
            # no --control-token: one is generated, printed on stderr and written to a 0600 file
            token_file = tmp_path / "kustomer-simulator" / f"control-token-{match.group(1)}"
            token = token_file.read_text().strip()
            assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
            assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
            assert f"control token {token} " in (tmp_path / "err").read_text()
            headers = {rules.CONTROL_TOKEN_HEADER: token}
            assert httpx.post(line.strip() + "/_sim/reset", headers=headers).status_code == 200
            assert httpx.post(line.strip() + "/_sim/reset").status_code == 401
        finally:
            proc.terminate()
            proc.wait(10)
        rest = proc.stdout.read()
        proc.stdout.close()
    assert rest == b""
    assert proc.returncode == 0
    assert not token_file.exists()  # removed at exit
    log = (tmp_path / "err").read_text()
    assert "GET /v1/apps" in log  # the access log (asked for) goes to stderr
    assert "sim-dev-admin-key" not in log


def test_process_exposes_url_and_key(sim: SimulatorProcess) -> None:
    assert URL.match(sim.url)
    assert sim.api_key == "sim-dev-admin-key"
    assert sim.returncode is None


def test_connection_counting(sim: SimulatorProcess, api: httpx.Client) -> None:
    sim.reset_stats()
    with httpx.Client(base_url=sim.url, headers=ADMIN) as keep_alive:
        assert keep_alive.get("/v1/apps").status_code == 200
        assert keep_alive.get("/v1/apps/available").status_code == 200
    assert sim.stats()["connections"] == 1
    sim.reset_stats()
    for _ in range(2):
        with httpx.Client(base_url=sim.url, headers=ADMIN) as separate:
            assert separate.get("/v1/apps").status_code == 200
    stats = sim.stats()
    assert stats["connections"] == 2
    assert stats["requests"] == {"GET /v1/apps": 2}


def test_drop_after_commit_closes_without_response(sim: SimulatorProcess, api: httpx.Client) -> None:
    sim.reset_stats()
    sim.set_faults(drop_after_commit_rate=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/v1/apps/available", json=definition())
    assert name_of("myapp") in sim.state()["orgs"]["acme"]["apps"]
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/v1/apps/install", json={"app": "myapp", "version": "1.0.0"})  # installs take 0 ms here
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/v1/apps/available/myapp/secret/", json={})
    assert sim.state()["orgs"]["acme"]["apps"][name_of("myapp")]["secret"]["minted"] == 1
    conflict = api.post("/v1/apps/available", json=definition())  # errors are answered, on a new connection
    assert conflict.status_code == 409
    stats = sim.stats()
    assert stats["faults"]["dropped_after_commit"] == 3
    assert stats["connections"] == 4


def test_rate_limit_429_with_headers(sim: SimulatorProcess, api: httpx.Client) -> None:
    sim.set_faults(rate_limit=2)
    limited = {"Authorization": "Bearer limited"}
    codes = [api.get("/v1/apps", headers=limited) for _ in range(3)]
    assert [r.status_code for r in codes] == [200, 200, 429]
    assert [r.headers["x-ratelimit-remaining"] for r in codes] == ["1", "0", "0"]
    refused = codes[2]
    assert refused.headers["x-ratelimit-limit"] == "2"
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-ratelimit-reset"] == refused.headers["retry-after"]
    assert refused.json()["errors"][0]["code"] == "rate_limited"


def test_concurrent_clients(sim: SimulatorProcess, api: httpx.Client) -> None:
    assert api.post("/v1/apps/available", json=definition()).status_code == 201
    assert api.post("/v1/apps/install", json={"app": "myapp", "version": "1.0.0"}).status_code == 202  # 0 ms
    secrets: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()

    def work(worker: int) -> None:
        with httpx.Client(base_url=sim.url, headers=ADMIN, timeout=10) as client:
            for i in range(5):
                registered = client.post("/v1/apps/available", json=definition(f"app{worker}x{i}"))
                minted = client.post("/v1/apps/available/myapp/secret/", json={})
                with lock:
                    if registered.status_code != 201 or minted.status_code != 200:
                        failures.append(f"{registered.status_code} {minted.status_code}")
                    else:
                        secrets.append(minted.json()["data"]["attributes"]["clientSecret"])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    assert len(set(secrets)) == 20
    apps = sim.state()["orgs"]["acme"]["apps"]
    assert len(apps) == 21
    secret = apps[name_of("myapp")]["secret"]
    assert secret["minted"] == 20 and len(set(secret["revoked_fingerprints"])) == 19


def test_state_file_survives_restart(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    args = ["--state-file", str(state_file), "--install-ms", "0"]
    with SimulatorProcess(args) as first, httpx.Client(base_url=first.url, headers=ADMIN) as client:
        assert client.post("/v1/apps/available", json=definition()).status_code == 201
        assert client.post("/v1/apps/install", json={"app": "myapp", "version": "1.0.0"}).status_code == 202
        secret = client.post("/v1/apps/available/myapp/secret/", json={}).json()["data"]["attributes"]
        before = first.state()
    with SimulatorProcess(args) as second, httpx.Client(base_url=second.url) as client:
        assert second.state() == before
        form = {"grant_type": "refresh_token", "client_id": secret["clientId"], "refresh_token": "unknown"}
        wrong = client.post("/oauth/token", data={**form, "client_secret": "wrong"})
        assert wrong.status_code == 401  # the client and its secret are still known...
        right = client.post("/oauth/token", data={**form, "client_secret": secret["clientSecret"]})
        assert right.json()["error"] == "invalid_grant"  # ...and the secret still authenticates


def test_busy_port_fails_to_start() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = SimulatorProcess(["--port", str(port)], startup_timeout=10)
        with pytest.raises(RuntimeError, match="did not start"):
            process.start()
        assert process.returncode == 1
        assert f"cannot listen on 127.0.0.1:{port}" in process.stderr_text()


def test_control_token_file_beside_the_state_file(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    with SimulatorProcess(["--state-file", str(state_file)]) as sim:
        token_file = tmp_path / "state.json.control-token"
        assert token_file.read_text().strip() == sim.control_token
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert sim.control_token not in sim.stderr_text()  # given, so not printed
        assert str(token_file) in sim.stderr_text()
        sim.reset()  # SimulatorProcess sends its token on every control call
    assert not token_file.exists()


def test_cross_site_requests_to_a_running_simulator(sim: SimulatorProcess) -> None:
    """Over real HTTP: a browser's cross-site text/plain POST, and a rebinding page's foreign Host, plant nothing."""
    body = '{"key": "planted", "roles": ["org.admin.apps", "org.permission.apps"]}'
    cross_site = httpx.post(
        sim.url + "/_sim/keys",
        content=body,
        headers={"content-type": "text/plain", "origin": "https://evil.example"},
    )
    assert cross_site.status_code == 415
    port = sim.url.rsplit(":", 1)[1]
    rebinding = httpx.post(
        sim.url + "/_sim/keys",
        json={"key": "planted", "roles": ["org.admin.apps"]},
        headers={"host": f"evil.example:{port}", rules.CONTROL_TOKEN_HEADER: sim.control_token},
    )
    assert rebinding.status_code == 403
    no_token = httpx.post(sim.url + "/_sim/keys", json={"key": "planted", "roles": ["org.admin.apps"]})
    assert no_token.status_code == 401
    assert httpx.get(sim.url + "/v1/apps", headers={"Authorization": "Bearer planted"}).status_code == 401
    assert httpx.get(f"http://localhost:{port}/_sim/stats").status_code == 200  # reads stay open on loopback


def test_loopback_range_bind_gives_no_warning() -> None:
    with SimulatorProcess(["--host", "127.0.0.2"]) as sim:
        assert sim.url.startswith("http://127.0.0.2:")
        assert sim.state()["orgs"]  # the bound host is an accepted Host
        sim.reset()
        assert "WARNING" not in sim.stderr_text()


def test_a_generated_control_token_starting_with_a_dash_still_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """token_urlsafe may start with "-", which argparse would read as a flag after a separate `--control-token`."""
    import kustomer_provider.simulator.process as process

    monkeypatch.setattr(process.secrets, "token_urlsafe", lambda n: "-made-up-token-with-a-leading-dash")
    with SimulatorProcess() as sim:
        assert sim.control_token == "-made-up-token-with-a-leading-dash"
        assert sim.set_faults(latency_ms=0)["latency_ms"] == 0  # a control write, with that token
