"""`GET /_sim/requests`: the request log (read only, never counted in the stats)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from ..request_log import RequestLog

__all__ = ["router"]

router = APIRouter(prefix="/_sim", tags=["control"])


@router.get("/requests")
async def requests(request: Request, since: int = 0) -> dict[str, Any]:
    """Requests answered after arrival number ``since``: method, path, route, status, times, install states."""
    log: RequestLog = request.app.state.request_log
    return {"last": log.last_seq, "requests": log.entries(since)}
