"""The helper's HTTP side: the authorize URL, the token endpoint, and the checks ``verify`` makes.

One ``httpx.Client`` with explicit timeouts over the package's outbound transport
(:mod:`kustomer_provider.outbound`): https only (http to a loopback simulator), no user info, a 40 s deadline
per request and a 4 MiB cap on each answer. ``transport=`` lets tests answer with ``httpx.MockTransport``
(wrapped by the same rules). Every answer is read without trust (:mod:`.answers`: any JSON shape, any number),
and every text that comes back from the network passes through :func:`~kustomer_provider.safe_text.safe_text`
before it reaches a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from .. import assumptions as decisions
from ..outbound import ATTEMPT_DEADLINE_S, MAX_ANSWER_BYTES, failure_text, outbound_client
from ..redaction import redact, register_secret
from ..safe_text import safe_text
from . import assumptions
from .answers import read_json, read_token_answer
from .errors import OAuthEndpointError
from .pkce import new_pkce, new_state
from .tokens import TokenSet

__all__ = ["DEFAULT_TIMEOUT", "Check", "OAuthClient", "build_authorize_url"]

#: Connect quickly or not at all; a token endpoint answers in well under the read limit.
DEFAULT_TIMEOUT: Final = httpx.Timeout(20.0, connect=5.0)
_USER_AGENT: Final = "kustomer-oauth-helper/1"
_BODY_EXCERPT: Final = 200


@dataclass(frozen=True)
class Check:
    """One line of ``verify``: passed, failed, or could not tell (``ok is None``)."""

    name: str
    ok: bool | None
    message: str


def build_authorize_url(
    authorize_url: str,
    *,
    client_id: str,
    redirect_uri: str,
    scopes: list[str],
    state: str,
    code_challenge: str,
) -> str:
    """The URL a person opens to authorize: code flow with ``state`` and a PKCE S256 challenge."""
    query = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": " ".join(scopes),
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    joiner = "&" if urlsplit(authorize_url).query else "?"
    return authorize_url + joiner + urlencode(query)


def _oauth_error(response: httpx.Response) -> tuple[str | None, str]:
    """``(error, description)`` of an OAuth error answer, each one safe line; the description falls back to the
    body. Any shape: a field that is not a string is left out."""
    body, problem = read_json(response.content)
    if problem is not None:
        return None, safe_text(response.content[: _BODY_EXCERPT * 4], limit=_BODY_EXCERPT).strip()
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        description = body.get("error_description")
        return safe_text(body["error"], limit=80), safe_text(description) if isinstance(description, str) else ""
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        code = first.get("code")
        said = next((first[k] for k in ("detail", "message", "title") if isinstance(first.get(k), str)), "")
        return (safe_text(code, limit=80) if isinstance(code, str) and code else None), safe_text(said)
    return None, ""


def _token_hint(error: str | None, description: str, grant: str) -> str:
    """What to do about a refusal of the token endpoint."""
    if error == "invalid_client" and "secret" in description.lower():
        return (
            "The client secret is wrong or was rotated (a new mint revokes the old one): take the current one "
            "from the stack (--from-stack, or `pulumi stack output apps --show-secrets`)."
        )
    if error == "invalid_client":
        return "The client id is unknown or the app is not installed in the org: install it, then try again."
    if error == "invalid_grant" and grant == "refresh_token":
        return "The refresh token is expired, revoked or already used: run `login` again."
    if error == "invalid_grant":
        return "The code expired, was already used, or the redirect URI or PKCE verifier differ: run `login` again."
    return "Check the client id, secret and token URL."


class OAuthClient:
    """Talks to one org's OAuth endpoints and API. Use as a context manager, or call ``close()``.

    Each request ends within ``attempt_deadline`` seconds and reads at most ``max_answer_bytes`` of its answer
    (the outbound transport's figures by default).
    """

    def __init__(
        self,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        attempt_deadline: float = ATTEMPT_DEADLINE_S,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
    ) -> None:
        self._http = outbound_client(
            timeout=timeout,
            transport=transport,
            attempt_deadline=attempt_deadline,
            max_answer_bytes=max_answer_bytes,
            headers={"User-Agent": _USER_AGENT},
        )

    def __enter__(self) -> OAuthClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise OAuthEndpointError(
                f"{method} {redact(url)} {failure_text(exc)}. Check --base-url / --org and that the host is "
                "reachable and answers promptly."
            ) from None

    # --- the token endpoint -------------------------------------------------------------------------

    def _token(self, token_url: str, form: dict[str, str], *, grant: str) -> httpx.Response:
        response = self._send("POST", token_url, data=form, headers={"Accept": "application/json"})
        if not response.is_success:
            error, description = _oauth_error(response)
            raise OAuthEndpointError(
                f"The token endpoint refused the {grant} grant: {response.status_code} {error or ''}"
                f"{': ' + description if description else ''}. {_token_hint(error, description, grant)}",
                status_code=response.status_code,
                error=error,
            )
        return response

    def exchange_code(
        self,
        token_url: str,
        *,
        client_id: str,
        client_secret: str,
        code: str,
        redirect_uri: str,
        code_verifier: str,
        api_base_url: str,
    ) -> TokenSet:
        """Exchange an authorization code (with its PKCE verifier) for tokens."""
        register_secret(code)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": client_id,
            "client_secret": client_secret,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        response = self._token(token_url, form, grant="authorization_code")
        return _tokens_of(response, token_url, what="code exchange", api_base_url=api_base_url, client_id=client_id)

    def refresh(self, tokens: TokenSet, *, client_id: str, client_secret: str, token_url: str) -> TokenSet:
        """Exchange the refresh token for a new pair (the old refresh token is then spent)."""
        if not tokens.refresh_token:
            raise OAuthEndpointError(
                "The token file has no refresh token: Kustomer gives one only when offline_access is among the "
                "scopes. Run `login --scopes '... offline_access'` again."
            )
        form = {
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "client_id": client_id,
            "client_secret": client_secret,
        }
        response = self._token(token_url, form, grant="refresh_token")
        return _tokens_of(
            response, token_url, what="refresh", api_base_url=tokens.api_base_url, client_id=client_id, previous=tokens
        )

    # --- verify's checks ----------------------------------------------------------------------------

    def check_authorize(self, authorize_url: str, *, client_id: str, redirect_uri: str, scopes: list[str]) -> Check:
        """Does authorize accept this client id and redirect URI (so: the app is installed)?"""
        name = f"authorize ({redirect_uri})"
        url = build_authorize_url(
            authorize_url,
            client_id=client_id,
            redirect_uri=redirect_uri,
            scopes=scopes,
            state=new_state(),
            code_challenge=new_pkce().challenge,
        )
        try:
            response = self._send("GET", url, follow_redirects=False)
        except OAuthEndpointError as exc:  # one check fails; verify goes on with the others
            return Check(name, False, str(exc))
        status = response.status_code
        if status in assumptions.AUTHORIZE_ACCEPTED_STATUSES:
            location = response.headers.get("location", "")
            try:
                parts = urlsplit(location)
            except ValueError:  # not a URL (a bracket that does not close): say so, do not guess
                return Check(name, None, f"could not tell: authorize redirected to '{safe_text(location)}', not a URL")
            query = parse_qs(parts.query)
            if location.startswith(redirect_uri) and "error" in query:
                return Check(name, False, f"authorize redirected back with error={safe_text(query['error'][0])}")
            how = "consent page shown" if status == 200 else f"{status} redirect to {safe_text(parts.netloc) or '?'}"
            return Check(name, True, f"client id and redirect URI accepted ({how})")
        error, description = _oauth_error(response)
        if error == "invalid_client" or "invalid client" in description.lower():
            return Check(
                name,
                False,
                f"authorize answered {status} Invalid Client: the app is registered but not installed in the org, "
                "or the client id is not this org's. Install the app (the stack installs it unless install: false; "
                "`pulumi up` again) and check the client id.",
            )
        if error == "invalid_request" and "redirect" in description.lower():
            return Check(
                name,
                False,
                f"authorize answered {status}: {description}. Add {redirect_uri} to the app's redirectUris, bump "
                "its version and `pulumi up`, or pass one of the registered URIs with --redirect-uri.",
            )
        return Check(name, False, f"authorize answered {status} {error or ''}: {description}")

    def check_client_secret(self, token_url: str, *, client_id: str, client_secret: str) -> Check:
        """Is the client secret accepted? (A refresh with a token that cannot exist; see ``assumptions``.)"""
        name = "client secret"
        form = {
            "grant_type": decisions.CLIENT_SECRET_PROBE_GRANT_TYPE,
            "refresh_token": decisions.CLIENT_SECRET_PROBE_REFRESH_TOKEN,
            "client_id": client_id,
            "client_secret": client_secret,
        }
        try:
            response = self._send("POST", token_url, data=form, headers={"Accept": "application/json"})
        except OAuthEndpointError as exc:
            return Check(name, False, str(exc))
        error, description = _oauth_error(response)
        verdict = decisions.secret_verdict(error)
        if verdict == "live":
            return Check(name, True, "accepted by the token endpoint")
        if verdict == "dead":
            return Check(
                name,
                False,
                f"the token endpoint answered {response.status_code} {error}: {description}. "
                f"{_token_hint(error, description, 'refresh_token')}",
            )
        return Check(name, None, f"could not tell: the token endpoint answered {response.status_code} {error or ''}")

    def check_access_token(self, api_base_url: str, tokens: TokenSet) -> Check:
        """Does the API accept the access token? (``GET /v1/users/current``, any roles.)"""
        name = "access token"
        if tokens.problem is not None:
            return Check(name, False, f"not sent: {tokens.problem}. Run login again.")
        url = f"{api_base_url.rstrip('/')}/v1/users/current"
        try:
            response = self._send("GET", url, headers={"Authorization": f"Bearer {tokens.access_token}"})
        except OAuthEndpointError as exc:
            return Check(name, False, str(exc))
        if response.status_code == 200:
            return Check(name, True, f"accepted by the API ({_who(response)})")
        _, description = _oauth_error(response)
        hint = "run `refresh` (or `login` again)" if response.status_code == 401 else "check the scopes"
        expired = " (expired by this machine's clock)" if tokens.expired() else ""
        return Check(name, False, f"GET {url} answered {response.status_code}: {description}{expired}; {hint}")


def _tokens_of(
    response: httpx.Response,
    token_url: str,
    *,
    what: str,
    api_base_url: str,
    client_id: str,
    previous: TokenSet | None = None,
) -> TokenSet:
    """The tokens of a 2xx token answer, whatever else it holds (the code or refresh token is spent by now)."""
    body, problem = read_json(response.content)
    if problem is not None:
        raise OAuthEndpointError(
            f"{token_url} answered the {what} with {response.status_code} and {problem}: no token to keep."
        )
    answer = read_token_answer(body)
    return TokenSet.from_answer(
        answer, what=what, client_id=client_id, token_url=token_url, api_base_url=api_base_url, previous=previous
    )


def _who(response: httpx.Response) -> str:
    """Who the API says the token belongs to (``/v1/users/current``), as far as the answer tells."""
    body, _ = read_json(response.content)
    data = body.get("data") if isinstance(body, dict) else None
    attributes = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(attributes, dict):
        return "a user; the answer does not say which"
    name, org = attributes.get("name"), attributes.get("orgName")
    who = safe_text(name, limit=80) if isinstance(name, str) and name else "a user"
    return f"{who} of {safe_text(org, limit=80)}" if isinstance(org, str) and org else who
