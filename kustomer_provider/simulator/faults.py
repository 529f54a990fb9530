"""Fault injection, rate limiting and request statistics: one ASGI middleware and its parts.

For each request outside `/_sim/`, in this order: count it under its route template; sleep the
latency (`/v1/*` and `/oauth/*`); for `/v1/*`, maybe answer an injected 500/502/503 (before any
change and before the rate-limit budget is touched); charge an authenticated request to its org's
rate-limit window (429 when over, `x-ratelimit-*` headers on every answer); for `POST /v1/*`, maybe
drop the connection once the handler has committed its change (only 2xx answers are dropped).
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import rules
from .auth import bearer_token
from .errors import FirstShapeError, JsonApiError, SimulatorError, bad_field
from .store import Clock

if TYPE_CHECKING:
    from .context import SimContext

__all__ = [
    "ConnectionDropped",
    "ConnectionRegistry",
    "FaultMiddleware",
    "FaultSettings",
    "RateLimiter",
    "Stats",
    "route_template",
]

FAULT_COUNTERS = ("fail_500", "fail_502", "fail_503", "rate_limited", "dropped_after_commit")
UNMATCHED = "<unmatched>"
BAD_GATEWAY_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


class ConnectionDropped(Exception):
    """Raised in-process (no TCP connection to abort, e.g. under TestClient) by drop-after-commit."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass
class FaultSettings:
    """Faults and limits that `/_sim/faults` can change at run time."""

    fail_rate: float = 0.0
    rate_limit: int = rules.DEFAULT_RATE_LIMIT
    rate_window_s: float = rules.RATE_LIMIT_WINDOW_S
    latency_ms: float = 0.0
    install_ms: float = rules.DEFAULT_INSTALL_MS
    install_fail: list[str] = field(default_factory=list)
    drop_after_commit_rate: float = 0.0
    auto_consent: bool = False
    page_size: int = rules.DEFAULT_PAGE_SIZE
    #: The status of a refusal for a missing role: 403 (default) or 401 (Kustomer's older error reference).
    missing_role_status: int = rules.MISSING_ROLE_STATUS

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def update(self, data: Any) -> None:
        """Apply a partial update, all or nothing; a 400 JSON:API error names every bad key."""
        if not isinstance(data, dict):
            raise JsonApiError(400, "invalid_json", "The request body must be a JSON object")
        errors: list[JsonApiError] = []
        for key, value in data.items():
            problem = self._problem(key, value)
            if problem:
                errors.append(bad_field(f"/{key}", f"{key}: {problem}"))
        if errors:
            first, *rest = errors
            first.more = rest
            raise first
        for key, value in data.items():
            setattr(self, key, list(value) if key == "install_fail" else value)

    @staticmethod
    def _problem(key: str, value: Any) -> str | None:
        if key in ("fail_rate", "drop_after_commit_rate"):
            return None if _is_number(value) and 0 <= value <= 1 else "must be a number between 0 and 1"
        if key in ("latency_ms", "install_ms"):
            return None if _is_number(value) and value >= 0 else "must be a number >= 0"
        if key == "rate_window_s":
            return None if _is_number(value) and value > 0 else "must be a number of seconds > 0"
        if key == "rate_limit":
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            return None if ok else "must be an integer >= 0 (0 = unlimited)"
        if key == "page_size":
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
            return None if ok else "must be an integer >= 1"
        if key == "missing_role_status":
            return None if value in (401, 403) and not isinstance(value, bool) else "must be 401 or 403"
        if key == "auto_consent":
            return None if isinstance(value, bool) else "must be a boolean"
        if key == "install_fail":
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
            return None if ok else "must be a list of app names"
        return "unknown key"


class Stats:
    """Request, response, fault and connection counters (thread safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._responses: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()
        self._connections = 0

    def count_request(self, key: str) -> None:
        with self._lock:
            self._requests[key] += 1

    def count_response(self, status: int) -> None:
        with self._lock:
            self._responses[str(status)] += 1

    def count_fault(self, name: str) -> None:
        with self._lock:
            self._faults[name] += 1

    def count_connection(self) -> None:
        with self._lock:
            self._connections += 1

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._responses.clear()
            self._faults.clear()
            self._connections = 0

    def as_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(self._requests),
                "responses": dict(self._responses),
                "faults": {name: self._faults[name] for name in FAULT_COUNTERS},
                "connections": self._connections,
            }


class RateLimiter:
    """Fixed windows per org (60 s, as Kustomer's), started by the first request after the previous one ended.

    Tests may shorten the window (``rate_window_s``) to see 429 bursts without waiting a minute.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, org: str, limit: int, window_s: float = rules.RATE_LIMIT_WINDOW_S) -> tuple[bool, dict[str, str]]:
        """Charge one request; return (allowed, x-ratelimit-* and, when refused, Retry-After headers)."""
        with self._lock:
            now = self._clock()
            start, count = self._windows.get(org, (now, 0))
            if now >= start + window_s:
                start, count = now, 0
            allowed = count < limit
            if allowed:
                count += 1
            self._windows[org] = (start, count)
            reset = max(1, math.ceil(start + window_s - now))
        headers = {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(0, limit - count)),
            "x-ratelimit-reset": str(reset),
        }
        if not allowed:
            headers["retry-after"] = str(reset)
        return allowed, headers


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


