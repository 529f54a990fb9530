"""Fault injection, as one ASGI middleware: the faults and limits of `FaultSettings`, applied per request.

For each request outside `/_sim/`, in this order: count it under its route template; sleep the
latency (`/v1/*` and `/oauth/*`); for `/v1/*`, maybe answer an injected 500/502/503 (before any
change and before the rate-limit budget is touched); charge an authenticated request to its org's
rate-limit window (429 when over, `x-ratelimit-*` headers on every answer); for `POST /v1/*`, maybe
drop the connection once the handler has committed its change (only 2xx answers are dropped).
The parts live beside it: `fault_settings`, `stats`, `rate_limit`, `connections`, `route_templates`, and
`bearer` for the org a request's token belongs to.
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .bearer import org_of_bearer
from .context import SimContext
from .errors import FirstShapeError, JsonApiError, SimulatorError
from .route_templates import route_template

__all__ = ["ConnectionDropped", "FaultMiddleware", "send_error"]

BAD_GATEWAY_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


class ConnectionDropped(Exception):
    """Raised in-process (no TCP connection to abort, e.g. under TestClient) by drop-after-commit."""


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
        return org_of_bearer(self.context.store, headers.get("authorization"))

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
