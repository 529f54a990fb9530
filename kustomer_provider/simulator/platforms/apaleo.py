"""apaleo's identity server: the token endpoint of the authorization code flow, and the account endpoint.

Source: apaleo's "Authorization code grant" doc (`POST /connect/token`, form body, client authentication by
HTTP Basic or in the body, `offline_access` for a refresh token, `expires_in: 3600`, an `id_token` with
`openid`), RFC 6749 for everything it leaves to the standard (errors §5.2, refresh §6, codes §4.1.2/§4.1.3),
and the seed `apaleo-connect-client-registration.txt` for the connect clients themselves.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from .. import rules as sim_rules
from ..bearer import bearer_token
from ..errors import OAuthError, PlatformError
from ..routers.oauth import Form, Params
from . import rules
from .consent import Platforms
from .state import Client, ClientProblem, CodeProblem, PlatformState

__all__ = ["router"]

router = APIRouter(prefix="/apaleo", tags=["apaleo"])
PLATFORM: Final = "apaleo"
USER_ID: Final = "sim-apaleo-user"
WWW_AUTHENTICATE: Final = 'Basic realm="apaleo-simulator"'


def issuer(request: Request) -> str:
    """The identity server's issuer, `<simulator>/apaleo` [ours: the mapped `https://identity.apaleo.com`]."""
    return str(request.base_url).rstrip("/") + "/apaleo"


def _client_credentials(values: Mapping[str, str], authorization: str | None) -> tuple[str, str, bool]:
    """`(client_id, client_secret, by_basic)`: HTTP Basic or the body [doc: apaleo shows both], one per
    request (RFC 6749 §2.3); a `client_id` beside Basic must name the same client (RFC 6749 §4.1.3)."""
    if authorization is None:
        return values.get("client_id", ""), values.get("client_secret", ""), False
    credentials = sim_rules.basic_credentials(authorization)
    if credentials is None:
        raise OAuthError(
            401,
            "invalid_client",
            "Authorization must be HTTP Basic client_id:client_secret",
            headers={"WWW-Authenticate": WWW_AUTHENTICATE},
        )
    if "client_secret" in values:
        raise OAuthError(400, "invalid_request", "Use one client authentication method: Basic or client_secret")
    if "client_id" in values and values["client_id"] != credentials[0]:
        raise OAuthError(400, "invalid_request", "client_id differs from the Authorization header's")
    return credentials[0], credentials[1], True


def _authenticate(platforms: PlatformState, values: Mapping[str, str], authorization: str | None) -> tuple[Client, str]:
    """The client, checked before anything about the grant [ours: the issue 14 contract, RFC 6749 §5.2]."""
    client_id, secret, by_basic = _client_credentials(values, authorization)
    try:
        return platforms.authenticate(PLATFORM, client_id, secret), secret
    except ClientProblem as problem:
        what = "unknown client" if problem.reason == "unknown" else "client secret is wrong"
        # RFC 6749 §5.2: 401 with WWW-Authenticate when the Authorization header was used; 400 otherwise.
        if by_basic:
            raise OAuthError(401, "invalid_client", what, headers={"WWW-Authenticate": WWW_AUTHENTICATE}) from None
        raise OAuthError(400, "invalid_client", what) from None


def _required(values: Mapping[str, str], name: str) -> str:
    value = values.get(name)
    if not value:
        raise OAuthError(400, "invalid_request", f"{name} is required")
    return value


def _tokens(
    request: Request,
    platforms: PlatformState,
    client: Client,
    secret: str,
    *,
    granted: list[str],
    access_scopes: list[str],
    family: str | None,
    nonce: str | None = None,
) -> dict[str, Any]:
    """The token answer [doc: apaleo]: one-hour access token, a refresh token with offline_access, an
    id_token with openid."""
    access = platforms.issue_token(
        PLATFORM,
        client.client_id,
        secrets.token_urlsafe(32),
        kind="access",
        scopes=access_scopes,
        ttl_s=rules.APALEO_ACCESS_TOKEN_TTL_S,
        family=family,
    )
    answer: dict[str, Any] = {
        "access_token": access,
        "expires_in": rules.APALEO_ACCESS_TOKEN_TTL_S,
        "token_type": "Bearer",
        "scope": " ".join(access_scopes),
    }
    if rules.APALEO_REFRESH_SCOPE in granted:
        # Kept until used: each refresh spends it and issues a new one (rotation) [ours: apaleo does not say
        # how long; IdentityServer's one-time-only refresh tokens].
        answer["refresh_token"] = platforms.issue_token(
            PLATFORM,
            client.client_id,
            secrets.token_urlsafe(32),
            kind="refresh",
            scopes=granted,
            ttl_s=None,
            family=family,
        )
    if rules.APALEO_OPENID in granted:
        now = int(platforms.now())
        claims: dict[str, Any] = {
            "iss": issuer(request),
            "sub": USER_ID,
            "aud": client.client_id,
            "iat": now,
            "exp": now + rules.APALEO_ACCESS_TOKEN_TTL_S,
            "auth_time": now,
        }
        if nonce:
            claims["nonce"] = nonce  # OpenID Connect Core §2
        answer["id_token"] = rules.hs256_jwt(claims, secret.encode())
    return answer


