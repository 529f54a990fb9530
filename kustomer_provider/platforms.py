"""The OAuth platforms other than Kustomer, as data: one frozen description per platform, read by one flow.

Teamwork.com, Komerza and apaleo each let a person register an OAuth client in a dashboard and copy its
client id and secret; none has an API to create a client or mint a secret. What differs between them
(endpoints, how a code is exchanged, token lifetimes, redirect URI rules, their own registration fields,
whether a client can be verified without a user, how the dashboard rotates a secret) is written here once,
as a :class:`Platform`; the ``RegisteredOAuthClient`` resource and the OAuth helper read it and never
branch on a platform's name.

Each fact carries its source, as in ``docs/other-platforms.md``: **[seed]** the seed document
(``/work/shared/seeds``), **[doc]** the platform's public docs, **[3p]** third parties only, **[ours]** our
decision where nothing is documented. This module is the one place for every platform decision: each
[ours] here has a row in ``docs/other-platforms.md`` and a contract test (``tests/contract/test_platforms.py``).

Standard library only: the OAuth helper and the provider both import it, and it loads no Pulumi.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal
from urllib.parse import quote, urlencode, urlsplit

__all__ = [
    "PLATFORMS",
    "PLATFORM_NAMES",
    "USER_AGENT",
    "VERIFICATION_CODE",
    "ClientCredentials",
    "ClientVerdict",
    "Exchange",
    "ExchangeRequest",
    "OwnField",
    "Platform",
    "RedirectRules",
    "Verification",
    "apply_endpoint_base_url",
    "basic_authorization",
    "get_platform",
    "path_segment",
]

#: The ``User-Agent`` this project sends where a platform requires one (Komerza's exchange [doc]).
USER_AGENT: Final = "kustomer-pulumi/1 (RegisteredOAuthClient and the OAuth helper)"
#: [ours] The made-up authorization code of a verification exchange: no platform issues codes of this shape,
#: and it is safe in a URL path (Komerza puts the code in the path). Never a secret.
VERIFICATION_CODE: Final = "pulumi-verification-not-a-real-code"

Verdict = Literal["live", "rejected", "unknown"]


@dataclass(frozen=True)
class RedirectRules:
    """What a platform accepts as a redirect URI, and how many."""

    #: http is accepted on a loopback host (``localhost``, ``127.0.0.1``, ``[::1]``) besides https.
    http_on_loopback: bool
    #: Schemes other than http(s) are accepted (``customprotocolapp://whatever``, ``chrome-extension://<id>/``).
    custom_schemes: bool
    #: At most this many redirect URIs per client (``None``: no documented limit).
    max_count: int | None
    #: The authorize request's ``redirect_uri`` must equal a registered one byte for byte (trailing slash too).
    exact_match: bool
    source: str

    @property
    def https_only(self) -> bool:
        """Only https redirect URIs, loopback included (apaleo): no local listener can receive the code."""
        return not self.http_on_loopback and not self.custom_schemes


@dataclass(frozen=True)
class OwnField:
    """A registration field of one platform that its flow or its dashboard steps need (an input of the resource)."""

    #: The resource input's name (snake_case); the stack config item's key is its camelCase form.
    name: str
    required: bool
    description: str
    source: str


@dataclass(frozen=True)
class Exchange:
    """How an authorization code is exchanged for a token."""

    method: Literal["GET", "POST"]
    #: ``json`` (a JSON object), ``form`` (application/x-www-form-urlencoded) or ``none`` (no body).
    body: Literal["json", "form", "none"]
    #: Where the client id and secret go: in the body, in an ``X-Client-Secret`` header (the client id in the
    #: path), or HTTP Basic (RFC 6749 section 2.3.1).
    client_auth: Literal["body", "secret_header", "basic"]
    #: Where the code goes: the body, or the URL path (``.../exchange/{code}``).
    code_in: Literal["body", "path"]
    #: The ``grant_type`` sent with the code, if the platform uses one.
    grant_type: str | None
    #: The exchange repeats the ``redirect_uri`` of the authorize request.
    sends_redirect_uri: bool
    #: Headers the platform requires besides the body's content type.
    required_headers: tuple[str, ...]
    #: Headers sent only when the client has the matching own field (Teamwork's ``Origin``: allowed origins).
    optional_headers: tuple[str, ...]
    #: Where the token is in a successful answer (``access_token``; Komerza's envelope has it in ``data``).
    token_field: str
    source: str


@dataclass(frozen=True)
class ExchangeRequest:
    """One HTTP request, ready for ``httpx.Client.request(method, url, headers=, json=, data=)``.

    Its ``repr`` hides the headers and the body: they carry the client secret.
    """

    method: str
    url: str
    headers: Mapping[str, str] = field(repr=False)
    json: Mapping[str, str] | None = field(default=None, repr=False)
    data: Mapping[str, str] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ClientVerdict:
    """What one verification exchange says of a client id and secret."""

    #: ``live``: the platform accepted the client and refused only the made-up code; ``rejected``: it refused
    #: the client or its secret; ``unknown``: the answer does not say (or the platform cannot be asked).
    verdict: Verdict
    #: The platform's error code, as it answered it (``invalid_grant``, ``app_not_found``), if any.
    error: str | None = None
    #: The input the platform refused, for a ``rejected`` verdict: ``client_id``, ``client_secret`` or
    #: ``client_id or client_secret`` when the platform does not say which.
    field: str | None = None


@dataclass(frozen=True)
class Verification:
    """How a client id and secret are checked without a user: one exchange of :data:`VERIFICATION_CODE`.

    A platform that authenticates the client before it looks at the code (RFC 6749 section 5.2 orders the
    errors so) answers a wrong client or secret with one error and a made-up code with another.
    """

    #: Whether such an exchange tells anything; when not, ``reason`` says why, for the user.
    possible: bool
    reason: str
    #: The JSON fields of an error answer that hold the error code, in the order they are read.
    error_fields: tuple[str, ...] = ()
    #: Errors about the code or grant alone: the client and secret were accepted.
    live_errors: frozenset[str] = frozenset()
    #: Errors about the client, each with the input it blames.
    rejected_errors: Mapping[str, str] = field(default_factory=dict)
    source: str = ""

    def verdict(self, status_code: int, body: bytes | str) -> ClientVerdict:
        """Read one answer of a verification exchange. A 2xx (a made-up code accepted) or an unreadable or
        unexpected answer (a 5xx page, an error we do not know) is ``unknown``: never guess."""
        if not self.possible or 200 <= status_code < 300 or status_code >= 500:
            return ClientVerdict("unknown")
        try:
            answer = json.loads(body)
        except (ValueError, RecursionError):  # not JSON (or not UTF-8), or nested too deep to read
            return ClientVerdict("unknown")
        if not isinstance(answer, dict):
            return ClientVerdict("unknown")
        for name in self.error_fields:
            error = answer.get(name)
            if not isinstance(error, str):
                continue
            if error in self.live_errors:
                return ClientVerdict("live", error)
            if error in self.rejected_errors:
                return ClientVerdict("rejected", error, self.rejected_errors[error])
            return ClientVerdict("unknown", error[:64])
        return ClientVerdict("unknown")


@dataclass(frozen=True)
class ClientCredentials:
    """A kind of client that gets tokens without a user: the client credentials grant (RFC 6749 section 4.4).

    Such a client has no redirect URI; it is verified with a real token, which tells more than a made-up code.
    """

    #: The own field that names a client's kind, and the value that makes it this kind (apaleo: ``client_kind``
    #: ``simple``); the field's other value is the platform's usual, code-flow client.
    kind_field: str
    kind: str
    #: The value of ``kind_field`` for a code-flow client (its default).
    default_kind: str
    #: Errors of the grant that blame the client, each with the input it blames.
    rejected_errors: Mapping[str, str]
    source: str
    grant_type: str = "client_credentials"

    def verdict(self, status_code: int, body: bytes | str, error_fields: Sequence[str] = ("error",)) -> ClientVerdict:
        """Read the grant's answer: a token is ``live``; an error that blames the client ``rejected``; anything
        else (a 5xx, an unreadable body, an error we do not know) ``unknown``, never a guess."""
        try:
            answer = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return ClientVerdict("unknown")
        if not isinstance(answer, dict):
            return ClientVerdict("unknown")
        if 200 <= status_code < 300:
            token = answer.get("access_token")
            return ClientVerdict("live") if isinstance(token, str) and token else ClientVerdict("unknown")
        if status_code >= 500:
            return ClientVerdict("unknown")
        for name in error_fields:
            error = answer.get(name)
            if isinstance(error, str):
                if error in self.rejected_errors:
                    return ClientVerdict("rejected", error, self.rejected_errors[error])
                return ClientVerdict("unknown", error[:64])
        return ClientVerdict("unknown")


@dataclass(frozen=True)
class Platform:
    """One OAuth platform: what a registered client of it is and how its login flow runs."""

    name: str
    title: str
    #: The real authorize page, where the user's browser goes.
    authorize_url: str
    #: The parameters the authorize URL carries, in the documented order (``state`` is optional everywhere).
    authorize_params: tuple[str, ...]
    #: The real token endpoint; ``{client_id}`` is filled in (Komerza's exchange names the app in its path).
    token_url_template: str
    exchange: Exchange
    #: How long an authorization code lives, in seconds (``None``: not documented).
    code_lifetime_seconds: int | None
    #: Whether the platform issues refresh tokens (and, if one is needed, the scope that asks for them).
    refresh_tokens: bool
    refresh_scope: str | None
    #: How long an access token lives, in seconds (``None``: until revoked, or permanent).
    access_token_lifetime_seconds: int | None
    redirect_rules: RedirectRules
    #: Whether a client must list at least one scope (the authorize URL carries ``scope``).
    scopes_required: bool
    #: The platform's own registration fields the resource takes as inputs.
    own_fields: tuple[OwnField, ...]
    verification: Verification
    #: The dashboard where a person registers the client and rotates its secret; ``{site}`` is filled in.
    dashboard_url_template: str
    #: The dashboard's rotation steps, in order (no platform has an API that rotates a secret).
    rotation_steps: tuple[str, ...]
    #: Where each fact above comes from: attribute name -> ``[seed]``/``[doc]``/``[3p]``/``[ours]`` and a note.
    sources: Mapping[str, str]
    #: The length of every client secret of the platform, where it is documented.
    client_secret_length: int | None = None
    #: The per-site form of the authorize page (``{site}`` filled in), where the platform has one.
    site_authorize_url_template: str | None = None
    #: A second kind of client that uses the client credentials grant (apaleo's simple clients), if any.
    client_credentials: ClientCredentials | None = None

    def is_client_credentials_client(self, own_values: Mapping[str, object]) -> bool:
        """Whether a client with these own field values is of the client credentials kind."""
        cc = self.client_credentials
        return cc is not None and own_values.get(cc.kind_field) == cc.kind

    def site_authorize_url(self, site: str, endpoint_base_url: str | None = None) -> str:
        """The per-site authorize page of ``site``; ``ValueError`` for a platform without one."""
        if self.site_authorize_url_template is None:
            raise ValueError(f"{self.title} has no per-site login form")
        url = self.site_authorize_url_template.format(site=site)
        return apply_endpoint_base_url(url, self.name, endpoint_base_url)

    def client_credentials_request(
        self, *, client_id: str, client_secret: str, endpoint_base_url: str | None = None
    ) -> ExchangeRequest:
        """A client credentials grant (RFC 6749 section 4.4.2) with the platform's client authentication;
        ``ValueError`` for a platform without such clients."""
        cc = self.client_credentials
        if cc is None:
            raise ValueError(f"{self.title} has no clients of the client credentials grant")
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        form = {"grant_type": cc.grant_type}
        if self.exchange.client_auth == "basic":
            headers["Authorization"] = basic_authorization(client_id, client_secret)
        else:
            form.update(client_id=client_id, client_secret=client_secret)
        return ExchangeRequest("POST", self.token_url(client_id, endpoint_base_url), headers, data=form)

    def token_url(self, client_id: str, endpoint_base_url: str | None = None) -> str:
        """The token endpoint for ``client_id`` (Komerza's: the exchange URL up to ``/exchange``; the code is
        appended as one more path segment), mapped to ``endpoint_base_url`` when given."""
        url = self.token_url_template.format(client_id=path_segment(client_id))
        return apply_endpoint_base_url(url, self.name, endpoint_base_url)

    def authorize_endpoint(self, endpoint_base_url: str | None = None) -> str:
        """The authorize page, mapped to ``endpoint_base_url`` when given."""
        return apply_endpoint_base_url(self.authorize_url, self.name, endpoint_base_url)

    def authorize_request_url(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        state: str | None = None,
        scopes: Sequence[str] = (),
        endpoint_base_url: str | None = None,
    ) -> str:
        """The URL to send the user's browser to, with exactly the documented parameters."""
        values = {
            "response_type": "code",
            "scope": " ".join(scopes),
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
        }
        query = [(name, values[name]) for name in self.authorize_params if values.get(name)]
        return f"{self.authorize_endpoint(endpoint_base_url)}?{urlencode(query)}"

    def exchange_request(
        self,
        *,
        client_id: str,
        client_secret: str,
        code: str,
        redirect_uri: str,
        origin: str | None = None,
        endpoint_base_url: str | None = None,
        user_agent: str = USER_AGENT,
    ) -> ExchangeRequest:
        """The request that exchanges ``code`` for a token, as the platform documents it."""
        ex = self.exchange
        url = self.token_url(client_id, endpoint_base_url)
        headers: dict[str, str] = {"Accept": "application/json", "User-Agent": user_agent}
        fields: dict[str, str] = {}
        if ex.grant_type is not None:
            fields["grant_type"] = ex.grant_type
        if ex.code_in == "path":
            url = f"{url}/{path_segment(code)}"
        else:
            fields["code"] = code
        if ex.sends_redirect_uri:
            fields["redirect_uri"] = redirect_uri
        if ex.client_auth == "body":
            fields.update(client_id=client_id, client_secret=client_secret)
        elif ex.client_auth == "secret_header":
            headers["X-Client-Secret"] = client_secret
        else:
            headers["Authorization"] = basic_authorization(client_id, client_secret)
        if origin and "Origin" in ex.optional_headers:
            headers["Origin"] = origin
        if ex.body == "json":
            return ExchangeRequest(ex.method, url, headers, json=fields)
        if ex.body == "form":
            return ExchangeRequest(ex.method, url, headers, data=fields)
        return ExchangeRequest(ex.method, url, headers)

    def refresh_request(
        self, *, client_id: str, client_secret: str, refresh_token: str, endpoint_base_url: str | None = None
    ) -> ExchangeRequest:
        """The request that trades a refresh token for a new access token (RFC 6749 section 6), with the
        platform's client authentication; ``ValueError`` for a platform without refresh tokens."""
        if not self.refresh_tokens:
            raise ValueError(f"{self.title} issues no refresh tokens: its access token lasts until revoked")
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        if self.exchange.client_auth == "basic":
            headers["Authorization"] = basic_authorization(client_id, client_secret)
        else:
            form.update(client_id=client_id, client_secret=client_secret)
        return ExchangeRequest("POST", self.token_url(client_id, endpoint_base_url), headers, data=form)

    def verification_request(
        self, *, client_id: str, client_secret: str, redirect_uri: str, endpoint_base_url: str | None = None
    ) -> ExchangeRequest | None:
        """The exchange of :data:`VERIFICATION_CODE` that checks the client, or ``None`` where it tells nothing."""
        if not self.verification.possible:
            return None
        return self.exchange_request(
            client_id=client_id,
            client_secret=client_secret,
            code=VERIFICATION_CODE,
            redirect_uri=redirect_uri,
            endpoint_base_url=endpoint_base_url,
        )

    def dashboard_url(self, site: str | None = None) -> str:
        """The dashboard where the client is registered (Teamwork's is per site)."""
        return self.dashboard_url_template.format(site=site or "<your site>")

    def rotation_text(self, site: str | None = None) -> str:
        """The dashboard's rotation steps as one paragraph, numbered."""
        steps = [step.format(dashboard=self.dashboard_url(site)) for step in self.rotation_steps]
        return " ".join(f"({index}) {step}" for index, step in enumerate(steps, start=1))


