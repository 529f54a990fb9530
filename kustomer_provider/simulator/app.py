"""Builds the simulator's FastAPI app; the routers hold the endpoints."""

from __future__ import annotations

import dataclasses
import random
import time

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import rules
from .connections import ConnectionRegistry
from .context import SimContext
from .errors import JsonApiError, SimulatorError
from .fault_settings import FaultSettings
from .faults import FaultMiddleware
from .platforms.routes import ROUTERS as PLATFORM_ROUTERS
from .platforms.state import PlatformState
from .rate_limit import RateLimiter
from .records import Clock
from .request_log import RequestLog, RequestLogMiddleware
from .routers import apps, control, misc, oauth, requests
from .settings import SimulatorSettings
from .stats import Stats
from .store import Store

__all__ = ["create_app"]

ROUTERS = (
    *(module.router for module in (apps, misc, oauth, control, requests)),
    *PLATFORM_ROUTERS,  # Teamwork, Komerza, apaleo under /<platform>, and /_sim/platforms
)


def _error_response(error: SimulatorError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


async def _simulator_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SimulatorError)
    return _error_response(exc)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = f"No route for {request.method} {request.url.path}" if exc.status_code in (404, 405) else exc.detail
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
    return _error_response(JsonApiError(exc.status_code, code, str(detail), headers=dict(exc.headers or {})))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    where = "/".join(str(part) for part in first.get("loc", ())[1:])
    return _error_response(
        JsonApiError(400, "validation_error", str(first.get("msg", "invalid request")), parameter=where or None)
    )


def create_app(settings: SimulatorSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """A simulator app with its own state; `clock` (epoch seconds) may be injected by tests.

    Without `settings.control_token` a control token is generated: `app.state.sim.settings.control_token`.
    """
    settings = settings or SimulatorSettings()
    if settings.control_token is None:  # one per run; `server.serve` prints it and writes the token file
        settings = dataclasses.replace(settings, control_token=rules.new_control_token())
    clock = clock or time.time
    store = Store(
        pod=settings.pod,
        default_org=settings.org,
        clock=clock,
        state_file=settings.state_file,
        refresh_token_idle_s=settings.refresh_token_idle_s,
    )
    store.add_key(settings.api_key, rules.ADMIN_KEY_ROLES)
    for spec in settings.keys:
        store.add_key(spec.key, spec.roles, spec.org, spec.pod)
    stats = Stats()
    context = SimContext(
        settings=settings,
        store=store,
        faults=FaultSettings(
            fail_rate=settings.fail_rate,
            rate_limit=settings.rate_limit,
            rate_window_s=settings.rate_window_s,
            latency_ms=settings.latency_ms,
            install_ms=settings.install_ms,
            install_fail=list(settings.install_fail),
            drop_after_commit_rate=settings.drop_after_commit_rate,
            auto_consent=settings.auto_consent,
            page_size=settings.page_size,
        ),
        stats=stats,
        limiter=RateLimiter(clock),
        connections=ConnectionRegistry(stats),
        rng=random.Random(settings.seed),
        routes=[route for router in ROUTERS for route in router.routes],
    )
    app = FastAPI(
        title="Kustomer Apps Platform simulator",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        redirect_slashes=False,
    )
    app.state.sim = context
    # Teamwork, Komerza and apaleo: clients, codes, tokens (a section of `store`), read by their routers.
    app.state.platforms = PlatformState(store)
    for router in ROUTERS:
        app.include_router(router)
    app.add_exception_handler(SimulatorError, _simulator_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_middleware(FaultMiddleware, context=context)
    # Outermost, so it logs the status the caller got (faults included).
    app.state.request_log = RequestLog(clock)
    app.add_middleware(RequestLogMiddleware, log=app.state.request_log, routes=context.routes)
    return app
