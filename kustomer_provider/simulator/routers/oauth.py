"""OAuth provider: consent page, authorization codes (PKCE S256) and the token endpoint.

Kustomer's docs rule where they speak (the seed tutorial: the code flow, form-encoded token requests
with `client_id` / `client_secret` fields, the answer's fields, refresh rotation, 400 "Invalid Client"
before install); RFC 6749 and RFC 7636 rule where they are silent. Each rule is in `rules.py` with its
source; this module checks the syntax of a request, `store.py` everything that needs state.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from .. import rules
from ..errors import OAuthError
from ..records import ClientAuth
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
# Errors about these fields are shown as a page, never sent to the (unverified) redirect URI
# (RFC 6749 §4.1.2.1).
_PAGE_FIELDS = frozenset({"client_id", "redirect_uri"})


@dataclass(frozen=True)
class Params:
    """Parameters of a request: the values, and the names sent more than once (RFC 6749 §3.1 forbids it)."""

    values: dict[str, str]
    repeated: frozenset[str] = frozenset()
    problem: str | None = None  # why the body could not be read (then `values` is empty)

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> Params:
        """Collect pairs; a repeated name keeps its last value and is listed in `repeated`."""
        values: dict[str, str] = {}
        repeated: set[str] = set()
        for name, value in pairs:
            if name in values:
                repeated.add(name)
            values[name] = value
        return cls(values, frozenset(repeated))


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
    params: Mapping[str, str] = field(repr=False)


class RedirectError(Exception):
    """An authorize error sent back to a valid redirect URI (RFC 6749 §4.1.2.1)."""

    def __init__(self, redirect_uri: str, state: str | None, error: str, description: str) -> None:
        super().__init__(error)
        self.response = _redirect(redirect_uri, {"error": error, "error_description": description}, state)


def check_authorize(context: Context, params: Params) -> AuthorizeRequest:
    """Validate an authorize request (GET query or POSTed form).

    Client and redirect URI first: an error about them is a 400 page (RFC 6749 §4.1.2.1; "Invalid
    Client" before install [doc: seed]). Every later error is a redirect to the redirect URI carrying
    `error`, `error_description` and `state`: `RedirectError`.
    """
    values = params.values
    if params.repeated & _PAGE_FIELDS:
        raise OAuthError(400, "invalid_request", "client_id and redirect_uri must be sent once")
    client_id = values.get("client_id", "")
    redirect_uri = values.get("redirect_uri", "")
    title, org = context.store.authorize_target(client_id, redirect_uri)
    state = values.get("state")

    def refuse(error: str, description: str) -> RedirectError:
        return RedirectError(redirect_uri, state, error, description)

    if params.repeated:
        raise refuse("invalid_request", f"parameters sent more than once: {', '.join(sorted(params.repeated))}")
    response_type = values.get("response_type")
    if not response_type:
        raise refuse("invalid_request", "response_type is required")
    if response_type != rules.RESPONSE_TYPE:
        raise refuse("unsupported_response_type", "response_type must be code")
    challenge = values.get("code_challenge") or None
    method = values.get("code_challenge_method") or None
    if method is not None and method != rules.CODE_CHALLENGE_METHOD:
        raise refuse("invalid_request", "code_challenge_method must be S256")
    if (challenge is None) != (method is None):
        raise refuse("invalid_request", "code_challenge and code_challenge_method=S256 go together")
    if challenge is not None and not rules.PKCE_VALUE_PATTERN.fullmatch(challenge):
        raise refuse("invalid_request", "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")
    return AuthorizeRequest(
        client_id=client_id,
        redirect_uri=redirect_uri,
        scopes=rules.split_scopes(values.get("scope", "")),
        state=state,
        code_challenge=challenge,
        title=title,
        org=org,
        params=values,
    )


def _redirect(redirect_uri: str, params: dict[str, str], state: str | None) -> RedirectResponse:
    if state is not None:
        params = {**params, "state": state}
    joiner = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(redirect_uri + joiner + urlencode(params), status_code=302)


def _approve(context: Context, request: AuthorizeRequest) -> RedirectResponse:
    code = context.store.issue_code(request.client_id, request.redirect_uri, request.scopes, request.code_challenge)
    return _redirect(request.redirect_uri, {"code": code}, request.state)


def consent_page(request: AuthorizeRequest) -> str:
    """The consent page: app, org, scopes, and a form posting the query back with a decision."""
    esc = html.escape
    params = request.params
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


async def read_form(request: Request) -> Params:
    """Dependency: a form-encoded body [doc: seed tutorial; RFC 6749 §4.1.3]; `problem` says why not.

    It never raises, so that the token endpoint can answer every error with its no-store headers.
    """
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != rules.OAUTH_FORM_TYPE:
        return Params({}, problem=f"Content-Type must be {rules.OAUTH_FORM_TYPE}")
    try:
        text = (await request.body()).decode("utf-8")
        return Params.of(parse_qsl(text, keep_blank_values=True, errors="strict"))
    except (UnicodeDecodeError, ValueError):
        return Params({}, problem="The form body could not be parsed (UTF-8, application/x-www-form-urlencoded)")


Form = Annotated[Params, Depends(read_form)]


@router.get("/authorize", response_model=None)
def authorize(request: Request, context: Context) -> HTMLResponse | RedirectResponse:
    """Show the consent page, or with auto-consent redirect at once with a code."""
    try:
        checked = check_authorize(context, Params.of(request.query_params.multi_items()))
    except RedirectError as refused:
        return refused.response
    if context.faults.auto_consent:
        return _approve(context, checked)
    return HTMLResponse(consent_page(checked))


@router.post("/authorize", response_model=None)
def authorize_decision(form: Form, context: Context) -> RedirectResponse:
    """The consent form's answer: approve (code) or deny (access_denied)."""
    if form.problem is not None:
        raise OAuthError(400, "invalid_request", form.problem)
    try:
        checked = check_authorize(context, form)
    except RedirectError as refused:
        return refused.response
    decision = form.values.get("decision")
    if decision == "approve":
        return _approve(context, checked)
    if decision == "deny":
        return _redirect(checked.redirect_uri, {"error": "access_denied"}, checked.state)
    raise OAuthError(400, "invalid_request", "decision must be approve or deny")


def client_auth(form: Mapping[str, str], authorization: str | None) -> ClientAuth:
    """The client's credentials: HTTP Basic (RFC 6749 §2.3.1, MUST be supported) or the form fields
    `client_id` / `client_secret` [doc: seed tutorial]. One method per request (RFC 6749 §2.3).

    A `client_id` field beside Basic is allowed when it names the same client (RFC 6749 §4.1.3).
    """
    if authorization is None:
        return ClientAuth(form.get("client_id", ""), form.get("client_secret", ""), basic=False)
    credentials = rules.basic_credentials(authorization)
    if credentials is None:
        raise OAuthError(
            401,
            "invalid_client",
            "The Authorization header must be HTTP Basic with the client id and secret",
            headers={"WWW-Authenticate": rules.WWW_AUTHENTICATE_BASIC},
        )
    client_id, client_secret = credentials
    if "client_secret" in form:
        raise OAuthError(400, "invalid_request", "Use one client authentication method: Basic or client_secret")
    if "client_id" in form and form["client_id"] != client_id:
        raise OAuthError(400, "invalid_request", "client_id differs from the Authorization header's")
    return ClientAuth(client_id, client_secret, basic=True)


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    if not value:
        raise OAuthError(400, "invalid_request", f"{name} is required")
    return value


def _grant(form: Params, authorization: str | None, context: Context) -> dict[str, Any]:
    """Authenticate the client, then (only then) look at the grant [ours: the order a secret probe needs]."""
    if form.problem is not None:
        raise OAuthError(400, "invalid_request", form.problem)
    values = form.values
    auth = client_auth(values, authorization)
    store = context.store
    store.check_client(auth)
    if form.repeated:
        raise OAuthError(400, "invalid_request", f"parameters sent more than once: {', '.join(sorted(form.repeated))}")
    grant_type = values.get("grant_type")
    if not grant_type:
        raise OAuthError(400, "invalid_request", "grant_type is required")
    if grant_type == "authorization_code":
        code = _required(values, "code")
        verifier = values.get("code_verifier")
        if verifier is not None and not rules.PKCE_VALUE_PATTERN.fullmatch(verifier):
            raise OAuthError(
                400, "invalid_request", "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~"
            )
        return store.exchange_code(auth, code, values.get("redirect_uri"), verifier)
    if grant_type == "refresh_token":
        return store.refresh(auth, _required(values, "refresh_token"), values.get("scope"))
    raise OAuthError(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported")


@router.post("/token")
def token(request: Request, form: Form, context: Context) -> JSONResponse:
    """Exchange a code or a refresh token for tokens; every answer carries the no-store headers."""
    try:
        answer = _grant(form, request.headers.get("authorization"), context)
    except OAuthError as exc:
        exc.headers = {**exc.headers, **rules.TOKEN_RESPONSE_HEADERS}
        raise
    return JSONResponse(answer, headers=dict(rules.TOKEN_RESPONSE_HEADERS))