def path_segment(value: str) -> str:
    """``value`` as one URL path segment that reaches the server as itself.

    Percent-encoded except the unreserved characters; a value of only dots (``.``, ``..``) has its dots encoded
    too, since clients remove dot segments from a path (RFC 3986 section 5.2.4: ``.../exchange/.`` would be sent
    as ``.../exchange/``). The server decodes ``%2E`` back to the dot (section 2.3).
    """
    segment = quote(value, safe="")
    return segment.replace(".", "%2E") if set(segment) <= {"."} else segment


def basic_authorization(client_id: str, client_secret: str) -> str:
    """HTTP Basic client authentication as RFC 6749 section 2.3.1 defines it: both form-encoded first."""
    pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def apply_endpoint_base_url(url: str, platform: str, endpoint_base_url: str | None) -> str:
    """A real platform URL, or its stand-in under ``endpoint_base_url`` (the simulator) when one is given.

    ``https://<any host><path>`` becomes ``<endpoint_base_url>/<platform><path>`` (docs/simulator.md):
    ``https://identity.apaleo.com/connect/token`` -> ``http://127.0.0.1:8787/apaleo/connect/token``. A site's
    own host (Teamwork's ``https://{site}.teamwork.com``) keeps its site: ``https://acme.teamwork.com/launchpad/
    login`` -> ``http://127.0.0.1:8787/teamwork/sites/acme/launchpad/login``.
    """
    if not endpoint_base_url:
        return url
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    site = _site_of_host(platform, parts.hostname)
    prefix = f"/{platform}/sites/{site}" if site else f"/{platform}"
    return f"{endpoint_base_url.rstrip('/')}{prefix}{path}"


