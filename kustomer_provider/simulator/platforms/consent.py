"""The authorize page of every other platform, written once and mounted per platform from its `PlatformSpec`.

`GET /<platform><authorize path>` checks the request and shows a consent page (or, with auto-consent,
redirects at once with a code); the page's form `POST`s to the same path with the decision. The client and
the redirect URI are checked first, and an error about them is a 400 page, never a redirect to an untrusted
URI (RFC 6749 §4.1.2.1). Later errors go back to the redirect URI where the platform follows RFC 6749
(apaleo), else they are pages too [ours].
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from .. import rules as sim_rules
from ..routers.common import Context
from . import rules
from .spec import PlatformSpec
from .state import Client, PlatformState

__all__ = ["AuthorizeRequest", "authorize_router", "platform_state"]

# Parameters the consent form carries back (those present in the request), in this order.
FORM_FIELDS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)
_PAGE_FIELDS = frozenset({"client_id", "redirect_uri"})


def platform_state(request: Request) -> PlatformState:
    """Dependency: the platforms' state of this simulator (`app.state.platforms`, set by `create_app`)."""
    state: PlatformState = request.app.state.platforms
    return state


Platforms = Annotated[PlatformState, Depends(platform_state)]


class _Refused(Exception):
    """An authorize request refused: a 400 page, or a redirect back (`response`)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _error_page(error: str, description: str) -> _Refused:
    return _Refused(JSONResponse({"error": error, "error_description": description}, status_code=400))


def _redirect(redirect_uri: str, params: dict[str, str], state: str | None) -> RedirectResponse:
    if state is not None:
        params = {**params, "state": state}
    joiner = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(redirect_uri + joiner + urlencode(params), status_code=302)


@dataclass(frozen=True)
class AuthorizeRequest:
    """A checked authorize request."""

    client: Client
    redirect_uri: str
    scopes: list[str]
    state: str | None
    nonce: str | None
    code_challenge: str | None
    fields: dict[str, str]


def _pairs_to_values(pairs: Sequence[tuple[str, str]]) -> tuple[dict[str, str], set[str]]:
    values: dict[str, str] = {}
    repeated: set[str] = set()
    for name, value in pairs:
        if name == "store":  # the consent form's store choices may repeat
            continue
        if name in values:
            repeated.add(name)
        values[name] = value
    return values, repeated


def check_authorize(spec: PlatformSpec, platforms: PlatformState, pairs: Sequence[tuple[str, str]]) -> AuthorizeRequest:
    """Validate an authorize request (query or consent form) against the platform's rules."""
    values, repeated = _pairs_to_values(pairs)
    if repeated & _PAGE_FIELDS:
        raise _error_page("invalid_request", "client_id and redirect_uri must be sent once")
    client_id = values.get("client_id", "")
    if not client_id:  # required by every platform [doc: Teamwork, Komerza, apaleo authorize URLs]
        raise _error_page("invalid_request", "client_id is required")
    client = platforms.client(spec.name, client_id)
    if client is None:
        raise _error_page(spec.unknown_client_error, f"No {spec.title} app has the client id {client_id}")
    if client.kind != rules.CONNECT:  # a simple client uses client credentials only [doc: apaleo]
        raise _error_page("unauthorized_client", f"A {client.kind} client cannot use the authorization code flow")
    redirect_uri = values.get("redirect_uri", "")
    if not redirect_uri:  # required [doc: all three]
        raise _error_page("invalid_request", "redirect_uri is required")
    # Exact match with a registered URI: apaleo "trailing slash included" [doc]; Komerza "one of your
    # registered redirect URLs" [doc]; Teamwork lists them in the Credentials tab [doc] (exact match ours).
    if redirect_uri not in client.redirect_uris:
        raise _error_page("invalid_request", "redirect_uri is not registered for this client")
    # The platform's own rules hold here too, whatever a state file kept: apaleo never redirects to a URI
    # that is not https [seed: apaleo-connect-client-registration.txt, line 21].
    problem = rules.redirect_uri_problem(spec.name, redirect_uri)
    if problem is not None:
        raise _error_page("invalid_request", f"redirect_uri {problem}")
    state = values.get("state")

    def refuse(error: str, description: str) -> _Refused:
        if spec.redirect_errors:
            return _Refused(_redirect(redirect_uri, {"error": error, "error_description": description}, state))
        return _error_page(error, description)

    if repeated:  # RFC 6749 §3.1: parameters must not be included more than once
        raise refuse("invalid_request", f"parameters sent more than once: {', '.join(sorted(repeated))}")
    if spec.response_type is not None:  # RFC 6749 §4.1.1, §4.1.2.1
        response_type = values.get("response_type")
        if not response_type:
            raise refuse("invalid_request", "response_type is required")
        if response_type != spec.response_type:
            raise refuse("unsupported_response_type", f"response_type must be {spec.response_type}")
    if spec.scopes_in_request:
        scopes = sim_rules.split_scopes(values.get("scope", ""))
        if not scopes:  # apaleo's authorize URL carries `scope` [doc]; IdentityServer refuses it missing [3p]
            raise refuse("invalid_scope", "scope is required")
        unknown = [s for s in scopes if s not in client.scopes]
        if unknown:  # RFC 6749 §4.1.2.1 invalid_scope: only the scopes registered with the client [doc: apaleo]
            raise refuse("invalid_scope", f"scopes not registered for this client: {' '.join(unknown)}")
    else:
        scopes = list(client.scopes)  # declared at registration [seed: Komerza; doc: Teamwork products]
    challenge = method = None
    if spec.pkce:  # RFC 7636 §4.3; only S256 [ours, as Kustomer's simulator]
        challenge = values.get("code_challenge") or None
        method = values.get("code_challenge_method") or None
        if method is not None and method != sim_rules.CODE_CHALLENGE_METHOD:
            raise refuse("invalid_request", "code_challenge_method must be S256")
        if (challenge is None) != (method is None):
            raise refuse("invalid_request", "code_challenge and code_challenge_method=S256 go together")
        if challenge is not None and not sim_rules.PKCE_VALUE_PATTERN.fullmatch(challenge):
            raise refuse("invalid_request", "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")
    return AuthorizeRequest(
        client=client,
        redirect_uri=redirect_uri,
        scopes=scopes,
        state=state,
        nonce=values.get("nonce") or None,
        code_challenge=challenge,
        fields={name: values[name] for name in FORM_FIELDS if name in values},
    )