def route_template(routes: list[BaseRoute], scope: Scope) -> str:
    """`<route path template>` of a request (the route path, convertors dropped) or `<unmatched>`."""
    partial: str | None = None
    for route in routes:
        match, _ = route.matches(scope)
        template = getattr(route, "path_format", None)
        if template is None or match == Match.NONE:
            continue
        if match == Match.FULL:
            return str(template)
        partial = partial or str(template)  # path matched, method did not (a 405)
    return partial or UNMATCHED


async def send_error(send: Send, error: SimulatorError, headers: dict[str, str] | None = None) -> None:
    """Send an error answer directly on the ASGI channel."""
    body = json.dumps(error.body()).encode()
    await _send_raw(send, error.status, body, "application/json", {**error.headers, **(headers or {})})


async def _send_raw(send: Send, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
    raw = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class FaultMiddleware:
    """Pure ASGI middleware applying faults, limits and statistics (see the module docstring)."""

    def __init__(self, app: ASGIApp, context: SimContext) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path == "/_sim" or path.startswith("/_sim/"):
            await self.app(scope, receive, send)
            return
        ctx = self.context
        faults = ctx.faults
        method: str = scope["method"]
        ctx.stats.count_request(f"{method} {route_template(ctx.routes, scope)}")
        is_v1 = path == "/v1" or path.startswith("/v1/")
        if (is_v1 or path.startswith("/oauth/")) and faults.latency_ms > 0:
            await asyncio.sleep(faults.latency_ms / 1000.0)

        extra_headers: dict[str, str] = {}
        drop = False
        if is_v1:
            if faults.fail_rate > 0 and ctx.roll() < faults.fail_rate:
                await self._inject_failure(send)
                return
            if faults.rate_limit > 0:
                org = self._authenticated_org(scope)
                if org is not None:
                    allowed, extra_headers = ctx.limiter.hit(org, faults.rate_limit, faults.rate_window_s)
                    if not allowed:
                        ctx.stats.count_fault("rate_limited")
                        ctx.stats.count_response(429)
                        refusal = self._rate_limited(org, faults.rate_limit, faults.rate_window_s)
                        await send_error(send, refusal, extra_headers)
                        return
            drop = (
                method == "POST" and faults.drop_after_commit_rate > 0 and (ctx.roll() < faults.drop_after_commit_rate)
            )

        dropped = False
        encoded = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in extra_headers.items()]

        async def wrapped_send(message: Message) -> None:
            nonlocal dropped
            if message["type"] == "http.response.start":
                status = int(message["status"])
                if drop and 200 <= status < 300:
                    dropped = True  # committed: swallow the answer, abort below
                    return
                ctx.stats.count_response(status)
                if encoded:
                    message = {**message, "headers": [*message.get("headers", []), *encoded]}
            elif dropped:
                return
            await send(message)

        await self.app(scope, receive, wrapped_send)
        if dropped:
            ctx.stats.count_fault("dropped_after_commit")
            if not ctx.connections.abort(scope.get("client")):
                raise ConnectionDropped(f"{method} {path}: change committed, connection dropped")
            await asyncio.sleep(0)  # let the server see the lost connection before it looks at the response

    def _authenticated_org(self, scope: Scope) -> str | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        token = bearer_token(headers.get("authorization"))
        if token is None:
            return None
        resolved = self.context.store.resolve(token)
        if resolved is None or not resolved[1]:
            return None
        return resolved[0].org

    @staticmethod
    def _rate_limited(org: str, limit: int, window_s: float) -> FirstShapeError:
        return FirstShapeError(
            429,
            "rate_limited",
            f"Rate limit exceeded: org {org} may make {limit} requests per "
            f"{window_s:g} seconds. Retry after the window resets.",
        )

    async def _inject_failure(self, send: Send) -> None:
        status = self.context.choice((500, 502, 503))
        self.context.stats.count_fault(f"fail_{status}")
        self.context.stats.count_response(status)
        if status == 500:
            await send_error(send, JsonApiError(500, "internal_error", "Simulated internal server error"))
        elif status == 502:
            await _send_raw(send, 502, BAD_GATEWAY_HTML, "text/html", {})
        else:
            error = FirstShapeError(
                503, "service_unavailable", "Service temporarily unavailable (simulated)", headers={"Retry-After": "1"}
            )
            await send_error(send, error)
