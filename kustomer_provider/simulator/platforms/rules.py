"""Every rule of the simulated Teamwork.com, Komerza and apaleo, each with its source.

Sources: the seed documents (`shared/seeds/teamwork-app-login-flow.txt`, `komerza-oauth2-overview.txt`,
`apaleo-connect-client-registration.txt`) as gathered in `shared/other-platforms.md`, the platforms' public
docs ([doc]), RFC sections, and [ours] where nothing is documented (then the choice is ours, kept here so
one edit corrects it). `docs/simulator.md` lists the same rules per platform.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
from typing import Any, Final
from urllib.parse import urlsplit

__all__ = [
    "APALEO_ACCESS_TOKEN_TTL_S",
    "APALEO_ACCOUNT_SCOPE",
    "APALEO_CODE_TTL_S",
    "APALEO_OPENID",
    "APALEO_REFRESH_SCOPE",
    "DEV_CLIENTS",
    "DEV_REDIRECT_URIS",
    "KOMERZA_CODE_TTL_S",
    "KOMERZA_ERRORS",
    "KOMERZA_MAX_REDIRECT_URIS",
    "KOMERZA_SECRET_LENGTH",
    "KOMERZA_STORES",
    "KOMERZA_STORES_SCOPE",
    "PLATFORM_NAMES",
    "TEAMWORK_CODE_TTL_S",
    "TEAMWORK_ERRORS",
    "USED_CODE_MEMORY_S",
    "DevClient",
    "hs256_jwt",
    "is_loopback_host",
    "komerza_secret",
    "new_client_id",
    "new_client_secret",
    "new_code",
    "redirect_uri_problem",
    "teamwork_token",
]

# The platforms this simulator serves beside Kustomer, each under `/<name>` [ours: the URL mapping of the
# issue 14 contract, `B + "/" + platform + <path of the real URL>`].
PLATFORM_NAMES: Final = ("teamwork", "komerza", "apaleo")

# --- lifetimes -----------------------------------------------------------------------------------------
# Teamwork: the code "expires in 15 minutes" [seed: teamwork App Login Flow, Step Three].
TEAMWORK_CODE_TTL_S: Final = 900.0
# Komerza: "Authorization Code Validity | 1 minute (single-use)" [seed: Komerza OAuth2 overview].
KOMERZA_CODE_TTL_S: Final = 60.0
# apaleo: undocumented; IdentityServer's default authorization code lifetime, 300 s [ours, 3p], inside
# RFC 6749 §4.1.2's recommended maximum of 10 minutes.
APALEO_CODE_TTL_S: Final = 300.0
# apaleo: access tokens last one hour, `expires_in: 3600` [doc: apaleo "Authorization code grant"].
APALEO_ACCESS_TOKEN_TTL_S: Final = 3600
# Used and expired codes are remembered this long, so a late or second use is told apart from a code that
# never existed (Komerza's `code_expired` vs `invalid_code`) [ours].
USED_CODE_MEMORY_S: Final = 3600.0

# --- scopes --------------------------------------------------------------------------------------------
# apaleo: a refresh token only with `offline_access`, an `id_token` only with `openid` [doc: apaleo]; the
# account endpoint needs `account.read` [doc: apaleo API scopes].
APALEO_REFRESH_SCOPE: Final = "offline_access"
APALEO_OPENID: Final = "openid"
APALEO_ACCOUNT_SCOPE: Final = "account.read"
# Komerza: the stores endpoint needs `stores.read` [ours: Komerza's scope names are not in the seed].
KOMERZA_STORES_SCOPE: Final = "stores.read"
# Komerza: "the user picks which stores to grant" [seed]; the simulated user has these [ours].
KOMERZA_STORES: Final = (("store_sim_main", "Simulator Store"), ("store_sim_outlet", "Simulator Outlet"))

# --- registration --------------------------------------------------------------------------------------
# Komerza: "Max Redirect URLs | 10 per application" [seed]; the secret is 72 characters [doc: Komerza].
KOMERZA_MAX_REDIRECT_URIS: Final = 10
KOMERZA_SECRET_LENGTH: Final = 72

# --- errors --------------------------------------------------------------------------------------------
# Komerza's documented exchange errors [doc: Komerza "Exchange Code"], plus ours for what it leaves out:
# a missing User-Agent (the doc requires the header but names no error) [ours].
KOMERZA_ERRORS: Final = frozenset(
    {"invalid_code", "code_expired", "invalid_client_secret", "app_not_found", "user_agent_required"}
)
# Teamwork documents no error of its exchange: every code here is ours [ours], in a body shaped like its
# success answer (`status`, plus `code` and `message`).
TEAMWORK_ERRORS: Final = frozenset(
    {"invalid_request", "invalid_client", "origin_not_allowed", "invalid_code", "redirect_uri_mismatch"}
)


# --- values --------------------------------------------------------------------------------------------


def new_client_id() -> str:
    """A generated client id: 40 lowercase hex, the shape of the seed's Teamwork example [seed; ours elsewhere]."""
    return secrets.token_hex(20)


