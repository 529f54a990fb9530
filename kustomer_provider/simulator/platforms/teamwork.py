"""Teamwork.com's App Login Flow: the JSON token exchange and the user-info endpoint.

Source: the seed `teamwork-app-login-flow.txt` (Step Four: `POST /launchpad/v1/token.json`, JSON body with
`code`, `client_id`, `client_secret`, `redirect_uri`, all required, an `Origin` header when the app has
allowed origins; the answer: a permanent `tkn.v1_` token, `installation`, `status: ok`, `user`), Teamwork's
docs for the same page, and Teamwork's MCP server code for `userinfo.json` [3p]. The error bodies are not
documented: each is ours (`rules.TEAMWORK_ERRORS`).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from ..bearer import bearer_token
from ..errors import PlatformError
from . import rules
from .consent import Platforms
from .state import ClientProblem, CodeProblem, PlatformState

__all__ = ["router"]

router = APIRouter(prefix="/teamwork", tags=["teamwork"])
PLATFORM = "teamwork"
JSON_TYPE = "application/json"
REQUIRED = ("code", "client_id", "client_secret", "redirect_uri")  # "Required Field", all four [seed]
# The simulated installation and user [ours: values], shaped as the seed's example answer.
INSTALLATION_ID = 1
USER_ID = 1
COMPANY = {"id": 1, "name": "Simulator Company", "logo": ""}


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> PlatformError:
    """Teamwork's error body [ours]: `{"status": "error", "code", "message"}`, beside the success's `status: ok`."""
    return PlatformError(status, code, {"status": "error", "code": code, "message": message}, headers=headers)


async def _raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]


def site_url(request: Request, site: str | None = None) -> str:
    """The simulated site: `<simulator>/teamwork/`, or for a per-site login `<simulator>/teamwork/sites/{site}/`
    (the mapping of `https://{site}.teamwork.com/`); the installation's `apiEndPoint` and `url` [ours: values]."""
    base = str(request.base_url).rstrip("/") + "/teamwork/"
    return f"{base}sites/{site}/" if site else base


def _fields(request: Request, body: bytes) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != JSON_TYPE:  # "A content-type header of application/json needs to be sent" [seed]
        raise error(400, "invalid_request", f"Content-Type must be {JSON_TYPE}")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise error(400, "invalid_request", "The body must be a JSON object") from None
    if not isinstance(data, dict):
        raise error(400, "invalid_request", "The body must be a JSON object")
    missing = [name for name in REQUIRED if not isinstance(data.get(name), str) or not data[name]]
    if missing:
        raise error(400, "invalid_request", f"Required: {', '.join(missing)} (non-empty strings)")
    return {name: data[name] for name in REQUIRED}


def _check_origin(request: Request, allowed: list[str]) -> None:
    """The seed: "If your app has allowed origins, an additional origin header needs to be provided" [seed][doc]."""
    if not allowed:
        return
    origin = request.headers.get("origin")
    if origin is None:
        raise error(403, "origin_not_allowed", "This app has allowed origins: send an Origin header naming one")
    if origin.rstrip("/") not in {o.rstrip("/") for o in allowed}:
        raise error(403, "origin_not_allowed", f"Origin {origin} is not among the app's allowed origins")


@router.post("/launchpad/v1/token.json")
def token(request: Request, body: RawBody, platforms: Platforms) -> dict[str, Any]:
    """Exchange a code for a permanent token. Checks, in order: JSON, the four fields, client and secret,
    `Origin`, the code (15 minutes, single use, same redirect URI)."""
    fields = _fields(request, body)
    try:
        client = platforms.authenticate(PLATFORM, fields["client_id"], fields["client_secret"])
    except ClientProblem as problem:
        what = "client_id is unknown" if problem.reason == "unknown" else "client_secret is wrong"
        raise error(401, "invalid_client", f"Invalid client: {what}") from None
    _check_origin(request, client.allowed_origins)
    try:
        grant, family = platforms.redeem(
            PLATFORM, client.client_id, fields["code"], redirect_uri=fields["redirect_uri"]
        )
    except CodeProblem as problem:
        code = "redirect_uri_mismatch" if problem.reason == "redirect_uri" else "invalid_code"
        raise error(400, code, problem.detail) from None
    # Permanent: no expiry, no refresh token [seed: "a permanent access token"].
    access = platforms.issue_token(
        PLATFORM,
        client.client_id,
        rules.teamwork_token(),
        kind="access",
        scopes=grant.scopes,
        ttl_s=None,
        family=family,
    )
    # A code from a site's own login form is that site's installation [doc: the per-site form; ours: values].
    site = site_url(request, grant.site)
    return {
        "access_token": access,
        "installation": {
            "id": INSTALLATION_ID,
            "name": grant.site or "Simulator Site",
            "region": "US",
            "apiEndPoint": site,
            "url": site,
            "chatEnabled": False,
            "company": dict(COMPANY),
        },
        "status": "ok",
        "user": {
            "id": USER_ID,
            "firstName": "Simulator",
            "lastName": "User",
            "email": "sim-user@example.com",
            "avatar": "",
            "company": dict(COMPANY),
        },
    }


def _authenticated(request: Request, platforms: PlatformState) -> None:
    value = bearer_token(request.headers.get("authorization"))
    if value is None or platforms.resolve(PLATFORM, value) is None:
        # "Bearer XXX" in the Authorization header [seed, Step Five]; the refusal's body is ours.
        raise error(401, "unauthorized", "A valid Bearer token is required", {"WWW-Authenticate": "Bearer"})


@router.get("/launchpad/v1/userinfo.json")
def userinfo(request: Request, platforms: Platforms) -> dict[str, Any]:
    """Who the token belongs to: `user_id`, `installation_id`, `url` [3p: Teamwork's MCP server]."""
    _authenticated(request, platforms)
    return {"user_id": USER_ID, "installation_id": INSTALLATION_ID, "url": site_url(request)}
