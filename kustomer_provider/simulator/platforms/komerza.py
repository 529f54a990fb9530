"""Komerza's OAuth2: the code exchange, and two documented API endpoints that take the issued key.

Source: the seed `komerza-oauth2-overview.txt` (JWT key valid until revoked, single-use one-minute code,
at most 10 redirect URLs) and Komerza's "Exchange Code" doc (`GET /oauth2/{appId}/exchange/{code}`, headers
`X-Client-Secret` and `User-Agent`, the answer `{"success", "message", "code", "data"}`, the errors
`invalid_code`, `code_expired`, `invalid_client_secret`, `app_not_found`).
"""

from __future__ import annotations

import secrets
from typing import Any, Final

from fastapi import APIRouter, Request

from ..bearer import bearer_token
from ..errors import PlatformError
from . import rules
from .consent import Platforms
from .state import ClientProblem, CodeProblem, Token

__all__ = ["router"]

router = APIRouter(prefix="/komerza", tags=["komerza"])
PLATFORM: Final = "komerza"
SECRET_HEADER: Final = "x-client-secret"  # noqa: S105 (a header name)
USER_ID: Final = "user_sim_komerza"
# Keys are found by their hash, so the signing key only has to last as long as the process [ours].
_SIGNING_KEY: Final = secrets.token_bytes(32)


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> PlatformError:
    """Komerza's envelope with `success: false` and the error code in `code` [doc: codes; ours: the envelope]."""
    body = {"success": False, "message": message, "code": code, "data": None}
    return PlatformError(status, code, body, headers=headers)


@router.get("/oauth2/{app_id}/exchange/{code:path}")
def exchange(app_id: str, code: str, request: Request, platforms: Platforms) -> dict[str, Any]:
    """Exchange a code for a JWT API key. Checks, in order [ours: the order; the issue 14 contract]: a
    `User-Agent`, the app, its secret, then the code (so a made-up code tells a good secret from a bad one)."""
    if not request.headers.get("user-agent", "").strip():  # "a User-Agent" is required [doc]; the error is ours
        raise error(400, "user_agent_required", "Send a User-Agent header")
    if platforms.client(PLATFORM, app_id) is None:
        raise error(404, "app_not_found", f"No application {app_id}")  # [doc]
    try:
        client = platforms.authenticate(PLATFORM, app_id, request.headers.get(SECRET_HEADER, ""))
    except ClientProblem:
        raise error(401, "invalid_client_secret", "X-Client-Secret is not this application's secret") from None  # [doc]
    try:
        grant, family = platforms.redeem(PLATFORM, client.client_id, code, redirect_uri=None)
    except CodeProblem as problem:
        if problem.reason == "expired":  # valid 1 minute [seed]
            raise error(400, "code_expired", problem.detail) from None  # [doc]
        raise error(400, "invalid_code", problem.detail) from None  # unknown, other app's, or used (single use [seed])
    claims = {
        "sub": USER_ID,
        "app": client.client_id,
        "scopes": grant.scopes,
        "stores": grant.stores,
        "jti": secrets.token_hex(8),
    }
    # A JWT, valid until revoked: no `exp` [seed: "API Key Validity | Until revoked"].
    key = platforms.issue_token(
        PLATFORM,
        client.client_id,
        rules.hs256_jwt(claims, _SIGNING_KEY),
        kind="access",
        scopes=grant.scopes,
        ttl_s=None,
        stores=grant.stores,
        family=family,
    )
    return {"success": True, "message": "Authorization code exchanged for an API key", "code": "success", "data": key}


def _authenticated(request: Request, platforms: Platforms) -> Token:
    value = bearer_token(request.headers.get("authorization"))  # `Authorization: Bearer <JWT>` [seed][doc]
    token = platforms.resolve(PLATFORM, value) if value else None
    if token is None:
        raise error(
            401, "unauthorized", "A valid API key is required (Authorization: Bearer)", {"WWW-Authenticate": "Bearer"}
        )
    return token


@router.get("/user")
def user(request: Request, platforms: Platforms) -> dict[str, Any]:
    """The key's user, with the stores it may use [doc: Komerza "Get user", `GET https://api.komerza.com/user`,
    answering the user with its `stores`]. The doc names no permission for it [ours: any live key]; the stores
    are those the user granted to this key, and the other fields of the documented answer are left out [ours]."""
    token = _authenticated(request, platforms)
    names = dict(rules.KOMERZA_STORES)
    stores = [{"id": sid, "name": names[sid]} for sid in token.stores if sid in names]
    data = {"id": USER_ID, "userName": "simulator", "stores": stores}
    return {"success": True, "message": "User", "code": "success", "data": data}


@router.get("/stores/{store_id}")
def store(store_id: str, request: Request, platforms: Platforms) -> dict[str, Any]:
    """One store granted to this key [doc: Komerza "Get store by ID", `GET /stores/{storeId}`, "Requires the
    stores.view permission"; the exchange doc: the key "grants access only to the stores the user authorized"].
    Another store is answered 404 `store_not_found` [ours: the code]."""
    token = _authenticated(request, platforms)
    if rules.KOMERZA_STORES_SCOPE not in token.scopes:
        raise error(403, "insufficient_scope", f"This key lacks the {rules.KOMERZA_STORES_SCOPE} permission")
    names = dict(rules.KOMERZA_STORES)
    if store_id not in token.stores or store_id not in names:
        raise error(404, rules.KOMERZA_STORE_NOT_FOUND, f"No store {store_id} for this key")
    return {"success": True, "message": "Store", "code": "success", "data": {"id": store_id, "name": names[store_id]}}
