"""Bearer authentication and role checks, as FastAPI dependencies raising Kustomer-shaped errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from . import rules
from .errors import FirstShapeError, JsonApiError
from .store import Principal

if TYPE_CHECKING:
    from .context import SimContext

__all__ = [
    "Authenticated",
    "CanRead",
    "CanReadCustomers",
    "CanWrite",
    "bearer_token",
    "current_principal",
    "require_all",
    "require_any",
]


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def current_principal(request: Request) -> Principal:
    """Dependency: who the request acts as; 401 for a missing, unknown or other-pod token."""
    context: SimContext = request.app.state.sim
    token = bearer_token(request.headers.get("authorization"))
    resolved = context.store.resolve(token) if token else None
    if resolved is None:
        raise JsonApiError(401, "unauthorized", "Invalid API key", headers={"WWW-Authenticate": "Bearer"})
    principal, same_pod = resolved
    if not same_pod:
        raise FirstShapeError(
            401,
            "unauthorized",
            f"API key is associated with pod {principal.pod} but request is being handled by {context.store.pod}",
        )
    return principal


Authenticated = Annotated[Principal, Depends(current_principal)]


def require_all(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency factory: the principal must hold every one of `roles` (403 names the missing ones)."""

    async def check(principal: Authenticated) -> Principal:
        missing = [role for role in roles if role not in principal.roles]
        if missing:
            raise JsonApiError(403, "forbidden", f"Missing required role(s): {', '.join(missing)}")
        return principal

    return check


def require_any(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency factory: the principal must hold at least one of `roles`."""

    async def check(principal: Authenticated) -> Principal:
        if principal.roles.isdisjoint(roles):
            wanted = roles[0] if len(roles) == 1 else "one of " + ", ".join(roles)
            raise JsonApiError(403, "forbidden", f"Missing required role(s): {wanted}")
        return principal

    return check


CanWrite = Annotated[Principal, Depends(require_all(*rules.WRITE_ROLES))]
CanRead = Annotated[Principal, Depends(require_any(*rules.READ_ROLES))]
CanReadCustomers = Annotated[Principal, Depends(require_any(rules.CUSTOMER_READ_ROLE))]
