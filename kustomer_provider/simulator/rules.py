"""Every [ours] decision of the simulator, in one place.

Kustomer does not document these; each is our guess, kept here so that one edit corrects it after a
check against a real org. `docs/simulator.md` lists the same decisions.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import re
import secrets
from collections.abc import Mapping
from typing import Final
from urllib.parse import unquote_plus, urlencode

__all__ = [
    "ACCESS_TOKEN_TTL_S",
    "ADMIN_KEY_ROLES",
    "APP_NAME_PATTERN",
    "AUTHORIZE_ERRORS",
    "AUTH_CODE_TTL_S",
    "CODE_CHALLENGE_METHOD",
    "CONTROL_TOKEN_ENV",
    "CONTROL_TOKEN_HEADER",
    "CUSTOMER_READ_ROLE",
    "DEFAULT_API_KEY",
    "DEFAULT_HOST",
    "DEFAULT_INSTALL_MS",
    "DEFAULT_ORG",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_POD",
    "DEFAULT_PORT",
    "DEFAULT_RATE_LIMIT",
    "DEFAULT_VISIBILITY",
    "INVALID_CLIENT",
    "INVALID_CLIENT_SECRET",
    "KEEP_ALIVE_S",
    "KNOWN_TOP_LEVEL_KEYS",
    "MAX_APP_NAME_LENGTH",
    "MINT_NOT_INSTALLED_CODE",
    "MINT_NOT_INSTALLED_STATUS",
    "MISSING_ROLE_STATUS",
    "OAUTH_FORM_TYPE",
    "OFFLINE_ACCESS",
    "PKCE_VALUE_PATTERN",
    "RATE_LIMIT_WINDOW_S",
    "READ_ROLES",
    "REFRESH_TOKEN_IDLE_S",
    "RESPONSE_TYPE",
    "SEMVER_PATTERN",
    "TOKEN_ERRORS",
    "TOKEN_RESPONSE_HEADERS",
    "USER_NAME",
    "WRITE_ROLES",
    "WWW_AUTHENTICATE_BASIC",
    "allowed_control_hosts",
    "bare_name",
    "basic_credentials",
    "exposed_bind_warning",
    "fingerprint",
    "fingerprint_of_hash",
    "install_fail_matches",
    "install_fail_message",
    "is_loopback_address",
    "mint_not_installed_message",
    "namespaced_name",
    "new_client_id",
    "new_client_secret",
    "new_control_token",
    "new_token",
    "org_id_for",
    "page_link",
    "refresh_scopes",
    "s256_challenge",
    "secret_hash",
    "semver_key",
    "split_scopes",
    "user_id_for",
]

# --- command-line defaults -------------------------------------------------------------------------
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
DEFAULT_ORG = "acme"
DEFAULT_POD = "prod1"
# The documented development default: a local-only key, not a secret.
DEFAULT_API_KEY = "sim-dev-admin-key"
DEFAULT_PAGE_SIZE = 100
DEFAULT_INSTALL_MS = 300.0
DEFAULT_RATE_LIMIT = 1000

# --- roles ------------------------------------------------------------------------------------------
# A key lacking a role: 403 by default (HTTP's meaning, RFC 9110 §15.5.4); Kustomer's older error
# reference lists 401 for it, which the fault setting `missing_role_status` reproduces.
MISSING_ROLE_STATUS = 403
# Registering, installing and minting need both roles [doc: "API keys and roles"; seed tutorial, prerequisites].
ADMIN_KEY_ROLES: tuple[str, ...] = ("org.admin.apps", "org.permission.apps")
WRITE_ROLES: tuple[str, ...] = ("org.admin.apps", "org.permission.apps")  # all of them
# Reads need org.permission.apps.read; the legacy read roles still work [doc: "API keys and roles"].
READ_ROLES: tuple[str, ...] = (  # any of them
    "org.permission.apps.read",
    "org.admin.apps.read",
    "org.user.apps.read",
    "org.admin.apps",
    "org.permission.apps",
)
CUSTOMER_READ_ROLE = "org.permission.customer.read"
OFFLINE_ACCESS = "offline_access"  # asks for a refresh token [doc: seed tutorial, Step 3]
USER_NAME = "Simulator User"

# --- app definitions --------------------------------------------------------------------------------
# "No spaces or dashes" [doc: "Register and install", "App definition"]; lowercase, digits and `_` with a
# letter first is our reading of its examples [ours]. Matched whole (`fullmatch`: a `$` would let a trailing
# newline through) and ASCII only.
APP_NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
# The namespaced name (`<app>_<orgId>` for private apps) may be at most this long [ours].
MAX_APP_NAME_LENGTH = 64
# `version` is semver MAJOR.MINOR.PATCH with an optional pre-release [doc: "Versioning"]: semver.org's grammar,
# with ASCII digits only (`\d` would take any Unicode digit); matched whole.
SEMVER_PATTERN = re.compile(
    r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(?:-((?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*))?"
)
DEFAULT_VISIBILITY = "private"  # without `visibility` an app is private, so namespaced [ours]
# The strict schema: an unknown top-level key fails registration with 400 [doc: "App definition"].
KNOWN_TOP_LEVEL_KEYS: frozenset[str] = frozenset(
    "app version title visibility description iconUrl redirectUris tags roles settings auth klasses kviews "
    "widgets hooks triggers actions workflows commands outboundWebhooks i18n changelog dependencies "
    "meta".split()
)

# --- the order of install and secret ----------------------------------------------------------------
# The seed tutorial: "Install the app before you continue to Step 2: Generate a client secret." So a mint
# for an app with no installed version is refused. What Kustomer answers then is not documented [ours]:
# 409 (the app's state forbids it; the request itself is fine) in the JSON:API error shape, naming the app.
MINT_NOT_INSTALLED_STATUS = 409
MINT_NOT_INSTALLED_CODE = "app_not_installed"


def mint_not_installed_message(name: str) -> str:
    """The `detail` of a refused mint: which app, and what to do first."""
    return (
        f"App {name} is not installed in this org. Install it (POST /v1/apps/install) and wait until its "
        "status is installed before generating a client secret."
    )


# --- lifetimes and limits ---------------------------------------------------------------------------
# Codes are single use and valid 10 minutes [ours]: RFC 6749 §4.1.2 recommends "a maximum authorization
# code lifetime of 10 minutes"; Kustomer does not say.
AUTH_CODE_TTL_S = 600.0
ACCESS_TOKEN_TTL_S = 86400  # one day, `expires_in: 86400` [doc: seed tutorial, "POST /oauth/token"]
# Refresh tokens live until invalidated (used, revoked by a code replay, their app deleted): the seed
# tutorial says an app "can request new access tokens indefinitely until you invalidate the refresh
# token". A third party claims two weeks unused [3p]: `--refresh-token-idle-days` sets such a limit.
REFRESH_TOKEN_IDLE_S: float | None = None
# Idle keep-alive connections are closed after this long, like a cloud load balancer's default [ours].
KEEP_ALIVE_S = 60
RATE_LIMIT_WINDOW_S = 60.0  # fixed window per org [doc]; x-ratelimit-reset in seconds [ours]


def org_id_for(org: str) -> str:
    """Stable 24-hex org id of an org name."""
    return hashlib.sha256(b"kustomer-sim-org:" + org.encode()).hexdigest()[:24]


def user_id_for(org: str) -> str:
    """Stable 24-hex id of the org's one simulated user."""
    return hashlib.sha256(b"kustomer-sim-user:" + org.encode()).hexdigest()[:24]


