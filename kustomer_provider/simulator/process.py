"""`SimulatorProcess`: the simulator as a child process, for tests, demos and benchmarks."""

from __future__ import annotations

import os
import queue
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx

from . import rules
from .cli import settings_from_args
from .extra import require_simulator_extra

__all__ = ["SimulatorProcess"]

STARTUP_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 5.0
CONTROL_TIMEOUT_S = 10.0
# The directory holding the `kustomer_provider` package, so the child can import it from anywhere.
_IMPORT_ROOT = str(Path(__file__).resolve().parents[2])


class SimulatorProcess:
    """Start `python -m kustomer_provider.simulator` and wait for its URL line.

    `args` are extra command-line flags; `--port 0` is added unless they name a port. Use as a
    context manager, or call `start()` and `stop()`. stderr goes to a temporary file (never blocks);
    `stderr_text()` reads it. The control helpers share one keep-alive connection, opened at start
    (so it is counted once in `connections`, before any `reset_stats()`), and send the control token
    (`X-Sim-Control-Token`) on every call: `--control-token` with a fresh value is added unless `args`
    or the environment give one; `control_token` holds it.
    """

    def __init__(
        self,
        args: Sequence[str] = (),
        *,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = STARTUP_TIMEOUT_S,
    ) -> None:
        self.args = list(args)
        if not any(a == "--port" or a.startswith("--port=") for a in self.args):
            self.args += ["--port", "0"]
        self.env = dict(os.environ if env is None else env)
        self.env["PYTHONPATH"] = os.pathsep.join(p for p in (_IMPORT_ROOT, self.env.get("PYTHONPATH")) if p)
        self.env["PYTHONUNBUFFERED"] = "1"
        # Parse the flags as the child will: a bad flag fails here, and we learn the admin key.
        settings = settings_from_args(self.args, self.env)
        self.api_key: str = settings.api_key
        self.control_token: str = settings.control_token or secrets.token_urlsafe(24)
        if settings.control_token is None:
            self.args.append(f"--control-token={self.control_token}")  # "=": a token may start with "-"
        self.startup_timeout = startup_timeout
        self.url: str = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._client: httpx.Client | None = None
        self._returncode: int | None = None
        self._drain: threading.Thread | None = None

    # --- life cycle --------------------------------------------------------------------------------

    def start(self) -> SimulatorProcess:
        """Start the child and wait until it prints its base URL.

        Raises :class:`~kustomer_provider.simulator.SimulatorExtraMissing` (an ImportError naming
        ``kustomer-pulumi[simulator]``) when the simulator's web stack is not installed.
        """
        if self._proc is not None:
            raise RuntimeError("simulator already started")
        require_simulator_extra()  # the child would fail the same way, with less to go on
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "kustomer_provider.simulator", *self.args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=self.env,
        )
        lines: queue.Queue[str] = queue.Queue()
        self._drain = threading.Thread(target=self._drain_stdout, args=(self._proc, lines), daemon=True)
        self._drain.start()
        try:
            self.url = lines.get(timeout=self.startup_timeout)
        except queue.Empty:
            self.url = ""
        if not self.url.startswith("http"):
            self.stop()
            raise RuntimeError(f"simulator did not start: {self.stderr_text()[-2000:]}")
        self._client = httpx.Client(
            base_url=self.url, timeout=CONTROL_TIMEOUT_S, headers={rules.CONTROL_TOKEN_HEADER: self.control_token}
        )
        self._control("GET", "/_sim/faults")  # opens the control connection now, not mid-measurement
        return self

    @staticmethod
    def _drain_stdout(proc: subprocess.Popen[bytes], lines: queue.Queue[str]) -> None:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        lines.put(first.decode(errors="replace").strip())
        for _ in proc.stdout:  # keep the pipe empty so the child never blocks on it
            pass

    def stop(self) -> None:
        """Terminate the child (kill it if it lingers) and close the pipes."""
        if self._client is not None:
            self._client.close()
            self._client = None
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(STOP_TIMEOUT_S)
            if self._drain is not None:
                self._drain.join(STOP_TIMEOUT_S)  # it reads stdout until EOF: let it finish before we close
            if proc.stdout is not None:
                proc.stdout.close()
            self._returncode = proc.returncode

    @property
    def returncode(self) -> int | None:
        """Exit code of the child once it stopped (None while it runs or before it started)."""
        return self._proc.poll() if self._proc is not None else self._returncode

    def stderr_text(self) -> str:
        """Everything the child wrote on stderr so far."""
        if self._stderr is None:
            return ""
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def __enter__(self) -> SimulatorProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    # --- control API helpers -----------------------------------------------------------------------

    def _control(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._client is None:
            raise RuntimeError("simulator not running")
        response = self._client.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()

    def stats(self) -> dict[str, Any]:
        """`GET /_sim/stats`."""
        result: dict[str, Any] = self._control("GET", "/_sim/stats")
        return result

    def state(self) -> dict[str, Any]:
        """`GET /_sim/state`."""
        result: dict[str, Any] = self._control("GET", "/_sim/state")
        return result

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        """`POST /_sim/faults` with these keys; returns the full settings."""
        result: dict[str, Any] = self._control("POST", "/_sim/faults", json=faults)
        return result

    def reset_stats(self) -> dict[str, Any]:
        """`POST /_sim/stats/reset`."""
        result: dict[str, Any] = self._control("POST", "/_sim/stats/reset")
        return result

    def reset(self) -> None:
        """`POST /_sim/reset`: empty state, keys kept."""
        self._control("POST", "/_sim/reset")

    def add_key(self, key: str, roles: Sequence[str], org: str | None = None, pod: str | None = None) -> dict[str, Any]:
        """`POST /_sim/keys`."""
        body: dict[str, Any] = {"key": key, "roles": list(roles)}
        if org is not None:
            body["org"] = org
        if pod is not None:
            body["pod"] = pod
        result: dict[str, Any] = self._control("POST", "/_sim/keys", json=body)
        return result

    def delete_app(self, name: str, org: str | None = None) -> dict[str, Any]:
        """`DELETE /_sim/apps/{name}` (drift tests)."""
        params = {"org": org} if org is not None else None
        result: dict[str, Any] = self._control("DELETE", f"/_sim/apps/{name}", params=params)
        return result

    # --- the other platforms' dashboards (docs/simulator.md, "Teamwork, Komerza and apaleo") -------------

    def register_platform_client(self, platform: str, **fields: Any) -> dict[str, Any]:
        """`POST /_sim/platforms/{platform}/clients`: `redirect_uris`, `scopes`, optional `client_id`,
        `client_secret`, `allowed_origins` (Teamwork), `name`; the answer holds `client_id` and `client_secret`."""
        body = {"redirect_uris": [], **fields}
        result: dict[str, Any] = self._control("POST", f"/_sim/platforms/{platform}/clients", json=body)
        return result

    def rotate_platform_secret(self, platform: str, client_id: str, client_secret: str | None = None) -> dict[str, Any]:
        """`POST /_sim/platforms/{platform}/clients/{client_id}/secret`: a new secret; the old one stops working."""
        body = {} if client_secret is None else {"client_secret": client_secret}
        path = f"/_sim/platforms/{platform}/clients/{client_id}/secret"
        result: dict[str, Any] = self._control("POST", path, json=body)
        return result

    def delete_platform_client(self, platform: str, client_id: str) -> dict[str, Any]:
        """`DELETE /_sim/platforms/{platform}/clients/{client_id}` (drift tests)."""
        result: dict[str, Any] = self._control("DELETE", f"/_sim/platforms/{platform}/clients/{client_id}")
        return result

    def platform_clients(self) -> dict[str, Any]:
        """`GET /_sim/platforms`: every platform's clients, secrets as fingerprints."""
        result: dict[str, Any] = self._control("GET", "/_sim/platforms")
        return result

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        """`GET /_sim/requests`: the requests answered after arrival number ``since`` (read only)."""
        result: dict[str, Any] = self._control("GET", "/_sim/requests", params={"since": since})
        entries: list[dict[str, Any]] = result["requests"]
        return entries

    def last_request(self) -> int:
        """The arrival number of the latest request: pass it to :meth:`requests` to see only what follows."""
        result: dict[str, Any] = self._control("GET", "/_sim/requests", params={"since": 2**62})
        return int(result["last"])

    def wait_until_stopped(self, timeout: float = STOP_TIMEOUT_S) -> int | None:
        """Wait for the child to exit on its own; its exit code, or None on timeout."""
        deadline = time.monotonic() + timeout
        while self._proc is not None and time.monotonic() < deadline:
            code = self._proc.poll()
            if code is not None:
                return code
            time.sleep(0.05)
        return None
