"""Bearer authentication and role checks, as FastAPI dependencies raising Kustomer-shaped errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from . import rules
from .bearer import bearer_token
from .context import SimContext
from .errors import FirstShapeError, JsonApiError
from .records import Principal

__all__ = [
    "Authenticated",
    "CanRead",
    "CanReadCustomers",
    "CanWrite",
    "current_principal",
    "missing_role",
    "require_all",
    "require_any",
]


async def current_principal(request: Request) -> Principal:
    """Dependency: who the request acts as; 401 for a missing, unknown or other-pod token."""
    context: SimContext = request.app.state.sim
    token = bearer_token(request.headers.get("authorization"))
    resolved = context.store.resolve(token) if token else None
    if resolved is None:
        raise JsonApiError(401, "unauthorized", "Invalid API key", headers={"WWW-Authenticate": "Bearer"})
    principal, same_pod = resolved
    if not same_pod:
        # Worded as Kustomer's "Regions and base URLs" doc page words it: "Auth token associated with pod …".
        raise FirstShapeError(
            401,
            "unauthorized",
            f"Auth token associated with pod {principal.pod} but request is being handled by {context.store.pod}",
        )
    return principal


Authenticated = Annotated[Principal, Depends(current_principal)]


def missing_role(request: Request, roles: str) -> JsonApiError:
    """The answer to a key lacking a role: 403, or 401 with the fault setting `missing_role_status`.

    Source: Kustomer's "API keys and roles" page (writes need org.admin.apps and org.permission.apps);
    its older error reference lists 401 for a key without the role, HTTP (RFC 9110 §15.5.4) says 403:
    `rules.MISSING_ROLE_STATUS` is the default, the fault setting reproduces the other.
    """
    context: SimContext = request.app.state.sim
    status = getattr(context.faults, "missing_role_status", rules.MISSING_ROLE_STATUS)
    code = "unauthorized" if status == 401 else "forbidden"
    return JsonApiError(status, code, f"Missing required role(s): {roles}")


def require_all(*roles: str) -> Callable[[Request, Principal], Awaitable[Principal]]:
    """Dependency factory: the principal must hold every one of `roles` (the refusal names the missing ones)."""

    async def check(request: Request, principal: Authenticated) -> Principal:
        missing = [role for role in roles if role not in principal.roles]
        if missing:
            raise missing_role(request, ", ".join(missing))
        return principal

    return check


def require_any(*roles: str) -> Callable[[Request, Principal], Awaitable[Principal]]:
    """Dependency factory: the principal must hold at least one of `roles`."""

    async def check(request: Request, principal: Authenticated) -> Principal:
        if principal.roles.isdisjoint(roles):
            wanted = roles[0] if len(roles) == 1 else "one of " + ", ".join(roles)
            raise missing_role(request, wanted)
        return principal

    return check


CanWrite = Annotated[Principal, Depends(require_all(*rules.WRITE_ROLES))]
CanRead = Annotated[Principal, Depends(require_any(*rules.READ_ROLES))]
CanReadCustomers = Annotated[Principal, Depends(require_any(rules.CUSTOMER_READ_ROLE))]