def namespaced_name(app: str, org_id: str, visibility: str) -> str:
    """Name under which a version is registered: private apps get `_<orgId>` appended once."""
    suffix = f"_{org_id}"
    if visibility != "private" or app.endswith(suffix):
        return app
    return app + suffix


def bare_name(name: str, org_id: str) -> str:
    """The app name without its `_<orgId>` namespace suffix."""
    suffix = f"_{org_id}"
    return name[: -len(suffix)] if name.endswith(suffix) else name


def new_client_id() -> str:
    """Client id made at an app's first registration: 24 lowercase hex."""
    return secrets.token_hex(12)


def new_client_secret() -> str:
    """A freshly minted client secret."""
    return secrets.token_urlsafe(32)


def new_token() -> str:
    """An opaque OAuth code, access token or refresh token."""
    return secrets.token_urlsafe(32)


def secret_hash(value: str) -> str:
    """Full sha256 hex of a secret or token: the only form in which the simulator keeps it."""
    return hashlib.sha256(value.encode()).hexdigest()


def fingerprint(secret: str) -> str:
    """Non-secret fingerprint of a client secret (the provider's `fingerprint` output uses the same rule)."""
    return secret_hash(secret)[:16]


def fingerprint_of_hash(hashed: str) -> str:
    """The fingerprint of a secret known only by its `secret_hash`."""
    return hashed[:16]


