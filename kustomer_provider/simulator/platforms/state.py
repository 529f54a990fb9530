"""The other platforms' state: registered clients, authorization codes and tokens, one store for all three.

It is a section of the simulator's `Store` (saved in the same state file, under the same lock). Secrets,
codes and tokens are kept only as sha256 hashes. Every method is one atomic step.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .. import rules as sim_rules
from ..records import iso
from ..store import Store
from . import rules
from .spec import PLATFORMS

__all__ = ["Client", "ClientProblem", "Code", "CodeProblem", "PlatformState", "Token"]

SECTION = "platforms"


@dataclass
class Client:
    """A client registered in a platform's dashboard."""

    platform: str
    client_id: str
    secret_hash: str
    redirect_uris: list[str]
    scopes: list[str]
    allowed_origins: list[str] = field(default_factory=list)
    name: str = ""
    created_at: float = 0.0
    secret_created_at: float = 0.0
    builtin: bool = False
    #: `connect` (the code flow) or, on apaleo, `simple` (client credentials, no redirect URI) [doc].
    kind: str = rules.CONNECT

    def view(self) -> dict[str, Any]:
        """The control API's view: everything but the secret (its fingerprint instead)."""
        return {
            "platform": self.platform,
            "client_id": self.client_id,
            "name": self.name,
            "redirect_uris": list(self.redirect_uris),
            "scopes": list(self.scopes),
            "allowed_origins": list(self.allowed_origins),
            "builtin": self.builtin,
            "kind": self.kind,
            "secret_fingerprint": sim_rules.fingerprint_of_hash(self.secret_hash),
            "created_at": iso(self.created_at),
            "secret_created_at": iso(self.secret_created_at),
        }


@dataclass
class Code:
    """An authorization code (by hash): what was authorized, until when, and whether it was used."""

    platform: str
    client_id: str
    redirect_uri: str
    scopes: list[str]
    expires_at: float
    stores: list[str] = field(default_factory=list)
    code_challenge: str | None = None
    nonce: str | None = None
    used_at: float | None = None
    #: The site of a per-site login form (Teamwork's `https://{site}.teamwork.com/launchpad/login` [doc]).
    site: str | None = None


@dataclass
class Token:
    """An access or refresh token (by hash)."""

    platform: str
    client_id: str
    kind: str  # "access" or "refresh"
    scopes: list[str]
    expires_at: float | None  # None: until revoked
    stores: list[str] = field(default_factory=list)
    family: str | None = None  # hash of the code it descends from (RFC 6749 §4.1.2 replay revocation)

    def expired(self, now: float) -> bool:
        """Whether its lifetime is over."""
        return self.expires_at is not None and now >= self.expires_at


class ClientProblem(Exception):
    """The client is unknown (`reason == "unknown"`) or its secret is wrong (`"secret"`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CodeProblem(Exception):
    """Why a code was refused: `unknown`, `used`, `expired`, `redirect_uri` or `verifier`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _hash(value: str) -> str:
    return sim_rules.secret_hash(value)


