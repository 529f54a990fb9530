"""Runs the simulator under uvicorn on a socket we bind ourselves.

Binding first makes `--port 0` work (the kernel picks the port, we read it back) and lets us print
the real base URL. The HTTP protocol is uvicorn's h11 one, subclassed to count every accepted TCP
connection and to register its transport, so that the drop-after-commit fault can abort exactly the
connection of the current request.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import os
import signal
import socket
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol

from . import rules
from .app import create_app
from .connections import ConnectionRegistry
from .context import SimContext
from .settings import SimulatorSettings

__all__ = ["base_url", "bind_socket", "control_token_file", "protocol_class", "serve", "write_control_token"]

GRACEFUL_SHUTDOWN_S = 2


def protocol_class(registry: ConnectionRegistry) -> type[H11Protocol]:
    """uvicorn's h11 protocol, reporting opened and closed connections to `registry`."""

    class CountingH11Protocol(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            registry.opened(self.client, transport)

        def connection_lost(self, exc: Exception | None) -> None:
            registry.closed(self.client, self.transport)
            super().connection_lost(exc)

    return CountingH11Protocol


class _Server(uvicorn.Server):
    """uvicorn's server, printing the base URL on stdout once it accepts connections."""

    def __init__(self, config: uvicorn.Config, url: str) -> None:
        super().__init__(config)
        self.url = url

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn re-raises SIGTERM/SIGINT after its graceful shutdown; stopped on purpose, we exit 0.
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and not self.should_exit:
            sys.stdout.write(self.url + "\n")
            sys.stdout.flush()


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0: any free port)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(False)
    return sock


def base_url(host: str, sock: socket.socket) -> str:
    """`http://host:port` of a bound socket."""
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def log_config() -> dict[str, Any]:
    """uvicorn's logging config with every handler on stderr: stdout carries only the URL line."""
    config = copy.deepcopy(LOGGING_CONFIG)
    for handler in config["handlers"].values():
        handler["stream"] = "ext://sys.stderr"
    return config


def control_token_file(settings: SimulatorSettings, port: int) -> Path:
    """Where the control token is written: beside the state file (`<state file>.control-token`), else in
    a private per-user directory, `$XDG_RUNTIME_DIR/kustomer-simulator/control-token-<port>` (or
    `<temp dir>/kustomer-simulator-<uid>/control-token-<port>` without XDG_RUNTIME_DIR)."""
    if settings.state_file is not None:
        return settings.state_file.with_name(settings.state_file.name + ".control-token")
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = (
        Path(runtime) / "kustomer-simulator"
        if runtime
        else Path(tempfile.gettempdir()) / f"kustomer-simulator-{os.getuid()}"
    )
    return base / f"control-token-{port}"


def _private_directory(directory: Path) -> None:
    """Create `directory` (0700) or check that an existing one is ours and closed to others."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = directory.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise ValueError(f"{directory} is not a directory of this user: cannot write the control token there")


def write_control_token(path: Path, token: str) -> None:
    """Write the token to `path` with mode 0600 (an existing file is truncated and its mode reset)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (token + "\n").encode())
    finally:
        os.close(fd)


def serve(settings: SimulatorSettings) -> None:
    """Serve until SIGINT or SIGTERM; the control token file lives as long as the server."""
    app = create_app(settings)
    context: SimContext = app.state.sim
    token = context.settings.control_token or ""
    sock = bind_socket(settings.host, settings.port)
    token_file = control_token_file(settings, sock.getsockname()[1])
    try:
        if settings.state_file is None:
            _private_directory(token_file.parent)
        else:
            token_file.parent.mkdir(parents=True, exist_ok=True)
        write_control_token(token_file, token)
    except (OSError, ValueError) as exc:
        sock.close()
        raise ValueError(f"cannot write the control token file {token_file}: {exc}") from exc
    if settings.control_token is None:  # generated: say it, since nobody else knows it
        print(f"simulator: control token {token} (header {rules.CONTROL_TOKEN_HEADER})", file=sys.stderr)
    print(f"simulator: control token file {token_file} (mode 0600, removed at exit)", file=sys.stderr, flush=True)
    config = uvicorn.Config(
        app,
        http=protocol_class(context.connections),
        ws="none",
        loop="asyncio",
        lifespan="off",
        log_config=log_config(),
        access_log=settings.access_log,
        proxy_headers=False,  # scope["client"] must be the TCP peer: drop-after-commit looks it up
        server_header=False,
        timeout_keep_alive=rules.KEEP_ALIVE_S,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    try:
        _Server(config, base_url(settings.host, sock)).run(sockets=[sock])
    finally:
        token_file.unlink(missing_ok=True)