def _site_of_host(platform: str, host: str | None) -> str | None:
    """The site a host names (``acme`` of ``acme.teamwork.com``), for a platform with per-site hosts; None for
    its own fixed hosts (``www.teamwork.com``) and every other host."""
    record = PLATFORMS.get(platform)
    if record is None or record.site_authorize_url_template is None or not host:
        return None
    suffix = (urlsplit(record.site_authorize_url_template.format(site="site")).hostname or "").removeprefix("site")
    fixed = {urlsplit(u).hostname for u in (record.authorize_url, record.token_url_template)}
    host = host.lower()
    if not suffix or host in fixed or not host.endswith(suffix):
        return None
    site = host[: -len(suffix)]
    return site if site and "." not in site else None


def _rotation(*steps: str) -> tuple[str, ...]:
    tail = (
        "give the new secret to this client's `client_secret` (in a stack: `pulumi config set --secret "
        "kustomer:<its clientSecretKey> <secret>`) and today's date to `secret_created_on`, then run `pulumi up`",
    )
    return (*steps, *tail)


TEAMWORK: Final = Platform(
    name="teamwork",
    title="Teamwork.com",
    authorize_url="https://www.teamwork.com/launchpad/login",
    authorize_params=("redirect_uri", "client_id", "state"),
    token_url_template="https://www.teamwork.com/launchpad/v1/token.json",  # noqa: S106 (a URL)
    exchange=Exchange(
        method="POST",
        body="json",
        client_auth="body",
        code_in="body",
        grant_type=None,
        sends_redirect_uri=True,
        required_headers=("Content-Type",),
        optional_headers=("Origin",),
        token_field="access_token",  # noqa: S106 (a field name)
        source="[seed] App Login Flow, step four: a JSON POST with code, client_id, redirect_uri, client_secret",
    ),
    code_lifetime_seconds=15 * 60,
    refresh_tokens=False,
    refresh_scope=None,
    access_token_lifetime_seconds=None,
    redirect_rules=RedirectRules(
        http_on_loopback=True,
        custom_schemes=True,
        max_count=None,
        exact_match=False,
        source=(
            "[doc] https unless localhost; [seed] custom schemes (customprotocolapp://whatever) and "
            "chrome.identity.getRedirectURL() URLs; [ours] 127.0.0.1 and [::1] count as localhost (RFC 8252 "
            "section 7.3), and javascript:, data:, file: and vbscript: are refused as schemes"
        ),
    ),
    scopes_required=False,
    own_fields=(
        OwnField(
            "site",
            required=False,
            description=(
                "The Teamwork site (the `acme` of https://acme.teamwork.com) whose Developer Portal holds the "
                "app: the messages link its portal. Default: none (the messages say `<your site>`)."
            ),
            source="[doc] the Developer Portal is https://{site}.teamwork.com/developer; [ours] the site's shape",
        ),
        OwnField(
            "origin",
            required=False,
            description=(
                "One of the app's allowed origins (`https://app.example.com`), sent as the exchange's `Origin` "
                "header; required by Teamwork when the app lists allowed origins. Default: none."
            ),
            source="[seed] 'If your app has allowed origins, an additional origin header needs to be provided'",
        ),
    ),
    verification=Verification(
        possible=False,
        reason=(
            "Teamwork does not document the errors of its token endpoint, so a refused made-up code cannot tell "
            "a wrong client secret from a wrong code"
        ),
        source="[ours] Teamwork's exchange errors are undocumented: no verdict is drawn from them",
    ),
    dashboard_url_template="https://{site}.teamwork.com/developer",
    rotation_steps=_rotation(
        "open the Developer Portal ({dashboard}) and select the app",
        "on its Credentials tab, generate a new client secret (if the portal offers no regeneration, register "
        "a new app and use its client id too) and copy it",
    ),
    sources=MappingProxyType(
        {
            "authorize_url": "[doc] https://www.teamwork.com/launchpad/login?redirect_uri=...&client_id=...",
            "token_url_template": "[seed][doc] POST https://www.teamwork.com/launchpad/v1/token.json",
            "code_lifetime_seconds": "[seed] the code 'expires in 15 minutes'",
            "refresh_tokens": "[seed] a permanent access token, no refresh token",
            "access_token_lifetime_seconds": "[seed] permanent",
            "scopes_required": "[doc] scopes are the products picked in the portal, not sent in the flow",
            "dashboard_url_template": "[doc] the Developer Portal, Credentials tab",
            "rotation_steps": "[ours] the seed and docs describe no rotation: a new secret or a new app",
            "site_authorize_url_template": (
                "[doc] the per-site form https://{site}.teamwork.com/launchpad/login; the guide also spells the "
                "page /launchpad/login/ (trailing slash) [doc]"
            ),
        }
    ),
    site_authorize_url_template="https://{site}.teamwork.com/launchpad/login",
)

