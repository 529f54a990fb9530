"""A read-only log of the requests the simulator answered, for tests that check the order of calls.

One ASGI middleware (outside the fault middleware, so it sees the status the caller got) records, for each
request outside `/_sim/`: an arrival number, method, path, route template, status, when it arrived and
when its answer left (clock seconds, and ticks of one counter shared by arrivals and answers, so "the
mint arrived after the poll's answer left" is exact), and for the install polls (`GET /v1/apps` and
`GET /v1/apps/{name}-{version}`) what the answer said of each app's install: its status and version.
`GET /_sim/requests?since=N` reads the entries that arrived after number N. The log is bounded.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .route_templates import route_template

__all__ = ["RequestLog", "RequestLogMiddleware", "install_states"]

#: Entries kept (the oldest go first): plenty for a test's `up`, bounded for a long-running simulator.
MAX_ENTRIES = 20_000
#: Bytes of an install poll's answer read for the log; a larger page is logged without its install states.
MAX_CAPTURED_BYTES = 2_000_000


class RequestLog:
    """Entries of answered requests, in arrival order (thread safe)."""

    def __init__(self, clock: Callable[[], float], max_entries: int = MAX_ENTRIES) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=max_entries)
        self._arrivals = 0
        self._ticks = 0

    def start(self, method: str, path: str, route: str) -> dict[str, Any]:
        """A request arrived: its entry, filled in by :meth:`finish`."""
        with self._lock:
            self._arrivals += 1
            self._ticks += 1
            return {
                "seq": self._arrivals,
                "method": method,
                "path": path,
                "route": route,
                "status": None,
                "started": self._clock(),
                "started_tick": self._ticks,
            }

    def finish(self, entry: dict[str, Any], status: int | None, installs: dict[str, Any] | None) -> None:
        """Its answer left (``status`` ``None``: the connection was dropped without one)."""
        with self._lock:
            self._ticks += 1
            entry.update(status=status, finished=self._clock(), finished_tick=self._ticks)
            if installs is not None:
                entry["installs"] = installs
            self._entries.append(entry)

    def entries(self, since: int = 0) -> list[dict[str, Any]]:
        """Copies of the entries that arrived after arrival number ``since``, in arrival order."""
        with self._lock:
            chosen = [dict(e) for e in self._entries if e["seq"] > since]
        return sorted(chosen, key=lambda e: e["seq"])

    @property
    def last_seq(self) -> int:
        """The arrival number of the latest request."""
        with self._lock:
            return self._arrivals


def _is_install_poll(method: str, path: str) -> bool:
    if method != "GET":
        return False
    if path in ("/v1/apps", "/v1/apps/"):
        return True
    rest = path.removeprefix("/v1/apps/")
    return rest != path and "/" not in rest.strip("/") and rest not in ("available", "install", "")


def install_states(body: bytes) -> dict[str, Any] | None:
    """What an install poll's answer says of each app: ``{name: {"status", "version"}}`` (newest record)."""
    try:
        data = json.loads(body).get("data")
    except (ValueError, AttributeError):
        return None
    if not isinstance(data, list):
        return None
    states: dict[str, Any] = {}
    for resource in data:
        attributes = resource.get("attributes") if isinstance(resource, dict) else None
        if isinstance(attributes, dict) and isinstance(attributes.get("name"), str):
            # Both answers list the newest record first for an app: keep the first seen.
            states.setdefault(
                attributes["name"], {"status": attributes.get("status"), "version": attributes.get("version")}
            )
    return states


class RequestLogMiddleware:
    """Records every request outside `/_sim/` in a :class:`RequestLog` (see the module docstring)."""

    def __init__(self, app: ASGIApp, log: RequestLog, routes: list[BaseRoute]) -> None:
        self.app = app
        self.log = log
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path == "/_sim" or path.startswith("/_sim/"):
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        entry = self.log.start(method, path, route_template(self.routes, scope))
        capture = _is_install_poll(method, path)
        status: int | None = None
        body = bytearray()

        async def logged_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and capture and len(body) <= MAX_CAPTURED_BYTES:
                body.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, logged_send)
        finally:
            ok = capture and status == 200 and len(body) <= MAX_CAPTURED_BYTES
            self.log.finish(entry, status, install_states(bytes(body)) if ok else None)