def _send_back(spec: PlatformSpec, redirect_uri: str, params: dict[str, str], state: str | None) -> Response:
    """Back to the redirect URI; for Teamwork's non-http(s) URIs a page saying the window may be closed [seed]."""
    response = _redirect(redirect_uri, params, state)
    if not spec.page_for_other_schemes or urlsplit(redirect_uri).scheme in ("http", "https"):
        return response
    target = html.escape(response.headers["location"])
    page = f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Logged in</title></head>
<body>
  <h1 id="result">Logged in</h1>
  <p>It is safe to close this window.</p>
  <p><a id="continue" href="{target}">Return to the app</a></p>
</body>
</html>
"""
    return HTMLResponse(page)


def _approve(
    spec: PlatformSpec, platforms: PlatformState, checked: AuthorizeRequest, stores: list[str], site: str | None
) -> Response:
    code = platforms.issue_code(
        spec.name,
        checked.client.client_id,
        redirect_uri=checked.redirect_uri,
        scopes=checked.scopes,
        stores=stores,
        code_challenge=checked.code_challenge,
        nonce=checked.nonce,
        site=site,
    )
    return _send_back(spec, checked.redirect_uri, {"code": code}, checked.state)


def consent_page(spec: PlatformSpec, checked: AuthorizeRequest, action: str, site: str | None = None) -> str:
    """The consent page: the app, the platform (and site), the scopes, the stores (Komerza) and Approve / Deny."""
    esc = html.escape
    title = checked.client.name or checked.client.client_id
    hidden = "\n".join(
        f'    <input type="hidden" name="{name}" value="{esc(value)}">' for name, value in checked.fields.items()
    )
    scopes = "\n".join(f"    <li>{esc(scope)}</li>" for scope in checked.scopes) or "    <li>(none)</li>"
    site_line = f'  <p id="site">Site: {esc(site)}</p>\n' if site else ""
    stores = ""
    if spec.choose_stores:
        boxes = "\n".join(
            f'    <label><input type="checkbox" name="store" value="{esc(sid)}" checked> {esc(label)}</label>'
            for sid, label in rules.KOMERZA_STORES
        )
        stores = f'  <fieldset id="stores"><legend>Stores to grant</legend>\n{boxes}\n  </fieldset>\n'
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Authorize {esc(title)} on {esc(spec.title)}</title></head>
<body>
  <h1>Authorize {esc(title)}</h1>
  <p id="platform">{esc(spec.title)} (simulated)</p>
{site_line}  <p><span id="app">{esc(title)}</span> asks for these permissions:</p>
  <ul id="scopes">
{scopes}
  </ul>
  <form method="post" action="{esc(action)}">
{hidden}
{stores}    <button id="approve" name="decision" value="approve">Approve</button>
    <button id="deny" name="decision" value="deny">Deny</button>
  </form>
</body>
</html>
"""


