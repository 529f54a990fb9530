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
import threading
from typing import Any, Final
from urllib.parse import urlsplit

__all__ = [
    "APALEO_ACCESS_TOKEN_TTL_S",
    "APALEO_ACCOUNT_SCOPE",
    "APALEO_CODE_TTL_S",
    "APALEO_DISCOVERY_PATH",
    "APALEO_OPENID",
    "APALEO_PATHS",
    "APALEO_REFRESH_SCOPE",
    "APALEO_REVOKING_KINDS",
    "APALEO_SIGNING_ALG",
    "APALEO_SIMPLE",
    "APALEO_USER_SCOPES",
    "CLIENT_KINDS",
    "CONNECT",
    "DEV_CLIENTS",
    "DEV_REDIRECT_URIS",
    "KOMERZA_CODE_TTL_S",
    "KOMERZA_ERRORS",
    "KOMERZA_MAX_REDIRECT_URIS",
    "KOMERZA_SECRET_LENGTH",
    "KOMERZA_STORES",
    "KOMERZA_STORES_SCOPE",
    "KOMERZA_STORE_NOT_FOUND",
    "PLATFORM_NAMES",
    "REVOCATION_HINTS",
    "TEAMWORK_CODE_TTL_S",
    "TEAMWORK_ERRORS",
    "TEAMWORK_SITE_PATTERN",
    "USED_CODE_MEMORY_S",
    "DevClient",
    "SigningKey",
    "at_hash",
    "dev_redirect_uris",
    "hs256_jwt",
    "is_loopback_host",
    "komerza_secret",
    "new_client_id",
    "new_client_secret",
    "new_code",
    "redirect_uri_problem",
    "rs256_jwt",
    "signing_key",
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
# Komerza: reading a store needs the `stores.view` permission [doc: Komerza "Get store by ID", `GET
# /stores/{storeId}`: "Requires the stores.view permission"].
KOMERZA_STORES_SCOPE: Final = "stores.view"
# Komerza: a store the key was not granted [ours: 404 and the code `store_not_found`; the doc lists no error].
KOMERZA_STORE_NOT_FOUND: Final = "store_not_found"
# Komerza: "the user picks which stores to grant" [seed]; the simulated user has these [ours].
KOMERZA_STORES: Final = (("store_sim_main", "Simulator Store"), ("store_sim_outlet", "Simulator Outlet"))

# --- client kinds --------------------------------------------------------------------------------------
# apaleo has two: connect clients ("store apps", the authorization code flow, https redirect URIs) [seed:
# apaleo-connect-client-registration.txt] and simple clients ("custom apps": client credentials, no redirect
# URI) [doc: apaleo "Register an OAuth simple client (custom) app"; apaleo "OAuth 2.0 and OpenID connect
# basics": the token endpoint takes "auth code, refresh token, client credentials"]. Teamwork and Komerza
# clients all use the code flow [seed].
CONNECT: Final = "connect"
APALEO_SIMPLE: Final = "simple"
CLIENT_KINDS: Final = {"teamwork": (CONNECT,), "komerza": (CONNECT,), "apaleo": (CONNECT, APALEO_SIMPLE)}

# --- apaleo's identity server (OpenID Connect) ---------------------------------------------------------
# Id tokens are signed with RS256 by a key published in the JWKS [doc: apaleo "OAuth 2.0 and OpenID connect
# basics", the OpenID Connect endpoints; 3p: IdentityServer4 `Constants.SigningAlgorithms.RSA_SHA_256`, the
# server apaleo's endpoint layout is]. One key per simulator process [ours]: a restart changes it, as a key
# rotation would; clients fetch the JWKS again for an unknown `kid` (OIDC Core §10.1.1).
APALEO_SIGNING_ALG: Final = "RS256"
# The revocation endpoint's `token_type_hint` values (RFC 7009 §2.1); another value is refused with
# `unsupported_token_type` [3p: IdentityServer4 `Constants.SupportedTokenTypeHints`, `RevocationErrors`].
REVOCATION_HINTS: Final = ("access_token", "refresh_token")
# The identity server's paths, after `/apaleo` (the issuer `https://identity.apaleo.com`, mapped): token and
# revocation [doc: apaleo "OAuth 2.0 and OpenID connect basics", https://apaleo.dev/guides/oauth-connection/
# oauth-openid, lists `https://identity.apaleo.com/connect/{authorize,token,introspect,revocation,endsession,
# deviceauthorization}`]; discovery at the issuer + `/.well-known/openid-configuration` (OpenID Connect
# Discovery 1.0 §4); the JWKS and userinfo at IdentityServer4's routes [3p: IdentityServer4
# `Constants.ProtocolRoutePaths`: `DiscoveryWebKeys`, `UserInfo`]. Introspection, end session and device
# authorization are not served (nothing here uses them), so the discovery document does not list them [ours].
APALEO_PATHS: Final = {
    "authorization_endpoint": "/connect/authorize",
    "token_endpoint": "/connect/token",
    "userinfo_endpoint": "/connect/userinfo",
    "revocation_endpoint": "/connect/revocation",
    "jwks_uri": "/.well-known/openid-configuration/jwks",
}
APALEO_DISCOVERY_PATH: Final = "/.well-known/openid-configuration"
# Scopes that need a user: a client credentials grant asking for them is `invalid_scope`, and without a `scope`
# it gets the client's other scopes (RFC 6749 §4.4.3: no refresh token) [3p: IdentityServer refuses identity
# scopes for client credentials].
APALEO_USER_SCOPES: Final = frozenset({APALEO_OPENID, APALEO_REFRESH_SCOPE})
# Revocation is "only applicable to the authorization code grant flow" [doc: apaleo, same page]: a simple
# client's revocation request is refused, with RFC 6749 §5.2's `unauthorized_client` [ours: the error].
APALEO_REVOKING_KINDS: Final = (CONNECT,)

# --- Teamwork sites ------------------------------------------------------------------------------------
# The per-site login form `https://{site}.teamwork.com/launchpad/login` [doc: Teamwork "App Login Flow", as
# gathered in shared/other-platforms.md]; a site is one lowercase DNS label [ours], served at
# `/teamwork/sites/{site}/...` (platforms.apply_endpoint_base_url).
TEAMWORK_SITE_PATTERN: Final = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"

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


def _segment(value: dict[str, Any]) -> str:
    return _b64url(json.dumps(value, separators=(",", ":"), sort_keys=True).encode())


def hs256_jwt(claims: dict[str, Any], key: bytes) -> str:
    """A compact JWS with HS256 (RFC 7515 §7.1, RFC 7518 §3.2): Komerza's key is a JWT [seed: "Token Type | JWT"];
    HS256 with a key of the simulator's own is ours (Komerza's keys are found by their hash here)."""
    header = _segment({"alg": "HS256", "typ": "JWT"})
    payload = _segment(claims)
    signature = hmac.new(key, f"{header}.{payload}".encode("ascii"), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


class SigningKey:
    """An RSA key pair that signs apaleo's id tokens (RS256) and is published as one JWK (RFC 7517 §4)."""

    def __init__(self) -> None:
        # `cryptography` (the simulator extra) is imported here, on first use: a simulator that never signs an
        # id token does not pay for it.
        from cryptography.hazmat.primitives.asymmetric import rsa

        self._private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self._private.public_key().public_numbers()
        self._public_jwk = {
            "kty": "RSA",
            "use": "sig",
            "alg": APALEO_SIGNING_ALG,
            "n": _b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
            "e": _b64url(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
        }
        # RFC 7638 thumbprint as the key id: stable for the key, different for the next one.
        required = {name: self._public_jwk[name] for name in ("e", "kty", "n")}
        canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode()
        self.kid = _b64url(hashlib.sha256(canonical).digest())

    def jwk(self) -> dict[str, str]:
        """The public key as a JWK, with its `kid`."""
        return {**self._public_jwk, "kid": self.kid}

    def sign(self, signing_input: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3)."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        return self._private.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())


_signing_key: SigningKey | None = None
_signing_key_lock = threading.Lock()


def signing_key() -> SigningKey:
    """The simulator process's one signing key, made on first use."""
    global _signing_key
    with _signing_key_lock:
        if _signing_key is None:
            _signing_key = SigningKey()
        return _signing_key


def rs256_jwt(claims: dict[str, Any], key: SigningKey) -> str:
    """A compact JWS with RS256 and the key's `kid` in the header (RFC 7515 §4.1.4): apaleo's `id_token`."""
    header = _segment({"alg": APALEO_SIGNING_ALG, "kid": key.kid, "typ": "JWT"})
    payload = _segment(claims)
    signature = key.sign(f"{header}.{payload}".encode("ascii"))
    return f"{header}.{payload}.{_b64url(signature)}"


def at_hash(access_token: str) -> str:
    """The id token's `at_hash`: the left half of the access token's SHA-256, base64url (OIDC Core §3.1.3.6)."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return _b64url(digest[: len(digest) // 2])


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
    - Komerza: "All redirect URLs should use HTTPS in production environments" [seed:
      komerza-oauth2-overview.txt, line 28]; http on a loopback host is allowed as well, for local development
      (RFC 8252 §7.3) [ours].
    - apaleo: https only, loopback included: "Ensure the redirect URI can be called, and is using https"
      [seed: apaleo-connect-client-registration.txt, line 21, "Redirect URIs"].
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
    if platform == "apaleo":  # [seed: apaleo-connect-client-registration.txt, line 21]
        return "must use https: apaleo takes https redirect URIs only, loopback included"
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
# [ours: the issue 14 contract], so the dev stack works without a setup step. apaleo's has only the https one:
# apaleo takes no http redirect URI [seed].
DEV_REDIRECT_URIS: Final = ("http://127.0.0.1:8765/callback", "https://example.com/oauth/callback")


def dev_redirect_uris(platform: str) -> tuple[str, ...]:
    """The built-in dev client's redirect URIs on `platform`: those its rules accept."""
    return tuple(uri for uri in DEV_REDIRECT_URIS if redirect_uri_problem(platform, uri) is None)


class DevClient:
    """A built-in client: id, secret, scopes (redirect URIs: `dev_redirect_uris`)."""

    def __init__(self, client_id: str, client_secret: str, scopes: tuple[str, ...]) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.scopes = scopes


DEV_CLIENTS: Final = {
    "teamwork": DevClient("sim-dev-teamwork-client", "sim-dev-teamwork-secret", ()),
    "komerza": DevClient(
        "sim-dev-komerza-client", "sim-dev-komerza-secret-".ljust(KOMERZA_SECRET_LENGTH, "x"), (KOMERZA_STORES_SCOPE,)
    ),
    "apaleo": DevClient("sim-dev-apaleo-client", "sim-dev-apaleo-secret", ("openid", "offline_access", "account.read")),
}
