"""OAuth provider: consent page, authorization codes (PKCE S256) and the token endpoint."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from .. import rules
from ..errors import OAuthError
from .common import Context

__all__ = ["router"]

router = APIRouter(prefix="/oauth", tags=["oauth"])

# Query fields the consent form carries back, in this order.
AUTHORIZE_FIELDS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class AuthorizeRequest:
    """A checked authorize request."""

    client_id: str
    redirect_uri: str
    scopes: list[str]
    state: str | None
    code_challenge: str | None
    title: str
    org: str


def check_authorize(context: Context, params: Mapping[str, str]) -> AuthorizeRequest:
    """Validate an authorize request (GET query or POSTed form) in the documented order."""
    client_id = params.get("client_id", "")
    redirect_uri = params.get("redirect_uri", "")
    title, org = context.store.authorize_target(client_id, redirect_uri)
    if params.get("response_type") != "code":
        raise OAuthError(400, "invalid_request", "response_type must be code")
    challenge = params.get("code_challenge") or None
    method = params.get("code_challenge_method") or None
    if method is not None and method != "S256":
        raise OAuthError(400, "invalid_request", "code_challenge_method must be S256")
    if (challenge is None) != (method is None):
        raise OAuthError(400, "invalid_request", "code_challenge and code_challenge_method=S256 go together")
    return AuthorizeRequest(
        client_id=client_id,
        redirect_uri=redirect_uri,
        scopes=rules.split_scopes(params.get("scope", "")),
        state=params.get("state"),
        code_challenge=challenge,
        title=title,
        org=org,
    )


def _redirect(redirect_uri: str, params: dict[str, str], state: str | None) -> RedirectResponse:
    if state is not None:
        params = {**params, "state": state}
    joiner = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(redirect_uri + joiner + urlencode(params), status_code=302)


def _approve(context: Context, request: AuthorizeRequest) -> RedirectResponse:
    code = context.store.issue_code(request.client_id, request.redirect_uri, request.scopes, request.code_challenge)
    return _redirect(request.redirect_uri, {"code": code}, request.state)


def consent_page(request: AuthorizeRequest, params: Mapping[str, str]) -> str:
    """The consent page: app, org, scopes, and a form posting the query back with a decision."""
    esc = html.escape
    hidden = "\n".join(
        f'    <input type="hidden" name="{name}" value="{esc(params[name])}">'
        for name in AUTHORIZE_FIELDS
        if name in params
    )
    scopes = "\n".join(f"    <li>{esc(scope)}</li>" for scope in request.scopes) or "    <li>(none)</li>"
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Authorize {esc(request.title)}</title></head>
<body>
  <h1>Authorize {esc(request.title)}</h1>
  <p id="org">Org: {esc(request.org)}</p>
  <p><span id="app">{esc(request.title)}</span> asks for these permissions:</p>
  <ul id="scopes">
{scopes}
  </ul>
  <form method="post" action="/oauth/authorize">
{hidden}
    <button id="approve" name="decision" value="approve">Approve</button>
    <button id="deny" name="decision" value="deny">Deny</button>
  </form>
</body>
</html>
"""


async def read_form(request: Request) -> dict[str, str]:
    """Dependency: a form-encoded body (400 invalid_request for any other content type)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise OAuthError(400, "invalid_request", f"Content-Type must be {FORM_TYPE}")
    try:
        return dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError) as exc:
        raise OAuthError(400, "invalid_request", "The form body could not be parsed") from exc


Form = Annotated[dict[str, str], Depends(read_form)]


@router.get("/authorize", response_model=None)
def authorize(request: Request, context: Context) -> HTMLResponse | RedirectResponse:
    """Show the consent page, or with auto-consent redirect at once with a code."""
    params = dict(request.query_params)
    checked = check_authorize(context, params)
    if context.faults.auto_consent:
        return _approve(context, checked)
    return HTMLResponse(consent_page(checked, params))


@router.post("/authorize", response_model=None)
def authorize_decision(form: Form, context: Context) -> RedirectResponse:
    """The consent form's answer: approve (code) or deny (access_denied)."""
    checked = check_authorize(context, form)
    decision = form.get("decision")
    if decision == "approve":
        return _approve(context, checked)
    if decision == "deny":
        return _redirect(checked.redirect_uri, {"error": "access_denied"}, checked.state)
    raise OAuthError(400, "invalid_request", "decision must be approve or deny")


@router.post("/token")
def token(form: Form, response: Response, context: Context) -> dict[str, Any]:
    """Exchange a code or a refresh token for tokens; the client is checked first."""
    response.headers["Cache-Control"] = "no-store"
    store = context.store
    client_id = form.get("client_id", "")
    client_secret = form.get("client_secret", "")
    store.check_client(client_id, client_secret)
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        code = form.get("code")
        if not code:
            raise OAuthError(400, "invalid_request", "code is required")
        return store.exchange_code(client_id, client_secret, code, form.get("redirect_uri"), form.get("code_verifier"))
    if grant_type == "refresh_token":
        refresh_token = form.get("refresh_token")
        if not refresh_token:
            raise OAuthError(400, "invalid_request", "refresh_token is required")
        return store.refresh(client_id, client_secret, refresh_token)
    raise OAuthError(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported")
