"""Control calls for the other platforms, as their dashboards would: register a client, rotate its secret.

Under `/_sim/platforms`, guarded like every control route (`routers.control.guard_control`): changes need
the control token and a JSON body. [ours: the simulator's own API, the issue 14 contract.]
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from ..errors import JsonApiError, bad_field, not_found
from ..routers.common import JsonBody
from ..routers.control import guard_control
from ..validation import INVALID_JSON
from . import rules
from .consent import Platforms
from .spec import PLATFORMS, PlatformSpec

__all__ = ["router"]

router = APIRouter(prefix="/_sim/platforms", tags=["control"], dependencies=[Depends(guard_control)])

FIELDS = frozenset({"client_id", "client_secret", "redirect_uris", "scopes", "allowed_origins", "name", "kind"})


def _spec(platform: str) -> PlatformSpec:
    spec = PLATFORMS.get(platform)
    if spec is None:
        raise not_found(f"No platform {platform}; the simulator serves {', '.join(rules.PLATFORM_NAMES)}")
    return spec


def _strings(body: dict[str, Any], name: str, errors: list[JsonApiError]) -> list[str]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        errors.append(bad_field(f"/{name}", f"{name} must be an array of non-empty strings"))
        return []
    return list(dict.fromkeys(value))


def _secret_problem(spec: PlatformSpec, secret: Any) -> str | None:
    if not isinstance(secret, str) or not secret or any(ch.isspace() for ch in secret):
        return "client_secret must be a non-empty string without spaces"
    if spec.secret_length is not None and len(secret) != spec.secret_length:  # Komerza: 72 [doc]
        return f"a {spec.title} client secret is {spec.secret_length} characters"
    return None


def _raise_first(errors: list[JsonApiError]) -> None:
    if errors:
        first, *rest = errors
        first.more = rest
        raise first


def _registration(spec: PlatformSpec, body: Any) -> dict[str, Any]:
    """The checked fields of a registration, every problem named by its JSON pointer."""
    if body is INVALID_JSON or not isinstance(body, dict):
        raise JsonApiError(400, "invalid_json", "The request body must be a JSON object")
    errors = [bad_field(f"/{name}", f"unknown key: {name}") for name in body if name not in FIELDS]
    kind = body.get("kind", spec.client_kinds[0])
    if kind not in spec.client_kinds:  # apaleo: connect or simple clients [seed][doc]; the others: one kind
        errors.append(bad_field("/kind", f"{spec.title} registers {' or '.join(spec.client_kinds)} clients"))
    simple = kind == rules.APALEO_SIMPLE
    if "redirect_uris" not in body and not simple:
        errors.append(bad_field("/redirect_uris", "redirect_uris is required (an array, maybe empty)"))
    uris = _strings(body, "redirect_uris", errors)
    if simple and uris:  # a simple client has no redirect URI [doc: apaleo "Register an OAuth simple client"]
        errors.append(bad_field("/redirect_uris", "an apaleo simple client has no redirect URI"))
    for index, uri in enumerate(uris):
        problem = rules.redirect_uri_problem(spec.name, uri)
        if problem:
            errors.append(bad_field(f"/redirect_uris/{index}", f"{uri!r} {problem}"))
    if spec.max_redirect_uris is not None and len(uris) > spec.max_redirect_uris:  # Komerza: 10 [seed]
        errors.append(
            bad_field("/redirect_uris", f"{spec.title} allows at most {spec.max_redirect_uris} redirect URLs")
        )
    scopes = _strings(body, "scopes", errors)
    origins = _strings(body, "allowed_origins", errors)
    if origins and not spec.allowed_origins:  # only Teamwork's apps list allowed origins [doc]
        errors.append(bad_field("/allowed_origins", f"{spec.title} clients have no allowed origins"))
    client_id = body.get("client_id")
    if client_id is not None and (not isinstance(client_id, str) or not client_id or "/" in client_id):
        errors.append(bad_field("/client_id", "client_id must be a non-empty string without /"))
    secret = body.get("client_secret")
    if secret is not None:
        problem = _secret_problem(spec, secret)
        if problem:
            errors.append(bad_field("/client_secret", problem))
    name = body.get("name", "")
    if not isinstance(name, str):
        errors.append(bad_field("/name", "name must be a string"))
    _raise_first(errors)
    return {
        "client_id": client_id,
        "client_secret": secret,
        "redirect_uris": uris,
        "scopes": scopes,
        "allowed_origins": origins,
        "name": name,
        "kind": kind,
    }


@router.get("")
def list_clients(platforms: Platforms) -> dict[str, Any]:
    """Every platform's clients (no secrets: fingerprints)."""
    return {name: [c.view() for c in platforms.clients(name)] for name in rules.PLATFORM_NAMES}


@router.post("/{platform}/clients")
def register_client(platform: str, body: JsonBody, platforms: Platforms) -> JSONResponse:
    """Register a client (201), or replace the one of that `client_id` (200); the answer has its secret."""
    spec = _spec(platform)
    fields = _registration(spec, body)
    client, secret, created = platforms.register(spec.name, **fields)
    return JSONResponse({**client.view(), "client_secret": secret}, status_code=201 if created else 200)


@router.post("/{platform}/clients/{client_id}/secret")
def rotate_secret(platform: str, client_id: str, body: JsonBody, platforms: Platforms) -> dict[str, Any]:
    """A new secret (`{"client_secret"}` in the body, or generated in the platform's shape); the old one
    stops working at once, as when a secret is replaced in the dashboard [seed: apaleo "add a new secret"]."""
    spec = _spec(platform)
    given = None
    if isinstance(body, dict) and body:
        _raise_first([bad_field(f"/{n}", f"unknown key: {n}") for n in body if n != "client_secret"])
        given = body.get("client_secret")
        problem = _secret_problem(spec, given)
        if problem:
            raise bad_field("/client_secret", problem)
    elif body is not INVALID_JSON and not isinstance(body, dict):
        raise JsonApiError(400, "invalid_json", "The request body must be a JSON object (or nothing)")
    try:
        client, secret = platforms.rotate(spec.name, client_id, given)
    except KeyError:
        raise not_found(f"No {spec.title} client {client_id}") from None
    return {**client.view(), "client_secret": secret}


@router.delete("/{platform}/clients/{client_id}")
def delete_client(platform: str, client_id: str, platforms: Platforms) -> dict[str, Any]:
    """Remove a client with its codes and tokens, as if deleted in the dashboard."""
    spec = _spec(platform)
    try:
        platforms.delete(spec.name, client_id)
    except KeyError:
        raise not_found(f"No {spec.title} client {client_id}") from None
    return {"deleted": client_id, "platform": spec.name}
