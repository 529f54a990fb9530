"""Every [ours] decision of the simulator, in one place.

Kustomer does not document these; each is our guess, kept here so that one edit corrects it after a
check against a real org. `docs/simulator.md` lists the same decisions.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from urllib.parse import urlencode

__all__ = [
    "ACCESS_TOKEN_TTL_S",
    "ADMIN_KEY_ROLES",
    "APP_NAME_PATTERN",
    "AUTH_CODE_TTL_S",
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
    "KEEP_ALIVE_S",
    "KNOWN_TOP_LEVEL_KEYS",
    "MAX_APP_NAME_LENGTH",
    "MISSING_ROLE_STATUS",
    "OFFLINE_ACCESS",
    "RATE_LIMIT_WINDOW_S",
    "READ_ROLES",
    "REFRESH_TOKEN_TTL_S",
    "SEMVER_PATTERN",
    "USER_NAME",
    "WRITE_ROLES",
    "bare_name",
    "fingerprint",
    "fingerprint_of_hash",
    "install_fail_matches",
    "install_fail_message",
    "namespaced_name",
    "new_client_id",
    "new_client_secret",
    "new_token",
    "org_id_for",
    "page_link",
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
ADMIN_KEY_ROLES: tuple[str, ...] = ("org.admin.apps", "org.permission.apps")
WRITE_ROLES: tuple[str, ...] = ("org.admin.apps", "org.permission.apps")  # all of them
READ_ROLES: tuple[str, ...] = (  # any of them
    "org.permission.apps.read",
    "org.admin.apps.read",
    "org.user.apps.read",
    "org.admin.apps",
    "org.permission.apps",
)
CUSTOMER_READ_ROLE = "org.permission.customer.read"
OFFLINE_ACCESS = "offline_access"
USER_NAME = "Simulator User"

# --- app definitions --------------------------------------------------------------------------------
APP_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# The namespaced name (`<app>_<orgId>` for private apps) may be at most this long [ours].
MAX_APP_NAME_LENGTH = 64
SEMVER_PATTERN = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?$"
)
DEFAULT_VISIBILITY = "private"
KNOWN_TOP_LEVEL_KEYS: frozenset[str] = frozenset(
    "app version title visibility description iconUrl redirectUris tags roles settings auth klasses kviews "
    "widgets hooks triggers actions workflows commands outboundWebhooks i18n changelog dependencies "
    "meta".split()
)

# --- lifetimes and limits ---------------------------------------------------------------------------
AUTH_CODE_TTL_S = 600.0  # codes are single use and valid 10 minutes [ours]
ACCESS_TOKEN_TTL_S = 86400  # one day [doc]
REFRESH_TOKEN_TTL_S = 14 * 86400.0  # two weeks unused [3p]
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
    match = SEMVER_PATTERN.match(version)
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
    """Scopes of an authorize request: space or `+` separated, duplicates dropped, order kept."""
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
