"""Control API under `/_sim/`: no auth, never counted in the stats."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ..errors import JsonApiError, bad_field
from .common import Context, JsonBody

__all__ = ["router"]

router = APIRouter(prefix="/_sim", tags=["control"])


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
