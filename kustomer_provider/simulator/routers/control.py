"""Control API under `/_sim/`: guarded, never counted in the stats.

Every request must name this simulator in its `Host` (loopback names, the bound host, or the address the
connection reached): a web page cannot, so DNS rebinding gets nowhere. Reads (GET) from a loopback peer
are open. Anything else (changes of keys, faults or state, and reads from other machines) needs the
header `X-Sim-Control-Token`; a request with a body must be `application/json` (a cross-site form or
`text/plain` POST never is). The token is given with `--control-token` or generated at start.
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Depends, Request

from .. import rules
from ..context import SimContext, get_context
from ..errors import JsonApiError, bad_field
from .common import Context, JsonBody

__all__ = ["guard_control", "router"]

JSON_TYPE = "application/json"
READ_METHODS = frozenset({"GET", "HEAD"})


async def guard_control(request: Request, context: SimContext = Depends(get_context)) -> None:  # noqa: B008
    """Dependency of every control route: Host, then (for changes) media type, then the control token."""
    server = request.scope.get("server")
    local_address, port = (str(server[0]), int(server[1])) if server else (None, 80)
    host = request.headers.get("host", "").lower()
    if host not in rules.allowed_control_hosts(context.settings.host, local_address, port):
        raise JsonApiError(
            403, "host_not_allowed", f"Host {host!r} is not this simulator's address: the control API refuses it"
        )
    peer = request.client.host if request.client else ""
    if request.method in READ_METHODS and rules.is_loopback_address(peer):
        return
    if request.method not in READ_METHODS:
        content_type = request.headers.get("content-type")
        length = request.headers.get("content-length", "0")
        has_body = length.strip() not in ("", "0") or "transfer-encoding" in request.headers
        if (content_type is not None or has_body) and (content_type or "").split(";")[0].strip().lower() != JSON_TYPE:
            raise JsonApiError(415, "unsupported_media_type", f"The control API takes {JSON_TYPE} bodies only")
    presented = request.headers.get(rules.CONTROL_TOKEN_HEADER, "")
    expected = context.settings.control_token or ""
    if not expected or not hmac.compare_digest(presented.encode(), expected.encode()):
        raise JsonApiError(
            401,
            "control_token_required",
            f"Changes through /_sim/ need the header {rules.CONTROL_TOKEN_HEADER} with the simulator's control "
            "token (--control-token, or the token file named on its stderr at start)",
        )


router = APIRouter(prefix="/_sim", tags=["control"], dependencies=[Depends(guard_control)])


@router.get("/state")
def state(context: Context) -> dict[str, Any]:
    """Orgs, apps, versions, installs and secret fingerprints (never secret values)."""
    return context.store.snapshot()


@router.get("/stats")
async def stats(context: Context) -> dict[str, Any]:
    """Request, response, fault and connection counters."""
    return context.stats.as_json()


@router.post("/stats/reset")
async def reset_stats(context: Context) -> dict[str, Any]:
    """Zero every counter, connections included."""
    context.stats.reset()
    return context.stats.as_json()


@router.get("/faults")
async def get_faults(context: Context) -> dict[str, Any]:
    """The current faults and limits."""
    return context.faults.as_json()


@router.post("/faults")
async def set_faults(body: JsonBody, context: Context) -> dict[str, Any]:
    """Partial update of faults and limits (all or nothing); answers the full settings."""
    context.faults.update(body)
    return context.faults.as_json()


@router.post("/keys", status_code=201)
def add_key(body: JsonBody, context: Context) -> dict[str, Any]:
    """Add (or replace) an API key: `{"key", "roles", "org"?, "pod"?}`."""
    if not isinstance(body, dict):
        raise JsonApiError(400, "invalid_json", "The request body must be a JSON object")
    errors = []
    key, roles = body.get("key"), body.get("roles", [])
    if not isinstance(key, str) or not key:
        errors.append(bad_field("/key", "key must be a non-empty string"))
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        errors.append(bad_field("/roles", "roles must be an array of strings"))
    for name in ("org", "pod"):
        if body.get(name) is not None and (not isinstance(body[name], str) or not body[name]):
            errors.append(bad_field(f"/{name}", f"{name} must be a non-empty string"))
    for name in body:
        if name not in ("key", "roles", "org", "pod"):
            errors.append(bad_field(f"/{name}", f"unknown key: {name}"))
    if errors:
        first, *rest = errors
        first.more = rest
        raise first
    pod = body.get("pod") or context.store.pod
    org = context.store.add_key(str(key), roles, body.get("org"), pod)
    return {"org": org.name, "orgId": org.id, "pod": pod, "roles": sorted(set(roles))}


@router.delete("/apps/{name}")
def delete_app(name: str, context: Context, org: str | None = None) -> dict[str, Any]:
    """Remove an app entirely (versions, installs, secret, grants), as if it never existed."""
    org_name, app_name = context.store.delete_app(name, org)
    return {"deleted": app_name, "org": org_name}


@router.post("/reset")
def reset(context: Context) -> dict[str, Any]:
    """Back to an empty state; keys and orgs stay."""
    context.store.reset()
    return {"reset": True}