KOMERZA: Final = Platform(
    name="komerza",
    title="Komerza",
    authorize_url="https://dashboard.komerza.com/auth/authorize",
    authorize_params=("client_id", "redirect_uri", "state"),
    token_url_template="https://api.komerza.com/oauth2/{client_id}/exchange",  # noqa: S106 (a URL)
    exchange=Exchange(
        method="GET",
        body="none",
        client_auth="secret_header",
        code_in="path",
        grant_type=None,
        sends_redirect_uri=False,
        required_headers=("X-Client-Secret", "User-Agent"),
        optional_headers=(),
        token_field="data",  # noqa: S106 (a field name)
        source="[doc] GET /oauth2/{appId}/exchange/{code} with X-Client-Secret and a User-Agent, server side only",
    ),
    code_lifetime_seconds=60,
    refresh_tokens=False,
    refresh_scope=None,
    access_token_lifetime_seconds=None,
    redirect_rules=RedirectRules(
        http_on_loopback=True,
        custom_schemes=False,
        max_count=10,
        exact_match=True,
        source=(
            "[seed] at most 10 redirect URLs, HTTPS 'in production environments'; [doc] redirect_uri must be one "
            "of the registered URLs; [ours] plain http only on a loopback host (a developer's machine)"
        ),
    ),
    scopes_required=False,
    own_fields=(),
    verification=Verification(
        possible=True,
        reason=(
            "an exchange of a made-up code: Komerza checks the app and its secret before the code "
            "(app_not_found / invalid_client_secret before invalid_code)"
        ),
        error_fields=("code", "error"),
        live_errors=frozenset({"invalid_code", "code_expired"}),
        rejected_errors=MappingProxyType({"app_not_found": "client_id", "invalid_client_secret": "client_secret"}),
        source=(
            "[doc] the four exchange errors; [ours] the app and secret are checked before the code, and the "
            "error is read from the answer's `code` field (Komerza's envelope: success, message, code, data), "
            "else from `error`"
        ),
    ),
    dashboard_url_template="https://dashboard.komerza.com",
    rotation_steps=_rotation(
        "open the Komerza Dashboard ({dashboard}) and your OAuth2 application",
        "generate a new client secret (72 characters) and copy it; the old one stops working",
    ),
    sources=MappingProxyType(
        {
            "authorize_url": "[doc] https://dashboard.komerza.com/auth/authorize?client_id=...&redirect_uri=...",
            "token_url_template": "[doc] GET https://api.komerza.com/oauth2/{appId}/exchange/{code}",
            "code_lifetime_seconds": "[seed] 'Authorization Code Validity: 1 minute (single-use)'",
            "refresh_tokens": "[seed][doc] a JWT API key valid until revoked, no refresh token",
            "access_token_lifetime_seconds": "[seed] 'API Key Validity: Until revoked'",
            "client_secret": "[doc] the secret is 72 characters",
            "scopes_required": "[seed] permissions are declared with the application, not sent in the flow",
            "dashboard_url_template": "[seed] 'Register your OAuth2 application in the Komerza Dashboard'",
            "rotation_steps": "[ours] the seed describes no rotation: the dashboard's application page",
        }
    ),
    client_secret_length=72,
)