async def _form_pairs(request: Request) -> list[tuple[str, str]] | None:
    """The consent form's fields (form-encoded, UTF-8), or None when the body is not such a form."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != sim_rules.OAUTH_FORM_TYPE:
        return None
    try:
        return parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return None


FormPairs = Annotated[list[tuple[str, str]] | None, Depends(_form_pairs)]


def authorize_router(spec: PlatformSpec) -> APIRouter:
    """`GET` and `POST` of one platform's authorize page, at each of its spellings (and per site, where the
    platform has a per-site form)."""
    router = APIRouter(prefix=f"/{spec.name}", tags=[spec.name])
    paths = (spec.authorize_path, *spec.authorize_aliases)
    for index, path in enumerate(paths):
        suffix = "" if index == 0 else f"_{index}"
        _add_routes(router, spec, path, f"{spec.name}_authorize{suffix}", per_site=False)
        if spec.per_site:
            _add_routes(router, spec, f"/sites/{{site}}{path}", f"{spec.name}_site_authorize{suffix}", per_site=True)
    return router


_SITE = re.compile(rules.TEAMWORK_SITE_PATTERN)


def _site_of(spec: PlatformSpec, site: str | None) -> str | None:
    """The site of a per-site page, checked: one DNS label [ours]."""
    if site is not None and _SITE.fullmatch(site) is None:
        raise _error_page("invalid_request", f"No {spec.title} site {site!r}: a site is one lowercase DNS label")
    return site


def _add_routes(router: APIRouter, spec: PlatformSpec, path: str, name: str, *, per_site: bool) -> None:
    """One spelling of the authorize page: its `GET` (the consent page) and its `POST` (the decision)."""

    def action(site: str | None) -> str:
        return f"/{spec.name}" + (path.replace("{site}", site) if site else path)

    def show(request: Request, context: Context, platforms: PlatformState, site: str | None) -> Response:
        """The consent page, or with auto-consent a redirect with a code at once (every store granted)."""
        try:
            site = _site_of(spec, site)
            checked = check_authorize(spec, platforms, request.query_params.multi_items())
        except _Refused as refused:
            return refused.response
        if context.faults.auto_consent:
            every_store = [sid for sid, _ in rules.KOMERZA_STORES] if spec.choose_stores else []
            return _approve(spec, platforms, checked, every_store, site)
        return HTMLResponse(consent_page(spec, checked, action(site), site))

    def decide(pairs: list[tuple[str, str]] | None, platforms: PlatformState, site: str | None) -> Response:
        """The consent form's answer: approve (a code) or deny (`error=access_denied`)."""
        if pairs is None:
            return _error_page("invalid_request", "The consent form must be application/x-www-form-urlencoded").response
        try:
            site = _site_of(spec, site)
            checked = check_authorize(spec, platforms, pairs)
        except _Refused as refused:
            return refused.response
        decision = dict(pairs).get("decision")
        if decision == "deny":  # RFC 6749 §4.1.2.1 access_denied [ours for Teamwork and Komerza]
            return _send_back(spec, checked.redirect_uri, {"error": "access_denied"}, checked.state)
        if decision != "approve":
            return _error_page("invalid_request", "decision must be approve or deny").response
        stores: list[str] = []
        if spec.choose_stores:
            known = {sid for sid, _ in rules.KOMERZA_STORES}
            stores = [value for name, value in pairs if name == "store" and value in known]
            if not stores:  # the user picks which stores to grant [seed]; none is no grant [ours]
                return _error_page("invalid_request", "Choose at least one store to grant").response
        return _approve(spec, platforms, checked, stores, site)

    if per_site:

        @router.get(path, response_model=None, name=name)
        def authorize_site(site: str, request: Request, context: Context, platforms: Platforms) -> Response:
            return show(request, context, platforms, site)

        @router.post(path, response_model=None, name=f"{name}_decision")
        def decide_site(site: str, pairs: FormPairs, platforms: Platforms) -> Response:
            return decide(pairs, platforms, site)

        return

    @router.get(path, response_model=None, name=name)
    def authorize(request: Request, context: Context, platforms: Platforms) -> Response:
        return show(request, context, platforms, None)

    @router.post(path, response_model=None, name=f"{name}_decision")
    def decide_here(pairs: FormPairs, platforms: Platforms) -> Response:
        return decide(pairs, platforms, None)