def semver_key(version: str) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]:
    """Sort key implementing semver precedence (a pre-release is lower than its release)."""
    match = SEMVER_PATTERN.fullmatch(version)
    if match is None:
        raise ValueError(f"not a semver version: {version!r}")
    major, minor, patch, pre = match.groups()
    if pre is None:
        return int(major), int(minor), int(patch), 1, ()
    parts: list[tuple[int, int | str]] = [(0, int(part)) if part.isdigit() else (1, part) for part in pre.split(".")]
    return int(major), int(minor), int(patch), 0, tuple(parts)


def install_fail_matches(name: str, org_id: str, patterns: list[str] | tuple[str, ...]) -> bool:
    """True when `--install-fail` names this app, by namespaced or bare name."""
    return name in patterns or bare_name(name, org_id) in patterns


def install_fail_message(name: str) -> str:
    """The `error` of a simulated failed install (names the namespaced app)."""
    return f"Install failed: simulated failure for {name}"


def split_scopes(scope: str) -> list[str]:
    """Scopes of an authorize request: space or `+` separated, duplicates dropped, order kept.

    Space-delimited per RFC 6749 §3.3; the seed tutorial writes them joined by a literal `+`
    (`scope=org.permission.customer+org.permission.conversation+offline_access`), which a query
    decodes to spaces, but a `+` left encoded (`%2B`) is split on too [ours].
    """
    seen: dict[str, None] = {}
    for part in re.split(r"[\s+]+", scope.strip()):
        if part:
            seen[part] = None
    return list(seen)


def page_link(path: str, page: int, page_size: int) -> str:
    """A paging link: the path with ``?page=N&pageSize=M``, relative to the base URL.

    Source: Kustomer's "Pagination" doc page (``page`` from 1 and ``pageSize``; ``links.next`` is the path
    of the next page). That the link is relative, not absolute, is ours.
    """
    return f"{path}?{urlencode({'page': page, 'pageSize': page_size})}"


# --- OAuth provider ---------------------------------------------------------------------------------
# Where Kustomer's docs speak (the seed tutorial, "OAuth 2.0 Provider"; developer.kustomer.com "OAuth")
# they rule; where they are silent, RFC 6749 (OAuth 2.0) and RFC 7636 (PKCE) do. The routers in
# `routers/oauth.py` apply these rules and name them.

# Token requests are form-encoded [doc: seed tutorial, `content-type: application/x-www-form-urlencoded`;
# RFC 6749 §4.1.3, §6]. Anything else is `invalid_request` (RFC 6749 §5.2).
OAUTH_FORM_TYPE: Final = "application/x-www-form-urlencoded"
# Only the code flow [doc: seed tutorial, `response_type` set to `code`]; any other value is
# `unsupported_response_type`, sent back by redirect (RFC 6749 §4.1.2.1).
RESPONSE_TYPE: Final = "code"
# PKCE with S256 [doc: Kustomer "OAuth" page]; `plain` (RFC 7636 §4.2's default) is refused with
# `invalid_request` (RFC 7636 §4.4.1: "transform algorithm not supported") [ours: no plain].
CODE_CHALLENGE_METHOD: Final = "S256"
# code_verifier (and the challenge): 43..128 unreserved characters [RFC 7636 §4.1, §4.2].
PKCE_VALUE_PATTERN: Final = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
# "Invalid Client": an unknown client, or an app not installed [doc: seed tutorial, Step 3, 400
# "Invalid Client"]. A wrong or revoked secret is told apart, 401 (RFC 6749 §5.2) [ours: wording].
INVALID_CLIENT: Final = "Invalid Client"
INVALID_CLIENT_SECRET: Final = "Invalid client secret"  # noqa: S105 (an error message)
# A 401 names the scheme the client may use (RFC 6749 §5.2: with the Authorization header the 401
# MUST carry a matching WWW-Authenticate; §2.3.1: Basic MUST be supported).
WWW_AUTHENTICATE_BASIC: Final = 'Basic realm="kustomer-simulator", charset="UTF-8"'
# Token answers, errors included, are never cached [RFC 6749 §5.1: `Cache-Control: no-store`,
# `Pragma: no-cache`].
TOKEN_RESPONSE_HEADERS: Final[Mapping[str, str]] = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# The `error` codes each endpoint may answer [RFC 6749 §4.1.2.1 (authorize) and §5.2 (token)].
AUTHORIZE_ERRORS: Final = frozenset(
    {
        "invalid_request",
        "unauthorized_client",
        "access_denied",
        "unsupported_response_type",
        "invalid_scope",
        "server_error",
        "temporarily_unavailable",
    }
)
TOKEN_ERRORS: Final = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
    }
)


