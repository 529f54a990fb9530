"""The OAuth helper's tests' helpers: free ports, apps made with the admin key, the helper as a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from kustomer_provider.simulator import SimulatorProcess

from .paths import REPO_ROOT

HELPER = [sys.executable, "-m", "kustomer_provider.oauth"]
TIMEOUT = httpx.Timeout(10.0)


def free_port() -> int:
    """A port free on 127.0.0.1 right now (the helper binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def loopback_uri(port: int | None = None) -> str:
    return f"http://127.0.0.1:{port or free_port()}/callback"


@dataclass
class SimApp:
    """An app made in the simulator with the admin key (plain httpx, as a person following the seed would)."""

    name: str
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uris: list[str]


def make_app(
    sim: SimulatorProcess,
    app: str = "helper_test",
    *,
    redirect_uris: Sequence[str] = (),
    install: bool = True,
    mint: bool = True,
) -> SimApp:
    """Register (and install, and mint a secret for) an app in the simulator's default org."""
    headers = {"Authorization": f"Bearer {sim.api_key}"}
    with httpx.Client(base_url=sim.url, headers=headers, timeout=TIMEOUT) as http:
        definition = {"app": app, "version": "1.0.0", "title": f"{app} title", "redirectUris": list(redirect_uris)}
        registered = http.post("/v1/apps/available", json=definition)
        assert registered.status_code == 201, registered.text
        attributes = registered.json()["data"]["attributes"]
        name, client_id = attributes["name"], attributes["clientId"]
        if install:
            started = http.post("/v1/apps/install", json={"app": name, "version": "1.0.0"})
            assert started.status_code in (200, 202), started.text
            deadline = time.monotonic() + 10
            while http.get(f"/v1/apps/{name}-1.0.0").json()["data"][0]["attributes"]["status"] != "installed":
                assert time.monotonic() < deadline, "install did not finish"
                time.sleep(0.05)
        secret = ""
        if mint:
            minted = http.post(f"/v1/apps/available/{name}/secret/", json={})
            assert minted.status_code == 200, minted.text
            secret = minted.json()["data"]["attributes"]["clientSecret"]
    return SimApp(name=name, client_id=client_id, client_secret=secret, redirect_uris=list(redirect_uris))


def helper_env(extra: Mapping[str, str] | None = None, *, home: Path | None = None) -> dict[str, str]:
    """The environment for a helper subprocess: no Kustomer variables leaking in from the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUSTOMER_")}
    if home is not None:
        env["XDG_CONFIG_HOME"] = str(home)
    env.update(extra or {})
    return env


def run_helper(args: Sequence[str], env: Mapping[str, str], timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """Run ``python -m kustomer_provider.oauth ARGS`` to the end."""
    return subprocess.run(
        [*HELPER, *args], capture_output=True, text=True, env=dict(env), cwd=REPO_ROOT, timeout=timeout, check=False
    )


class LoginProcess:
    """``login --no-browser`` in the background: read the authorize URL it prints, then wait for its end (a login
    without a listener reads the address the browser landed on from its stdin: :meth:`paste`)."""

    def __init__(self, args: Sequence[str], env: Mapping[str, str]) -> None:
        self.proc = subprocess.Popen(
            [*HELPER, "login", "--no-browser", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(env),
            cwd=REPO_ROOT,
        )
        self._out: list[str] = []
        self._err: list[str] = []
        self._first_line = threading.Event()
        # One reader per pipe, to the end: the child never blocks on a full pipe, nothing is lost.
        self._readers = [
            threading.Thread(target=self._drain, args=(self.proc.stdout, self._out, True), daemon=True),
            threading.Thread(target=self._drain, args=(self.proc.stderr, self._err, False), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _drain(self, pipe: Any, lines: list[str], signal: bool) -> None:
        for line in pipe:
            lines.append(line)
            if signal:
                self._first_line.set()
        if signal:
            self._first_line.set()

    def authorize_url(self, timeout: float = 15) -> str:
        """The URL printed on stdout (fails with the helper's stderr if it printed none)."""
        if not self._first_line.wait(timeout) or not self._out or not self._out[0].startswith("http"):
            self.proc.kill()
            status, _, err = self.finish()
            raise AssertionError(f"login printed no URL; exit {status}; stderr:\n{err}")
        return self._out[0].strip()

    def paste(self, text: str) -> None:
        """Type ``text`` and Enter into the helper's stdin, as a person pasting the landed address."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.close()

    def finish(self, timeout: float = 30) -> tuple[int, str, str]:
        """``(exit status, stdout after the URL line, stderr)``."""
        status = self.proc.wait(timeout)
        for reader in self._readers:
            reader.join(5)
        return status, "".join(self._out[1:]), "".join(self._err)

    def __enter__(self) -> LoginProcess:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


def call_api(sim: SimulatorProcess, path: str, token: str) -> httpx.Response:
    """GET an API path of the simulator with a bearer token."""
    return httpx.get(f"{sim.url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
