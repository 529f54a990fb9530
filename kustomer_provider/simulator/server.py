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
import signal
import socket
import sys
from collections.abc import Iterator
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol

from . import rules
from .app import create_app
from .context import SimContext
from .faults import ConnectionRegistry
from .settings import SimulatorSettings

__all__ = ["base_url", "bind_socket", "protocol_class", "serve"]

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


def serve(settings: SimulatorSettings) -> None:
    """Serve until SIGINT or SIGTERM."""
    app = create_app(settings)
    context: SimContext = app.state.sim
    sock = bind_socket(settings.host, settings.port)
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
    _Server(config, base_url(settings.host, sock)).run(sockets=[sock])