def new_client_secret() -> str:
    """A generated client secret (Teamwork, apaleo): 40 lowercase hex, as the Teamwork seed's example [ours]."""
    return secrets.token_hex(20)


def komerza_secret() -> str:
    """A Komerza client secret: 72 characters [doc: Komerza]."""
    return secrets.token_urlsafe(54)  # 54 bytes -> 72 base64url characters


def new_code() -> str:
    """An authorization code (a UUID-like value, as the Teamwork seed's example) [ours]."""
    raw = secrets.token_hex(16)
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


def teamwork_token() -> str:
    """A Teamwork access token: `tkn.v1_` and base64 [seed: the answer's example]."""
    return "tkn.v1_" + base64.b64encode(secrets.token_bytes(36)).decode("ascii")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def hs256_jwt(claims: dict[str, Any], key: bytes) -> str:
    """A compact JWS with HS256 (RFC 7515 §7.1, RFC 7518 §3.2).

    Komerza's key is a JWT [seed: "Token Type | JWT"]; apaleo's `id_token` too (OpenID Connect Core §2). HS256
    with a symmetric key is ours (OIDC Core §10.1 allows the client secret as the key; real servers use RS256).
    """
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    signature = hmac.new(key, f"{header}.{payload}".encode("ascii"), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


# --- redirect URIs -------------------------------------------------------------------------------------


def is_loopback_host(host: str | None) -> bool:
    """`localhost` or a loopback IP literal."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def redirect_uri_problem(platform: str, uri: str) -> str | None:
    """Why a platform's dashboard would refuse this redirect URI, or None.

    - Every platform: an absolute URI with a scheme and no fragment (RFC 6749 §3.1.2).
    - Teamwork: https, or http on localhost [doc: Teamwork "App Login Flow": "https unless localhost"]; a
      custom scheme (`customprotocolapp://whatever`) or a Chrome extension URL is allowed too [seed].
    - Komerza: "HTTPS in production" [seed]; apaleo: "using https" [seed]. Both: http on a loopback host is
      allowed as well, for local development (RFC 8252 §7.3) [ours: the dev clients need it].
    """
    parts = urlsplit(uri)
    if not parts.scheme or (parts.scheme in ("http", "https") and not parts.netloc):
        return "must be an absolute URI"
    if parts.fragment or uri.endswith("#"):
        return "must not have a fragment (RFC 6749 §3.1.2)"
    if any(ch.isspace() for ch in uri):
        return "must not contain spaces"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http":
        try:
            host = parts.hostname
        except ValueError:
            return "must have a valid host"
        return None if is_loopback_host(host) else "must use https (http only on localhost)"
    if platform == "teamwork":
        return None
    return "must use https (http only on localhost)"


# --- the built-in dev clients ------------------------------------------------------------------------
# Present in every simulator, like the dev API key `sim-dev-admin-key`: local-only values, not secrets
# [ours: the issue 14 contract], so the dev stack works without a setup step.
DEV_REDIRECT_URIS: Final = ("http://127.0.0.1:8765/callback", "https://example.com/oauth/callback")


class DevClient:
    """A built-in client: id, secret, scopes (redirect URIs: `DEV_REDIRECT_URIS`)."""

    def __init__(self, client_id: str, client_secret: str, scopes: tuple[str, ...]) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.scopes = scopes


DEV_CLIENTS: Final = {
    "teamwork": DevClient("sim-dev-teamwork-client", "sim-dev-teamwork-secret", ()),
    "komerza": DevClient(
        "sim-dev-komerza-client", "sim-dev-komerza-secret-".ljust(KOMERZA_SECRET_LENGTH, "x"), ("stores.read",)
    ),
    "apaleo": DevClient("sim-dev-apaleo-client", "sim-dev-apaleo-secret", ("openid", "offline_access", "account.read")),
}
