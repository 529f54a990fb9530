"""apaleo's identity server: token, discovery, keys, userinfo and revocation endpoints, and the account endpoint.

Sources: apaleo's "Authorization code grant" doc (`POST /connect/token`, form body, client authentication by
HTTP Basic or in the body, `offline_access` for a refresh token, `expires_in: 3600`, an `id_token` with
`openid`); apaleo's "OAuth 2.0 and OpenID connect basics" (the endpoints `https://identity.apaleo.com/connect/
{authorize,token,introspect,revocation,endsession,deviceauthorization}`, revocation "only applicable to the
authorization code grant flow", the token endpoint taking "auth code, refresh token, client credentials", and
OpenID Connect's userinfo and discovery); IdentityServer4's route table (`Constants.ProtocolRoutePaths`:
`.well-known/openid-configuration`, its `/jwks`, `connect/userinfo`, `connect/revocation`) [3p: the server
whose layout apaleo's endpoints follow]; apaleo's "Register an OAuth simple client (custom) app" (simple clients,
no redirect URI); RFC 6749 (errors §5.2, refresh §6, client credentials §4.4), RFC 7009 (revocation), OpenID
Connect Core and Discovery 1.0; and the seed `apaleo-connect-client-registration.txt` for connect clients.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from .. import rules as sim_rules
from ..bearer import bearer_token
from ..errors import OAuthError, PlatformError
from ..routers.oauth import Form, Params
from . import rules
from .consent import Platforms
from .state import Client, ClientProblem, CodeProblem, PlatformState, Token

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


def _access_answer(
    platforms: PlatformState, client: Client, scopes: list[str], *, family: str | None = None
) -> dict[str, Any]:
    """An access token of ``scopes`` and its answer [doc: apaleo]: Bearer, one hour (``expires_in: 3600``)."""
    access = platforms.issue_token(
        PLATFORM,
        client.client_id,
        secrets.token_urlsafe(32),
        kind="access",
        scopes=scopes,
        ttl_s=rules.APALEO_ACCESS_TOKEN_TTL_S,
        family=family,
    )
    return {
        "access_token": access,
        "expires_in": rules.APALEO_ACCESS_TOKEN_TTL_S,
        "token_type": "Bearer",
        "scope": " ".join(scopes),
    }


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
    answer = _access_answer(platforms, client, access_scopes, family=family)
    access = answer["access_token"]
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
            "at_hash": rules.at_hash(access),  # OpenID Connect Core §3.1.3.6
        }
        if nonce:
            claims["nonce"] = nonce  # OpenID Connect Core §2
        # RS256 with the key the JWKS publishes [doc: apaleo's OpenID Connect endpoints; 3p: IdentityServer4].
        answer["id_token"] = rules.rs256_jwt(claims, rules.signing_key())
    return answer


def _client_credentials_grant(platforms: PlatformState, client: Client, values: Mapping[str, str]) -> dict[str, Any]:
    """RFC 6749 §4.4 for a simple client [doc: apaleo]: an access token of its registered scopes (or the asked
    subset), one hour, no refresh token (§4.4.3) and no id token: there is no user."""
    user_scopes = rules.APALEO_USER_SCOPES
    requested = sim_rules.split_scopes(values.get("scope", ""))
    if requested:
        outside = [s for s in requested if s not in client.scopes or s in user_scopes]
        if outside:  # RFC 6749 §5.2 invalid_scope; openid and offline_access need a user [3p: IdentityServer]
            raise OAuthError(400, "invalid_scope", f"scopes not allowed for this client's grant: {' '.join(outside)}")
        scopes = requested
    else:
        scopes = [s for s in client.scopes if s not in user_scopes]
    return _access_answer(platforms, client, scopes)


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
    simple = client.kind == rules.APALEO_SIMPLE
    if grant_type == "client_credentials":
        # Simple clients ("custom apps") use client credentials; connect clients ("store apps") the code flow
        # [doc: apaleo "Register an OAuth simple client (custom) app"; seed: connect clients]. RFC 6749 §5.2:
        # "The authenticated client is not authorized to use this authorization grant type."
        if not simple:
            raise OAuthError(
                400, "unauthorized_client", "This client is a connect client: use the authorization code flow"
            )
        return _client_credentials_grant(platforms, client, values)
    if simple and grant_type in ("authorization_code", "refresh_token"):
        raise OAuthError(400, "unauthorized_client", "This client is a simple client: use client_credentials")
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
    raise OAuthError(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported")


@router.post(rules.APALEO_PATHS["token_endpoint"])
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


# --- OpenID Connect: discovery, keys, userinfo; and revocation ---------------------------------------------


def _endpoint(request: Request, path: str) -> str:
    """An endpoint of this identity server: the issuer and the path of the real one (IdentityServer4's routes)."""
    return issuer(request) + path


@router.get(rules.APALEO_DISCOVERY_PATH)
def discovery(request: Request) -> JSONResponse:
    """The discovery document (OpenID Connect Discovery 1.0 §3; its URL: the issuer + this path, §4) [doc: apaleo's
    OpenID Connect endpoints; 3p: IdentityServer4's routes]. It lists only what the simulator serves."""
    document = {
        "issuer": issuer(request),
        **{name: _endpoint(request, path) for name, path in rules.APALEO_PATHS.items()},
        "scopes_supported": [rules.APALEO_OPENID, rules.APALEO_REFRESH_SCOPE, rules.APALEO_ACCOUNT_SCOPE],
        "claims_supported": ["sub"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [rules.APALEO_SIGNING_ALG],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": [sim_rules.CODE_CHALLENGE_METHOD],
        "request_parameter_supported": False,
    }
    return JSONResponse(document)


@router.get(rules.APALEO_PATHS["jwks_uri"])
def jwks() -> JSONResponse:
    """The keys that verify id tokens (RFC 7517 §5), at IdentityServer4's path [3p]; one RS256 key [ours]."""
    return JSONResponse({"keys": [rules.signing_key().jwk()]})


def _userinfo_token(request: Request, platforms: PlatformState, form_token: str | None) -> Token:
    value = bearer_token(request.headers.get("authorization")) or form_token
    held = platforms.resolve(PLATFORM, value) if value else None
    if held is None:
        raise _bearer_error(401, "invalid_token", "The access token is missing, unknown or expired")
    if rules.APALEO_OPENID not in held.scopes:  # OpenID Connect Core §5.3: a token of an OpenID request
        raise _bearer_error(403, "insufficient_scope", "The access token lacks the openid scope")
    return held


def _claims() -> dict[str, Any]:
    # The user's claims: `sub` as in the id token (OpenID Connect Core §5.3.2) [ours: apaleo's other claims are
    # not documented, so none is made up].
    return {"sub": USER_ID}


@router.get(rules.APALEO_PATHS["userinfo_endpoint"])
def userinfo(request: Request, platforms: Platforms) -> JSONResponse:
    """Who the access token's user is (OpenID Connect Core §5.3) [doc: apaleo's OpenID Connect endpoints]."""
    _userinfo_token(request, platforms, None)
    return JSONResponse(_claims(), headers={"Cache-Control": "no-store"})


@router.post(rules.APALEO_PATHS["userinfo_endpoint"])
def userinfo_post(request: Request, form: Form, platforms: Platforms) -> JSONResponse:
    """The same by POST; the token in the header or the form body (RFC 6750 §2.2; OIDC Core §5.3.1)."""
    _userinfo_token(request, platforms, form.values.get("access_token") if form.problem is None else None)
    return JSONResponse(_claims(), headers={"Cache-Control": "no-store"})


@router.post(rules.APALEO_PATHS["revocation_endpoint"])
def revocation(request: Request, form: Form, platforms: Platforms) -> Response:
    """Revoke an access or refresh token (RFC 7009). The client authenticates as at the token endpoint
    (§2.1); an unknown token, or one of another client, is answered 200 all the same (§2.2); a refresh token
    takes its grant's access tokens with it (§2.1). "Only applicable to the authorization code grant flow" [doc:
    apaleo], so a simple client is refused [ours: its error, `unauthorized_client`]."""
    if form.problem is not None:
        raise OAuthError(400, "invalid_request", form.problem)
    values = form.values
    client, _secret = _authenticate(platforms, values, request.headers.get("authorization"))
    if form.repeated:
        raise OAuthError(400, "invalid_request", f"parameters sent more than once: {', '.join(sorted(form.repeated))}")
    token = values.get("token")
    if not token:
        raise OAuthError(400, "invalid_request", "token is required")
    hint = values.get("token_type_hint")
    if hint is not None and hint not in rules.REVOCATION_HINTS:
        raise OAuthError(
            400, "unsupported_token_type", f"token_type_hint must be one of {', '.join(rules.REVOCATION_HINTS)}"
        )
    if client.kind not in rules.APALEO_REVOKING_KINDS:
        raise OAuthError(400, "unauthorized_client", "Revocation is for the authorization code flow's tokens")
    platforms.revoke(PLATFORM, client.client_id, token)
    return Response(status_code=200, headers=dict(sim_rules.TOKEN_RESPONSE_HEADERS))
