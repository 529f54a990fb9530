"""The simulator's open TCP connections, so that a fault can abort the one a request came on."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from .stats import Stats

__all__ = ["ConnectionRegistry"]


class ConnectionRegistry:
    """Open TCP connections by client address, so one request's connection can be aborted."""

    def __init__(self, stats: Stats) -> None:
        self._stats = stats
        self._lock = threading.Lock()
        self._transports: dict[tuple[str, int], asyncio.Transport] = {}

    def opened(self, client: tuple[str, int] | None, transport: asyncio.Transport) -> None:
        self._stats.count_connection()
        if client is not None:
            with self._lock:
                self._transports[client] = transport

    def closed(self, client: tuple[str, int] | None, transport: asyncio.Transport) -> None:
        if client is not None:
            with self._lock:
                if self._transports.get(client) is transport:
                    del self._transports[client]

    def abort(self, client: Any) -> bool:
        """Abort (RST, no response) the connection of that client; False if it is not ours."""
        if not isinstance(client, list | tuple) or len(client) != 2:
            return False
        with self._lock:
            transport = self._transports.pop((str(client[0]), int(client[1])), None)
        if transport is None:
            return False
        transport.abort()
        return True