def _grant(request: Request, form: Params, platforms: PlatformState) -> dict[str, Any]:
    if form.problem is not None:  # form-encoded [doc: apaleo; RFC 6749 §4.1.3]
        raise OAuthError(400, "invalid_request", form.problem)
    values = form.values
    client, secret = _authenticate(platforms, values, request.headers.get("authorization"))
    if form.repeated:  # RFC 6749 §3.2
        raise OAuthError(400, "invalid_request", f"parameters sent more than once: {', '.join(sorted(form.repeated))}")
    grant_type = values.get("grant_type")
    if not grant_type:
        raise OAuthError(400, "invalid_request", "grant_type is required")
    if grant_type == "authorization_code":  # RFC 6749 §4.1.3
        code = _required(values, "code")
        redirect_uri = _required(values, "redirect_uri")  # sent at authorize, so required here (§4.1.3)
        verifier = values.get("code_verifier")
        if verifier is not None and not sim_rules.PKCE_VALUE_PATTERN.fullmatch(verifier):  # RFC 7636 §4.1
            raise OAuthError(
                400, "invalid_request", "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~"
            )
        try:
            grant, family = platforms.redeem(
                PLATFORM,
                client.client_id,
                code,
                redirect_uri=redirect_uri,
                code_verifier=verifier,
                revoke_on_replay=True,
            )
        except CodeProblem as problem:
            raise OAuthError(400, "invalid_grant", problem.detail) from None
        return _tokens(
            request,
            platforms,
            client,
            secret,
            granted=grant.scopes,
            access_scopes=grant.scopes,
            family=family,
            nonce=grant.nonce,
        )
    if grant_type == "refresh_token":  # RFC 6749 §6; needs offline_access at authorize [doc]
        value = _required(values, "refresh_token")
        held = platforms.resolve(PLATFORM, value, kind="refresh")
        if held is None or held.client_id != client.client_id:
            raise OAuthError(400, "invalid_grant", "The refresh token is invalid, expired or used")
        scopes = sim_rules.refresh_scopes(held.scopes, values.get("scope"))
        if scopes is None:  # RFC 6749 §6: no scope not originally granted; the token is not spent
            raise OAuthError(400, "invalid_scope", "scope asks for more than the refresh token was granted")
        spent = platforms.spend_refresh(PLATFORM, client.client_id, value)
        if spent is None:  # spent by a concurrent request meanwhile
            raise OAuthError(400, "invalid_grant", "The refresh token is invalid, expired or used")
        return _tokens(
            request, platforms, client, secret, granted=spent.scopes, access_scopes=scopes, family=spent.family
        )
    if grant_type == "client_credentials":
        # Connect clients ("store apps") use the code flow; client credentials are for simple clients [doc].
        raise OAuthError(400, "unauthorized_client", "This client is a connect client: use the authorization code flow")
    raise OAuthError(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported")


@router.post("/connect/token")
def token(request: Request, form: Form, platforms: Platforms) -> JSONResponse:
    """Exchange a code or a refresh token; every answer carries `Cache-Control: no-store` (RFC 6749 §5.1)."""
    try:
        answer = _grant(request, form, platforms)
    except OAuthError as exc:
        exc.headers = {**exc.headers, **sim_rules.TOKEN_RESPONSE_HEADERS}
        raise
    return JSONResponse(answer, headers=dict(sim_rules.TOKEN_RESPONSE_HEADERS))


def _bearer_error(status: int, code: str, description: str) -> PlatformError:
    # RFC 6750 §3.1: `invalid_token` (401) and `insufficient_scope` (403), named in WWW-Authenticate.
    header = f'Bearer error="{code}", error_description="{description}"'
    return PlatformError(
        status, code, {"error": code, "error_description": description}, headers={"WWW-Authenticate": header}
    )


@router.get("/account/v1/accounts/current")
def current_account(request: Request, platforms: Platforms) -> dict[str, Any]:
    """The account of the token (apaleo's `GET /account/v1/accounts/current`); needs `account.read` [doc:
    apaleo API scopes; ours: the values]. Access tokens end after one hour [doc]."""
    value = bearer_token(request.headers.get("authorization"))
    held = platforms.resolve(PLATFORM, value) if value else None
    if held is None:
        raise _bearer_error(401, "invalid_token", "The access token is missing, unknown or expired")
    if rules.APALEO_ACCOUNT_SCOPE not in held.scopes:
        raise _bearer_error(403, "insufficient_scope", f"The access token lacks the {rules.APALEO_ACCOUNT_SCOPE} scope")
    return {"code": "SIM", "name": "Simulator Hotels", "type": "Sandbox", "location": {"countryCode": "DE"}}
