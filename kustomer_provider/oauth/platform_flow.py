"""One login flow for Teamwork.com, Komerza and apaleo, read from their descriptions in ``kustomer_provider.platforms``.

The description says where the authorize page and the token endpoint are, how a code is exchanged (Teamwork's
JSON ``POST``, Komerza's ``GET`` with ``X-Client-Secret`` and a ``User-Agent``, apaleo's form with HTTP Basic),
whether there are refresh tokens, and how a client is verified without a user; this module only sends what it
builds and reads the answers. Nothing here branches on a platform's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final
from urllib.parse import urlencode, urlsplit

import httpx

from ..outbound import failure_text
from ..platforms import ExchangeRequest, Platform, apply_endpoint_base_url
from ..redaction import redact, register_secret
from ..safe_text import safe_text
from . import assumptions
from .answers import read_json, read_token_answer
from .client import Check
from .errors import OAuthEndpointError
from .tokens import TokenSet

__all__ = ["PlatformFlow", "endpoint_base_from_url"]

_BODY_EXCERPT: Final = 200
_ERROR_FIELDS: Final = ("error", "code")
_DESCRIPTION_FIELDS: Final = ("error_description", "message")


def endpoint_base_from_url(url: str, real_url: str, platform: str) -> str | None:
    """The ``endpoint_base_url`` that maps ``real_url`` to ``url`` (a stack's output), or None for the real one.

    ``http://127.0.0.1:8787/apaleo/connect/token`` against ``https://identity.apaleo.com/connect/token``
    gives ``http://127.0.0.1:8787`` (the mapping of ``platforms.apply_endpoint_base_url``, undone).
    """
    if url.rstrip("/") == real_url.rstrip("/"):
        return None
    suffix = f"/{platform}{urlsplit(real_url).path}"
    if url.endswith(suffix):
        return url[: -len(suffix)] or None
    return None


def _error_of(response: httpx.Response) -> tuple[str | None, str]:
    """``(error code, description)`` of a platform's error answer, whatever its envelope; each one safe line."""
    body, problem = read_json(response.content)
    if problem is not None:
        return None, safe_text(response.content[: _BODY_EXCERPT * 4], limit=_BODY_EXCERPT).strip()
    if not isinstance(body, dict):
        return None, ""
    error = next((body[f] for f in _ERROR_FIELDS if isinstance(body.get(f), str)), None)
    description = next((body[f] for f in _DESCRIPTION_FIELDS if isinstance(body.get(f), str)), "")
    return (safe_text(error, limit=80) if error is not None else None), safe_text(description)


def _hint(platform: Platform, error: str | None) -> str:
    """What to do about a refused exchange, from the platform's own verification table where it knows."""
    rejected = platform.verification.rejected_errors.get(error or "")
    if rejected:
        return (
            f"{platform.title} refused the {rejected}: take the current one from its dashboard "
            f"({platform.dashboard_url()}) or the stack (--from-stack), then run login again."
        )
    return "The code expired, was already used, or the redirect URI differs: run login again."


@dataclass(frozen=True)
class PlatformFlow:
    """The helper's flow for one platform, at its real hosts or under ``endpoint_base_url`` (the simulator)."""

    platform: Platform
    endpoint_base_url: str | None = None

    @property
    def pkce(self) -> bool:
        """Whether login sends a PKCE challenge (``assumptions.PKCE_PLATFORMS``)."""
        return self.platform.name in assumptions.PKCE_PLATFORMS

    @property
    def api_check_url(self) -> str:
        """The API endpoint ``verify`` calls with the token (``assumptions.API_CHECKS``)."""
        return apply_endpoint_base_url(
            assumptions.API_CHECKS[self.platform.name], self.platform.name, self.endpoint_base_url
        )

    def authorize_url(
        self, *, client_id: str, redirect_uri: str, scopes: Sequence[str], state: str, code_challenge: str | None
    ) -> str:
        """The URL the browser opens: the platform's documented parameters, plus PKCE where it is used."""
        url = self.platform.authorize_request_url(
            client_id=client_id,
            redirect_uri=redirect_uri,
            state=state,
            scopes=scopes,
            endpoint_base_url=self.endpoint_base_url,
        )
        if self.pkce and code_challenge:
            url += "&" + urlencode({"code_challenge": code_challenge, "code_challenge_method": "S256"})
        return url

    # --- requests ------------------------------------------------------------------------------------------

    @staticmethod
    def _send(http: httpx.Client, request: ExchangeRequest) -> httpx.Response:
        try:
            return http.request(
                request.method,
                request.url,
                headers=dict(request.headers),
                json=dict(request.json) if request.json is not None else None,
                data=dict(request.data) if request.data is not None else None,
            )
        except httpx.HTTPError as exc:
            raise OAuthEndpointError(
                f"{request.method} {redact(request.url)} {failure_text(exc)}. Check --base-url and that the host is "
                "reachable and answers promptly."
            ) from None

    def _tokens(self, response: httpx.Response, *, what: str, client_id: str, previous: TokenSet | None) -> TokenSet:
        """Read a token answer (the token in the description's ``token_field``), or raise the refusal."""
        title = self.platform.title
        if not response.is_success:
            error, description = _error_of(response)
            raise OAuthEndpointError(
                f"{title} refused the {what}: {response.status_code} {error or ''}"
                f"{': ' + description if description else ''}. {_hint(self.platform, error)}",
                status_code=response.status_code,
                error=error,
            )
        token_url = self.platform.token_url(client_id, self.endpoint_base_url)
        body, problem = read_json(response.content)
        if problem is not None:
            raise OAuthEndpointError(
                f"{title} answered the {what} with {response.status_code} and {problem}: no token to keep."
            )
        answer = read_token_answer(
            body,
            token_field=self.platform.exchange.token_field if previous is None else "access_token",
            default_lifetime=self.platform.access_token_lifetime_seconds,
            token_type_optional=self.platform.name in assumptions.TOKEN_TYPE_OPTIONAL,
        )
        check_url = self.api_check_url
        # Teamwork's answer names the API host of the installation [seed: "apiEndPoint"]; keep it with the token.
        return TokenSet.from_answer(
            answer,
            what=what,
            client_id=client_id,
            token_url=token_url,
            api_base_url=answer.api_endpoint or _origin(check_url),
            platform=self.platform.name,
            api_check_url=check_url,
            previous=previous,
        )

    def exchange_code(
        self,
        http: httpx.Client,
        *,
        client_id: str,
        client_secret: str,
        code: str,
        redirect_uri: str,
        code_verifier: str | None,
        origin: str | None,
    ) -> TokenSet:
        """Exchange the code the way the platform documents it."""
        register_secret(code)
        request = self.platform.exchange_request(
            client_id=client_id,
            client_secret=client_secret,
            code=code,
            redirect_uri=redirect_uri,
            origin=origin,
            endpoint_base_url=self.endpoint_base_url,
        )
        if self.pkce and code_verifier and request.data is not None:
            request = replace(request, data={**request.data, "code_verifier": code_verifier})  # RFC 7636 §4.5
        return self._tokens(self._send(http, request), what="code exchange", client_id=client_id, previous=None)

    def refresh(self, http: httpx.Client, tokens: TokenSet, *, client_id: str, client_secret: str) -> TokenSet:
        """A new access token from the refresh token (rotated: the answer's refresh token replaces it)."""
        if not tokens.refresh_token:
            scope = self.platform.refresh_scope or "its refresh scope"
            raise OAuthEndpointError(
                f"The token file has no refresh token: {self.platform.title} gives one only when {scope} is among "
                f"the scopes. Run login --scopes '... {scope}' again."
            )
        request = self.platform.refresh_request(
            client_id=client_id,
            client_secret=client_secret,
            refresh_token=tokens.refresh_token,
            endpoint_base_url=self.endpoint_base_url,
        )
        response = self._send(http, request)
        fresh = self._tokens(response, what="refresh", client_id=client_id, previous=tokens)
        return replace(fresh, api_base_url=tokens.api_base_url, id_token=fresh.id_token or tokens.id_token)

    # --- verify --------------------------------------------------------------------------------------------

    def check_client(self, http: httpx.Client, *, client_id: str, client_secret: str, redirect_uri: str) -> Check:
        """The client id and secret, without a user: one exchange of a made-up code, where the platform tells."""
        name = "client secret"
        verification = self.platform.verification
        request = self.platform.verification_request(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            endpoint_base_url=self.endpoint_base_url,
        )
        if request is None:
            return Check(name, None, f"not checked: {verification.reason}")
        try:
            response = self._send(http, request)
        except OAuthEndpointError as exc:  # one check fails; verify goes on with the others
            return Check(name, False, str(exc))
        verdict = verification.verdict(response.status_code, response.content)
        if verdict.verdict == "live":
            return Check(
                name, True, f"client id and secret accepted ({self.platform.title} refused only the made-up code)"
            )
        if verdict.verdict == "rejected":
            return Check(
                name,
                False,
                f"{self.platform.title} answered {response.status_code} {safe_text(verdict.error, limit=80)}: the "
                f"{verdict.field} is wrong. "
                f"{_hint(self.platform, verdict.error)}",
            )
        return Check(name, None, f"could not tell: {self.platform.title} answered {response.status_code}")

    def check_token(self, http: httpx.Client, tokens: TokenSet) -> Check:
        """Does the platform's API accept the token? (``assumptions.API_CHECKS``.)"""
        name = "access token"
        if tokens.problem is not None:
            return Check(name, False, f"not sent: {tokens.problem}. Run login again.")
        url = tokens.api_check_url or self.api_check_url
        try:
            response = http.get(url, headers={"Authorization": f"Bearer {tokens.access_token}"})
        except httpx.HTTPError as exc:
            return Check(name, False, f"GET {redact(url)} {failure_text(exc)}")
        if response.is_success:
            return Check(name, True, f"accepted by {self.platform.title}'s API (GET {url})")
        error, description = _error_of(response)
        expired = " (expired by this machine's clock)" if tokens.expired() else ""
        hint = "run refresh (or login again)" if self.platform.refresh_tokens else "run login again"
        detail = f"{error or ''}{': ' + description if description else ''}"
        return Check(name, False, f"GET {url} answered {response.status_code} {detail}{expired}; {hint}")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