class PlatformState:
    """Clients, codes and tokens of the other platforms, kept in `store`'s state file."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._clock = store.clock
        self._clients: dict[tuple[str, str], Client] = {}
        self._codes: dict[str, Code] = {}
        self._tokens: dict[str, Token] = {}
        self._add_dev_clients()
        store.attach(SECTION, self)

    def now(self) -> float:
        """The simulator's clock."""
        return self._clock()

    # --- StateSection ------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The section's data (hashes only)."""
        return {
            "clients": [asdict(c) for c in self._clients.values()],
            "codes": {h: asdict(c) for h, c in self._codes.items()},
            "tokens": {h: asdict(t) for h, t in self._tokens.items()},
        }

    def load_json(self, data: Any) -> None:
        """Take back `to_json`'s data; the dev clients stay as the file has them (maybe rotated)."""
        clients = [Client(**c) for c in data["clients"]]
        self._clients.update({(c.platform, c.client_id): c for c in clients})
        self._codes = {h: Code(**c) for h, c in data["codes"].items()}
        self._tokens = {h: Token(**t) for h, t in data["tokens"].items()}

    def reset(self) -> None:
        """Every registered client, code and token gone; the built-in dev clients back as they were."""
        self._clients.clear()
        self._codes.clear()
        self._tokens.clear()
        self._add_dev_clients()

    def _add_dev_clients(self) -> None:
        now = self._clock()
        for platform, dev in rules.DEV_CLIENTS.items():
            self._clients[(platform, dev.client_id)] = Client(
                platform=platform,
                client_id=dev.client_id,
                secret_hash=_hash(dev.client_secret),
                redirect_uris=list(rules.dev_redirect_uris(platform)),
                scopes=list(dev.scopes),
                name=f"Simulator dev client ({PLATFORMS[platform].title})",
                created_at=now,
                secret_created_at=now,
                builtin=True,
            )

    # --- clients (the dashboard) ---------------------------------------------------------------------------

    def client(self, platform: str, client_id: str) -> Client | None:
        """The client, or None."""
        with self._store.locked():
            return self._clients.get((platform, client_id))

    def clients(self, platform: str) -> list[Client]:
        """Every client of a platform, in registration order."""
        with self._store.locked():
            return [c for c in self._clients.values() if c.platform == platform]

    def register(
        self,
        platform: str,
        *,
        client_id: str | None,
        client_secret: str | None,
        redirect_uris: list[str],
        scopes: list[str],
        allowed_origins: list[str],
        name: str,
        kind: str = rules.CONNECT,
    ) -> tuple[Client, str, bool]:
        """Add a client, or replace the one of that id: `(client, its secret, created)`."""
        spec = PLATFORMS[platform]
        with self._store.transaction():
            now = self._clock()
            client_id = client_id or rules.new_client_id()
            secret = client_secret or spec.new_secret()
            created = (platform, client_id) not in self._clients
            self._clients[(platform, client_id)] = Client(
                platform=platform,
                client_id=client_id,
                secret_hash=_hash(secret),
                redirect_uris=list(redirect_uris),
                scopes=list(scopes),
                allowed_origins=list(allowed_origins),
                name=name or client_id,
                created_at=now,
                secret_created_at=now,
                kind=kind,
            )
            return self._clients[(platform, client_id)], secret, created

    def rotate(self, platform: str, client_id: str, secret: str | None = None) -> tuple[Client, str]:
        """A new secret for the client; the old one stops working at once. KeyError for an unknown client."""
        with self._store.transaction():
            client = self._clients[(platform, client_id)]
            secret = secret or PLATFORMS[platform].new_secret()
            client.secret_hash = _hash(secret)
            client.secret_created_at = self._clock()
            return client, secret

    def delete(self, platform: str, client_id: str) -> Client:
        """Remove a client and every code and token it holds. KeyError for an unknown client."""
        with self._store.transaction():
            client = self._clients.pop((platform, client_id))
            self._codes = {h: c for h, c in self._codes.items() if (c.platform, c.client_id) != (platform, client_id)}
            self._tokens = {h: t for h, t in self._tokens.items() if (t.platform, t.client_id) != (platform, client_id)}
            return client

    def authenticate(self, platform: str, client_id: str, secret: str) -> Client:
        """The client if `secret` is its current one; `ClientProblem` otherwise."""
        with self._store.locked():
            client = self._clients.get((platform, client_id))
            if client is None:
                raise ClientProblem("unknown")
            if not hmac.compare_digest(_hash(secret), client.secret_hash):
                raise ClientProblem("secret")
            return client

    # --- codes ---------------------------------------------------------------------------------------------

    def issue_code(
        self,
        platform: str,
        client_id: str,
        *,
        redirect_uri: str,
        scopes: list[str],
        stores: Sequence[str] = (),
        code_challenge: str | None = None,
        nonce: str | None = None,
        site: str | None = None,
    ) -> str:
        """A fresh, single-use code valid for the platform's code lifetime."""
        with self._store.transaction():
            now = self._clock()
            self._housekeeping(now)
            code = rules.new_code()
            self._codes[_hash(code)] = Code(
                platform=platform,
                client_id=client_id,
                redirect_uri=redirect_uri,
                scopes=list(scopes),
                stores=list(stores),
                expires_at=now + PLATFORMS[platform].code_ttl_s,
                code_challenge=code_challenge,
                nonce=nonce,
                site=site,
            )
            return code

    def redeem(
        self,
        platform: str,
        client_id: str,
        code: str,
        *,
        redirect_uri: str | None,
        code_verifier: str | None = None,
        revoke_on_replay: bool = False,
    ) -> tuple[Code, str]:
        """Spend a code: `(its grant, its family id)`; `CodeProblem` says why not.

        `redirect_uri` None: not compared (Komerza's exchange carries none). A used code is refused
        (single use [seed: Komerza; RFC 6749 §4.1.2]); with `revoke_on_replay` the tokens issued from it are
        revoked too (RFC 6749 §4.1.2, SHOULD).
        """
        with self._store.transaction():
            now = self._clock()
            hashed = _hash(code)
            grant = self._codes.get(hashed)
            if grant is None or grant.platform != platform or grant.client_id != client_id:
                raise CodeProblem("unknown", "The authorization code is not valid for this client")
            if grant.used_at is not None:
                if revoke_on_replay:
                    self._tokens = {h: t for h, t in self._tokens.items() if t.family != hashed}
                raise CodeProblem("used", "The authorization code was already used")
            if now >= grant.expires_at:
                raise CodeProblem("expired", "The authorization code has expired")
            if redirect_uri is not None and redirect_uri != grant.redirect_uri:
                raise CodeProblem("redirect_uri", "redirect_uri differs from the one of the authorization request")
            if grant.code_challenge is None and code_verifier is not None:
                raise CodeProblem("verifier", "code_verifier given but the authorization had no code_challenge")
            if grant.code_challenge is not None:
                if code_verifier is None:
                    raise CodeProblem("verifier", "code_verifier is required")
                if not hmac.compare_digest(sim_rules.s256_challenge(code_verifier), grant.code_challenge):
                    raise CodeProblem("verifier", "code_verifier does not match the code_challenge")
            grant.used_at = now
            return grant, hashed

    # --- tokens --------------------------------------------------------------------------------------------

    def issue_token(
        self,
        platform: str,
        client_id: str,
        value: str,
        *,
        kind: str,
        scopes: list[str],
        ttl_s: float | None,
        stores: Sequence[str] = (),
        family: str | None = None,
    ) -> str:
        """Keep a token made by the platform's router (`value`) and return it."""
        with self._store.transaction():
            now = self._clock()
            self._tokens[_hash(value)] = Token(
                platform=platform,
                client_id=client_id,
                kind=kind,
                scopes=list(scopes),
                expires_at=None if ttl_s is None else now + ttl_s,
                stores=list(stores),
                family=family,
            )
            return value

    def resolve(self, platform: str, value: str, kind: str = "access") -> Token | None:
        """The live token of that value and kind on that platform, or None (unknown, expired, revoked)."""
        with self._store.locked():
            token = self._tokens.get(_hash(value))
            if token is None or token.platform != platform or token.kind != kind or token.expired(self._clock()):
                return None
            if (platform, token.client_id) not in self._clients:
                return None
            return token

    def spend_refresh(self, platform: str, client_id: str, value: str) -> Token | None:
        """Take a refresh token out of use (rotation) and return it; None if it is not a live one of the client."""
        with self._store.transaction():
            hashed = _hash(value)
            token = self._tokens.get(hashed)
            if token is None or token.platform != platform or token.kind != "refresh":
                return None
            if token.client_id != client_id or token.expired(self._clock()):
                return None
            del self._tokens[hashed]
            return token

    def revoke(self, platform: str, client_id: str, value: str) -> bool:
        """Revoke a token of this client (RFC 7009 §2.1); a refresh token takes the tokens of its grant with it.

        False when the value is no live token of the client: the caller answers 200 all the same (§2.2)."""
        with self._store.transaction():
            token = self._tokens.get(_hash(value))
            if token is None or token.platform != platform or token.client_id != client_id:
                return False
            del self._tokens[_hash(value)]
            if token.kind == "refresh" and token.family is not None:
                # "...SHOULD also invalidate all access tokens based on the same authorization grant" (§2.1).
                family = token.family
                self._tokens = {h: t for h, t in self._tokens.items() if t.family != family}
            return True

    def _housekeeping(self, now: float) -> None:
        """Forget codes long past their end, and expired tokens, so the state does not pile up."""
        self._codes = {h: c for h, c in self._codes.items() if now < c.expires_at + rules.USED_CODE_MEMORY_S}
        self._tokens = {h: t for h, t in self._tokens.items() if not t.expired(now)}