def basic_credentials(header: str) -> tuple[str, str] | None:
    """Client id and secret of an `Authorization: Basic` header, or None if it is not a valid one.

    RFC 6749 §2.3.1: the id and the secret are form-urlencoded (Appendix B) before they are joined by
    `:` and base64-encoded (RFC 7617), so each part is decoded after the split.
    """
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        text = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    client_id, colon, client_secret = text.partition(":")
    if not colon:
        return None
    return unquote_plus(client_id), unquote_plus(client_secret)


def s256_challenge(verifier: str) -> str:
    """`BASE64URL(SHA256(ASCII(code_verifier)))` without padding [RFC 7636 §4.2]."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def refresh_scopes(granted: list[str], requested: str | None) -> list[str] | None:
    """Scopes of an access token made by a refresh; None when the request asks for more than granted.

    RFC 6749 §6: `scope` is optional, "if omitted is treated as equal to the scope originally granted",
    and "MUST NOT include any scope not originally granted" (else `invalid_scope`, §5.2). A subset gives
    an access token of that subset; the new refresh token keeps the original scope (§6, last paragraph).
    """
    if requested is None or not requested.strip():
        return list(granted)
    wanted = split_scopes(requested)
    if not set(wanted) <= set(granted):
        return None
    return wanted


# --- control API (`/_sim/*`) ------------------------------------------------------------------------
# [ours] Not a Kustomer API: the simulator's own. Changes (keys, faults, state) need this header with the
# control token; reads stay open on loopback. The token comes from `--control-token` or this variable,
# or is generated at start.
CONTROL_TOKEN_HEADER: Final = "X-Sim-Control-Token"  # noqa: S105 (a header name)
CONTROL_TOKEN_ENV: Final = "KUSTOMER_SIM_CONTROL_TOKEN"  # noqa: S105 (a variable name)
_LOOPBACK_NAMES: Final = ("127.0.0.1", "localhost", "[::1]")


def new_control_token() -> str:
    """A fresh control token (printed at start and written to the token file)."""
    return secrets.token_urlsafe(24)


def _host_literal(host: str) -> str:
    """`host` as it appears in a Host header (IPv6 in brackets)."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def allowed_control_hosts(bound_host: str, local_address: str | None, port: int) -> frozenset[str]:
    """Host header values the control API accepts: loopback names, the bound host and the local address.

    A web page can make the browser send anything but the Host of its own origin; refusing foreign
    names defeats DNS rebinding. The local address is the IP the connection reached (a LAN client of a
    simulator bound to 0.0.0.0 uses it). Port 80 may be left out, as browsers do.
    """
    names = {*_LOOPBACK_NAMES, _host_literal(bound_host)}
    if local_address:
        names.add(_host_literal(local_address))
    hosts = {f"{name.lower()}:{port}" for name in names}
    if port == 80:
        hosts |= {name.lower() for name in names}
    return frozenset(hosts)


def is_loopback_address(host: str) -> bool:
    """True for `localhost` and for IP literals in the loopback ranges (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def exposed_bind_warning(host: str) -> str | None:
    """The stderr warning for a bind address other machines can reach; None for loopback."""
    if is_loopback_address(host):
        return None
    everywhere = " (every interface)" if host in ("0.0.0.0", "::", "") else ""  # noqa: S104 (recognised, not bound)
    return (
        f"simulator: WARNING: listening on {host}{everywhere}, reachable from other machines. Anyone who can "
        "reach it can use its API keys and OAuth endpoints; its control API still needs the control token. "
        "Bind 127.0.0.1 (the default) unless you mean it."
    )