#: apaleo's simple clients ("custom apps"): the client credentials grant, no redirect URI.
_APALEO_SIMPLE: Final = ClientCredentials(
    kind_field="client_kind",
    kind="simple",
    default_kind="connect",
    rejected_errors=MappingProxyType(
        {"invalid_client": "client_id or client_secret", "unauthorized_client": "client_kind"}
    ),
    source=(
        "[doc] apaleo 'Register an OAuth simple client (custom) app' (no redirect URI) and 'OAuth 2.0 and OpenID "
        "connect basics' (the token endpoint takes 'client credentials'); RFC 6749 section 5.2: invalid_client for "
        "a wrong client or secret, unauthorized_client for a client not allowed the grant (a connect client)"
    ),
)

APALEO: Final = Platform(
    name="apaleo",
    title="apaleo",
    authorize_url="https://identity.apaleo.com/connect/authorize",
    authorize_params=("response_type", "scope", "client_id", "redirect_uri", "state"),
    token_url_template="https://identity.apaleo.com/connect/token",  # noqa: S106 (a URL)
    exchange=Exchange(
        method="POST",
        body="form",
        client_auth="basic",
        code_in="body",
        grant_type="authorization_code",
        sends_redirect_uri=True,
        required_headers=("Authorization",),
        optional_headers=(),
        token_field="access_token",  # noqa: S106 (a field name)
        source="[doc] POST /connect/token, a form, HTTP Basic client authentication (RFC 6749 section 2.3.1)",
    ),
    code_lifetime_seconds=None,
    refresh_tokens=True,
    refresh_scope="offline_access",
    access_token_lifetime_seconds=3600,
    redirect_rules=RedirectRules(
        http_on_loopback=False,
        custom_schemes=False,
        max_count=None,
        exact_match=True,
        source=(
            "[seed] apaleo-connect-client-registration.txt line 21 (Redirect URIs): 'Ensure the redirect URI can be "
            "called, and is using https' (no exception for loopback); [doc] exact match, trailing slash included"
        ),
    ),
    scopes_required=True,
    own_fields=(
        OwnField(
            "client_code",
            required=True,
            description=(
                "The app's client code, its unique key in the apaleo Dashboard (My store apps): the rotation steps "
                "name the app by it."
            ),
            source="[seed] 'Client code: Unique key for the client application'; [ours] its shape",
        ),
        OwnField(
            "client_kind",
            required=False,
            description=(
                "`connect` (a store app: the authorization code flow, https redirect URIs) or `simple` (a custom app: "
                "the client credentials grant, no redirect URI; verified with a real token). Default: connect."
            ),
            source="[seed] connect clients; [doc] simple clients; [ours] the input's name and values",
        ),
    ),
    verification=Verification(
        possible=True,
        reason=(
            "a token request with a made-up authorization code and HTTP Basic client authentication: apaleo "
            "authenticates the client first (invalid_client) and only then the grant (invalid_grant)"
        ),
        error_fields=("error",),
        live_errors=frozenset({"invalid_grant", "unauthorized_client"}),
        rejected_errors=MappingProxyType({"invalid_client": "client_id or client_secret"}),
        source=(
            "[doc] RFC 6749 errors (an IdentityServer); [ours] the client is checked before the grant, as RFC 6749 "
            "section 5.2 orders them, so invalid_grant means the client and secret are right"
        ),
    ),
    dashboard_url_template="https://app.apaleo.com",
    rotation_steps=_rotation(
        "log into the apaleo Dashboard ({dashboard}) as an administrator, Apps > My store apps, and open the app",
        "under Secrets, add a new secret and copy it",
        "once every consumer uses it, delete the old secret there",
    ),
    sources=MappingProxyType(
        {
            "authorize_url": "[doc] https://identity.apaleo.com/connect/authorize?response_type=code&scope=...",
            "token_url_template": "[doc] POST https://identity.apaleo.com/connect/token",
            "code_lifetime_seconds": "[ours] not documented: no lifetime is assumed",
            "refresh_tokens": "[doc] grant_type=refresh_token, with offline_access asked at authorize",
            "access_token_lifetime_seconds": "[doc] expires_in: 3600",
            "scopes_required": "[doc] the authorize URL carries scope",
            "dashboard_url_template": "[seed] the apaleo Dashboard, Apps > My store apps; [3p] app.apaleo.com",
            "rotation_steps": "[seed] 'add a new secret to your app to get a new client secret'",
            "client_credentials": "[doc] simple clients ('custom apps') use the client credentials grant",
        }
    ),
    client_credentials=_APALEO_SIMPLE,
)

#: Every platform by name.
PLATFORMS: Final[Mapping[str, Platform]] = MappingProxyType({p.name: p for p in (TEAMWORK, KOMERZA, APALEO)})
#: The platform names, in order: the values of the resource's ``platform`` input.
PLATFORM_NAMES: Final = tuple(PLATFORMS)


def get_platform(name: str) -> Platform:
    """The platform called ``name``; ``ValueError`` listing the known ones."""
    try:
        return PLATFORMS[name]
    except (KeyError, TypeError):
        raise ValueError(f"must be one of {', '.join(map(repr, PLATFORM_NAMES))}; got {name!r}") from None
