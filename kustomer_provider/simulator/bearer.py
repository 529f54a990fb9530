"""Bearer tokens: reading one from an `Authorization` header, and the org it authenticates."""

from __future__ import annotations

from .store import Store

__all__ = ["bearer_token", "org_of_bearer"]


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def org_of_bearer(store: Store, authorization: str | None) -> str | None:
    """The org whose rate limit a request counts against: its token's org, None if unknown or of another pod."""
    token = bearer_token(authorization)
    if token is None:
        return None
    resolved = store.resolve(token)
    if resolved is None or not resolved[1]:
        return None
    return resolved[0].org
