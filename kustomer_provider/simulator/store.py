"""In-memory state of the simulated orgs, with atomic persistence to a state file.

Every public method takes the store's lock for its whole run, so a method is one atomic step even
when handlers run on many threads; a method that changes state writes the state file before it
returns (the change is committed before any answer leaves). Secrets and tokens are kept only as
sha256 hashes. Install status is never stored: it is computed from `startedAt`, `readyAt` and the
clock on every read.
"""

from __future__ import annotations

import copy
import hmac
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from . import rules
from .errors import FirstShapeError, JsonApiError, OAuthError, not_found

__all__ = [
    "AppRecord",
    "ClientAuth",
    "Clock",
    "Install",
    "Org",
    "Principal",
    "StateSection",
    "Store",
    "iso",
]

Clock = Callable[[], float]
STATE_FORMAT = 1

INSTALLING = "installing"
INSTALLED = "installed"
INSTALL_FAILED = "install_failed"


def iso(t: float) -> str:
    """ISO 8601 UTC with milliseconds and a `Z`."""
    return datetime.fromtimestamp(t, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Principal:
    """Who a bearer token acts as."""

    org: str
    roles: frozenset[str]
    pod: str


@dataclass
class Install:
    """One install attempt; its outcome and duration are fixed when it starts."""

    version: str
    started_at: float
    ready_at: float
    fails: bool
    failure: str | None = None

    def status(self, now: float) -> str:
        """installing, installed or install_failed, as of `now`."""
        if now < self.ready_at:
            return INSTALLING
        return INSTALL_FAILED if self.fails else INSTALLED

    def error(self, now: float) -> str | None:
        """The failure message once failed, else None."""
        return self.failure if self.status(now) == INSTALL_FAILED else None

    def updated_at(self, now: float) -> float:
        """When the status last changed, as of `now`."""
        return self.started_at if now < self.ready_at else self.ready_at


@dataclass
class VersionRecord:
    """A registered version: the definition as sent."""

    definition: dict[str, Any]
    created_at: float
    seq: int


@dataclass
class AppRecord:
    """One app (one client id) and all its versions, installs and its secret."""

    app: str
    name: str
    client_id: str
    visibility: str
    versions: dict[str, VersionRecord] = field(default_factory=dict)
    installs: list[Install] = field(default_factory=list)
    secret_hash: str | None = None
    minted: int = 0
    revoked: list[str] = field(default_factory=list)

    def latest_version(self) -> str:
        """The highest registered version (semver order)."""
        return max(self.versions, key=rules.semver_key)

    def installed(self, now: float) -> Install | None:
        """The attempt that made the current installed version (latest successful completion)."""
        done = [i for i in self.installs if i.status(now) == INSTALLED]
        return max(done, key=lambda i: i.ready_at) if done else None


@dataclass
class Org:
    """An org: a name, its derived id and its apps."""

    name: str
    id: str
    apps: dict[str, AppRecord] = field(default_factory=dict)


@dataclass
class Grant:
    """An authorization code, access token or refresh token (kept by hash)."""

    client_id: str
    org: str
    scopes: list[str]
    expires_at: float | None  # None: valid until invalidated (refresh tokens by default)
    redirect_uri: str | None = None
    code_challenge: str | None = None
    # The hash of the code this token descends from (through any number of refreshes): a replay of
    # that code revokes them all (RFC 6749 §4.1.2).
    family: str | None = None

    def expired(self, now: float) -> bool:
        """Whether the grant's lifetime is over as of `now`."""
        return self.expires_at is not None and now >= self.expires_at


@dataclass(frozen=True)
class ClientAuth:
    """The client credentials of a token request and how they came (RFC 6749 §2.3.1)."""

    client_id: str
    client_secret: str = field(repr=False)
    basic: bool  # True: `Authorization: Basic`; False: `client_id` / `client_secret` form fields


class StateSection(Protocol):
    """A part of the state kept by another module (the other platforms), saved in the same state file.

    `/_sim/state` does not show it (its shape is Kustomer's orgs only); the section has its own control reads.

    The store calls these under its lock; the section changes its data only inside `Store.transaction()`.
    """

    def to_json(self) -> Any:
        """The section's data for the state file (no secret values)."""

    def load_json(self, data: Any) -> None:
        """Take back what `to_json` gave (raise ValueError, KeyError or TypeError on a bad file)."""

    def reset(self) -> None:
        """Back to the section's empty state (what `/_sim/reset` means for it)."""


@dataclass(frozen=True)
class _Key:
    roles: frozenset[str]
    org: str
    pod: str


def _grants_to_json(grants: dict[str, Grant]) -> dict[str, Any]:
    return {h: g.__dict__.copy() for h, g in grants.items()}


def _grants_from_json(data: dict[str, Any]) -> dict[str, Grant]:
    return {h: Grant(**g) for h, g in data.items()}


class Store:
    """All simulated orgs, keys, apps and OAuth grants."""

    def __init__(
        self,
        *,
        pod: str,
        default_org: str,
        clock: Clock = time.time,
        state_file: Path | None = None,
        refresh_token_idle_s: float | None = rules.REFRESH_TOKEN_IDLE_S,
    ) -> None:
        self.pod = pod
        self.refresh_token_idle_s = refresh_token_idle_s
        self.default_org = default_org
        self.clock = clock
        self.state_file = state_file
        self._lock = threading.RLock()
        self._orgs: dict[str, Org] = {}
        self._keys: dict[str, _Key] = {}
        self._codes: dict[str, Grant] = {}
        self._access: dict[str, Grant] = {}
        self._refresh: dict[str, Grant] = {}
        # Codes already exchanged, kept until they would have expired, so that a replay is recognised.
        self._used_codes: dict[str, Grant] = {}
        self._clients: dict[str, tuple[str, str]] = {}  # client id -> (org, app name)
        self._seq = 0
        self._sections: dict[str, StateSection] = {}
        self._unattached: dict[str, Any] = {}  # sections read from the file, waiting for their owner
        if state_file is not None and state_file.exists():
            self._load(state_file)
        self.ensure_org(default_org)

    # --- sections kept by other modules ---------------------------------------------------------------

    def attach(self, name: str, section: StateSection) -> None:
        """Keep `section` in the state file under `sections.<name>`, loading what the file holds for it."""
        with self._lock:
            self._sections[name] = section
            if name in self._unattached:
                try:
                    section.load_json(self._unattached.pop(name))
                except (ValueError, KeyError, TypeError) as exc:
                    raise ValueError(f"cannot load the {name} section of state file {self.state_file}: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The store's lock for a section's change; the state file is written when the block ends normally."""
        with self._lock:
            yield
            self._commit()

    @contextmanager
    def locked(self) -> Iterator[None]:
        """The store's lock for a section's read (nothing written)."""
        with self._lock:
            yield

    # --- orgs and keys -----------------------------------------------------------------------------

    def ensure_org(self, name: str) -> Org:
        """The org of that name, created on demand."""
        with self._lock:
            org = self._orgs.get(name)
            if org is None:
                org = self._orgs[name] = Org(name=name, id=rules.org_id_for(name))
            return org

    def org_id(self, name: str) -> str:
        """The id of an org (created on demand)."""
        return self.ensure_org(name).id

    def add_key(self, key: str, roles: Iterable[str], org: str | None = None, pod: str | None = None) -> Org:
        """Add (or replace) an API key; its org is created on demand."""
        with self._lock:
            target = self.ensure_org(org or self.default_org)
            self._keys[key] = _Key(roles=frozenset(roles), org=target.name, pod=pod or self.pod)
            return target

    def resolve(self, token: str) -> tuple[Principal, bool] | None:
        """Who a bearer token is, and whether it belongs to this pod; None if unknown or expired."""
        # No lock: single dict reads are atomic, and every request comes here, often on the event
        # loop, which must not wait behind a writer's fsync.
        key = self._keys.get(token)
        if key is not None:
            return Principal(org=key.org, roles=key.roles, pod=key.pod), key.pod == self.pod
        grant = self._access.get(rules.secret_hash(token))
        if grant is None or grant.expired(self.clock()):
            return None
        roles = frozenset(s for s in grant.scopes if s != rules.OFFLINE_ACCESS)
        return Principal(org=grant.org, roles=roles, pod=self.pod), True

    # --- apps --------------------------------------------------------------------------------------

    def _find_app(self, org_name: str, name: str) -> tuple[Org, AppRecord]:
        org = self.ensure_org(org_name)
        app = org.apps.get(name) or org.apps.get(f"{name}_{org.id}")
        if app is None:
            raise not_found(f"App {name} not found")
        return org, app

    def _find_version(self, org_name: str, name: str, version: str) -> tuple[Org, AppRecord]:
        org, app = self._find_app(org_name, name)
        if version not in app.versions:
            raise not_found(f"Version {version} of app {app.name} is not registered")
        return org, app

    def register(self, org_name: str, definition: dict[str, Any]) -> dict[str, Any]:
        """Register a validated definition (steps 3 to 7); return the available_app resource."""
        with self._lock:
            org = self.ensure_org(org_name)
            app_field: str = definition["app"]
            version: str = definition["version"]
            visibility: str = definition.get("visibility", rules.DEFAULT_VISIBILITY)
            name = rules.namespaced_name(app_field, org.id, visibility)
            roles = sorted(set(definition.get("roles", [])))
            record = org.apps.get(name)
            if record is not None:
                if version in record.versions:
                    raise FirstShapeError(
                        409, "conflict", "This version has already been registered. Please increment the version."
                    )
                latest = record.latest_version()
                if rules.semver_key(version) <= rules.semver_key(latest):
                    raise FirstShapeError(
                        400,
                        "invalid_version",
                        f"Cannot register outdated version. Version must be greater than {latest}.",
                    )
                latest_roles = sorted(set(record.versions[latest].definition.get("roles", [])))
                if roles != latest_roles and rules.semver_key(version)[0] <= rules.semver_key(latest)[0]:
                    raise FirstShapeError(
                        400,
                        "invalid_roles",
                        "Roles do not match that of the previous version, a major version bump is required",
                    )
            else:
                record = org.apps[name] = AppRecord(
                    app=app_field, name=name, client_id=rules.new_client_id(), visibility=visibility
                )
                self._clients[record.client_id] = (org.name, name)
            self._seq += 1
            record.versions[version] = VersionRecord(
                definition=copy.deepcopy(definition), created_at=self.clock(), seq=self._seq
            )
            self._commit()
            return self._available_resource(record, version)

    def list_available(self, org_name: str) -> list[dict[str, Any]]:
        """Every registered version of the org, oldest registration first."""
        with self._lock:
            org = self.ensure_org(org_name)
            pairs = [(v.seq, app, version) for app in org.apps.values() for version, v in app.versions.items()]
            return [self._available_resource(app, version) for _, app, version in sorted(pairs, key=lambda p: p[0])]

    def list_installed(self, org_name: str) -> list[dict[str, Any]]:
        """Apps of the org with at least one install attempt."""
        with self._lock:
            now = self.clock()
            org = self.ensure_org(org_name)
            out = []
            for app in org.apps.values():
                if not app.installs:
                    continue
                newest = app.installs[-1]
                installed = app.installed(now)
                out.append(
                    {
                        "type": "installed_app",
                        "id": app.name,
                        "attributes": {
                            "name": app.name,
                            "version": installed.version if installed else None,
                            "status": newest.status(now),
                            "error": newest.error(now),
                            "updatedAt": iso(newest.updated_at(now)),
                        },
                    }
                )
            return out

    def install(
        self, org_name: str, name: str, version: str, *, install_ms: float, install_fail: Iterable[str]
    ) -> tuple[int, dict[str, Any]]:
        """Start an install (202), or report the one already done (200) or running (202)."""
        with self._lock:
            org, app = self._find_version(org_name, name, version)
            now = self.clock()
            installed = app.installed(now)
            if installed is not None and installed.version == version:
                return 200, self._install_resource(app, installed, now)
            for attempt in reversed(app.installs):
                if attempt.version == version and attempt.status(now) == INSTALLING:
                    return 202, self._install_resource(app, attempt, now)
            fails = rules.install_fail_matches(app.name, org.id, tuple(install_fail))
            attempt = Install(
                version=version,
                started_at=now,
                ready_at=now + install_ms / 1000.0,
                fails=fails,
                failure=rules.install_fail_message(app.name) if fails else None,
            )
            app.installs.append(attempt)
            self._commit()
            return 202, self._install_resource(app, attempt, now)

    def installs_of(self, org_name: str, name: str, version: str) -> list[dict[str, Any]]:
        """Install attempts of one version, newest first."""
        with self._lock:
            _, app = self._find_version(org_name, name, version)
            now = self.clock()
            return [self._install_resource(app, i, now) for i in reversed(app.installs) if i.version == version]

    def mint_secret(self, org_name: str, name: str, version: str | None) -> dict[str, Any]:
        """Mint a new client secret, revoking the previous one; the answer is the only copy.

        Only for an app with an installed version (the seed tutorial's order: install, then the secret):
        otherwise the refusal of `rules.MINT_NOT_INSTALLED_STATUS`, and nothing changes.
        """
        with self._lock:
            if version is None:
                _, app = self._find_app(org_name, name)
                version = app.latest_version()
            else:
                _, app = self._find_version(org_name, name, version)
            if app.installed(self.clock()) is None:
                raise JsonApiError(
                    rules.MINT_NOT_INSTALLED_STATUS,
                    rules.MINT_NOT_INSTALLED_CODE,
                    rules.mint_not_installed_message(app.name),
                )
            secret = rules.new_client_secret()
            if app.secret_hash is not None:
                app.revoked.append(rules.fingerprint_of_hash(app.secret_hash))
            app.secret_hash = rules.secret_hash(secret)
            app.minted += 1
            self._commit()
            resource = self._available_resource(app, version)
            resource["attributes"]["clientSecret"] = secret
            return resource

    def _available_resource(self, app: AppRecord, version: str) -> dict[str, Any]:
        record = app.versions[version]
        attributes = copy.deepcopy(record.definition)
        attributes.setdefault("visibility", app.visibility)
        attributes.setdefault("redirectUris", [])
        attributes.setdefault("auth", {})
        attributes.update(name=app.name, clientId=app.client_id, createdAt=iso(record.created_at))
        return {"type": "available_app", "id": f"{app.name}-{version}", "attributes": attributes}

    @staticmethod
    def _install_resource(app: AppRecord, attempt: Install, now: float) -> dict[str, Any]:
        return {
            "type": "installed_app",
            "id": f"{app.name}-{attempt.version}",
            "attributes": {
                "name": app.name,
                "version": attempt.version,
                "status": attempt.status(now),
                "error": attempt.error(now),
                "startedAt": iso(attempt.started_at),
            },
        }

    # --- OAuth -------------------------------------------------------------------------------------
    # The rules applied here are in rules.py with their sources; routers/oauth.py checks the syntax of
    # a request, the store everything that needs state.

    def _client(self, client_id: str) -> tuple[Org, AppRecord, Install]:
        """The installed app of a client id, or 400 invalid_client "Invalid Client" [doc: seed, Step 3]."""
        where = self._clients.get(client_id)
        if where is not None:
            org = self._orgs[where[0]]
            app = org.apps[where[1]]
            installed = app.installed(self.clock())
            if installed is not None:
                return org, app, installed
        raise OAuthError(400, "invalid_client", rules.INVALID_CLIENT)

    def authorize_target(self, client_id: str, redirect_uri: str) -> tuple[str, str]:
        """Check an authorize request's client and redirect URI; return (app title, org name)."""
        with self._lock:
            org, app, installed = self._client(client_id)
            definition = app.versions[installed.version].definition
            if redirect_uri not in definition.get("redirectUris", []):
                raise OAuthError(400, "invalid_request", "redirect_uri is not registered for this client")
            return str(definition.get("title", app.name)), org.name

    def issue_code(self, client_id: str, redirect_uri: str, scopes: list[str], code_challenge: str | None) -> str:
        """An authorization code for a checked request (single use, short-lived)."""
        with self._lock:
            org, _, _ = self._client(client_id)
            code = rules.new_token()
            self._codes[rules.secret_hash(code)] = Grant(
                client_id=client_id,
                org=org.name,
                scopes=list(scopes),
                expires_at=self.clock() + rules.AUTH_CODE_TTL_S,
                redirect_uri=redirect_uri,
                code_challenge=code_challenge,
            )
            self._commit()
            return code

    def check_client(self, auth: ClientAuth) -> None:
        """Authenticate the client of a token request, before anything about its grant.

        Unknown client or app not installed: invalid_client "Invalid Client", 400 with form fields
        [doc: seed], 401 with Basic (RFC 6749 §5.2: the Authorization header was used). Wrong or revoked
        secret: 401 invalid_client "Invalid client secret". Every 401 carries `WWW-Authenticate: Basic`.
        """
        with self._lock:
            self._check_client_secret(auth)

    def _check_client_secret(self, auth: ClientAuth) -> None:
        challenge = {"WWW-Authenticate": rules.WWW_AUTHENTICATE_BASIC}
        try:
            _, app, _ = self._client(auth.client_id)
        except OAuthError as exc:
            if auth.basic:
                raise OAuthError(401, exc.error, exc.description, headers=challenge) from None
            raise
        presented = rules.secret_hash(auth.client_secret)
        if app.secret_hash is None or not hmac.compare_digest(presented, app.secret_hash):
            raise OAuthError(401, "invalid_client", rules.INVALID_CLIENT_SECRET, headers=challenge)

    def exchange_code(
        self, auth: ClientAuth, code: str, redirect_uri: str | None, code_verifier: str | None
    ) -> dict[str, Any]:
        """The authorization_code grant (RFC 6749 §4.1.3, RFC 7636 §4.6)."""
        with self._lock:
            self._check_client_secret(auth)
            now = self.clock()
            hashed = rules.secret_hash(code)
            used = self._used_codes.get(hashed)
            if used is not None and used.client_id == auth.client_id and not used.expired(now):
                # RFC 6749 §4.1.2: a code used twice is refused, and the server "SHOULD revoke (when
                # possible) all tokens previously issued based on that authorization code".
                self._drop_grants(lambda g: g.family == hashed)
                self._commit()
                raise OAuthError(
                    400,
                    "invalid_grant",
                    "The authorization code was already used; the tokens issued from it are revoked",
                )
            grant = self._codes.get(hashed)
            if grant is None or grant.client_id != auth.client_id or grant.expired(now):
                raise OAuthError(400, "invalid_grant", "The authorization code is invalid, expired or used")
            if redirect_uri != grant.redirect_uri:  # RFC 6749 §4.1.3: "identical"
                raise OAuthError(400, "invalid_grant", "redirect_uri does not match the authorization request")
            if grant.code_challenge is None and code_verifier is not None:
                # RFC 9700 §4.8.2 (PKCE downgrade): a verifier for a code issued without a challenge.
                raise OAuthError(
                    400, "invalid_grant", "code_verifier given but the authorization had no code_challenge"
                )
            if grant.code_challenge is not None:
                if code_verifier is None:
                    raise OAuthError(400, "invalid_grant", "code_verifier is required")
                if not hmac.compare_digest(rules.s256_challenge(code_verifier), grant.code_challenge):
                    raise OAuthError(400, "invalid_grant", "code_verifier does not match the code_challenge")
            del self._codes[hashed]
            self._used_codes[hashed] = grant
            return self._issue_tokens(grant, family=hashed)

    def refresh(self, auth: ClientAuth, refresh_token: str, scope: str | None) -> dict[str, Any]:
        """The refresh_token grant (RFC 6749 §6); the used refresh token is revoked (rotation [doc: seed])."""
        with self._lock:
            self._check_client_secret(auth)
            hashed = rules.secret_hash(refresh_token)
            grant = self._refresh.get(hashed)
            if grant is None or grant.client_id != auth.client_id or grant.expired(self.clock()):
                raise OAuthError(400, "invalid_grant", "The refresh token is invalid, expired or used")
            scopes = rules.refresh_scopes(grant.scopes, scope)
            if scopes is None:
                raise OAuthError(400, "invalid_scope", "scope asks for more than the refresh token was granted")
            del self._refresh[hashed]
            return self._issue_tokens(grant, family=grant.family, access_scopes=scopes)

    def _drop_grants(self, doomed: Callable[[Grant], bool]) -> None:
        for grants in (self._codes, self._access, self._refresh, self._used_codes):
            for hashed in [h for h, g in grants.items() if doomed(g)]:
                del grants[hashed]

    def _issue_tokens(
        self, grant: Grant, *, family: str | None, access_scopes: list[str] | None = None
    ) -> dict[str, Any]:
        """A new access token (of `access_scopes`, default the grant's) and, with offline_access, a refresh
        token of the grant's full scope (RFC 6749 §6: "identical to that of the refresh token" used)."""
        now = self.clock()
        self._drop_grants(lambda g: g.expired(now))  # housekeeping, so old grants do not pile up
        scopes = list(grant.scopes if access_scopes is None else access_scopes)
        access = rules.new_token()
        self._access[rules.secret_hash(access)] = Grant(
            client_id=grant.client_id,
            org=grant.org,
            scopes=scopes,
            expires_at=now + rules.ACCESS_TOKEN_TTL_S,
            family=family,
        )
        # The answer's fields and values [doc: seed tutorial, "POST /oauth/token"].
        answer: dict[str, Any] = {
            "scope": " ".join(scopes),
            "token_type": "bearer",
            "access_token": access,
            "expires_in": rules.ACCESS_TOKEN_TTL_S,
        }
        if rules.OFFLINE_ACCESS in grant.scopes:  # [doc: seed tutorial, "add offline_access to scope"]
            refresh = rules.new_token()
            idle = self.refresh_token_idle_s
            self._refresh[rules.secret_hash(refresh)] = Grant(
                client_id=grant.client_id,
                org=grant.org,
                scopes=list(grant.scopes),
                expires_at=None if idle is None else now + idle,
                family=family,
            )
            answer["refresh_token"] = refresh
        self._commit()
        return answer

    # --- control -----------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The `/_sim/state` view: everything but secret and token values."""
        with self._lock:
            now = self.clock()
            orgs: dict[str, Any] = {}
            for org in self._orgs.values():
                apps: dict[str, Any] = {}
                for app in org.apps.values():
                    installed = app.installed(now)
                    newest = app.installs[-1] if app.installs else None
                    apps[app.name] = {
                        "app": app.app,
                        "name": app.name,
                        "clientId": app.client_id,
                        "versions": {
                            v: {**copy.deepcopy(rec.definition), "createdAt": iso(rec.created_at)}
                            for v, rec in app.versions.items()
                        },
                        "installed": None
                        if newest is None
                        else {
                            "version": installed.version if installed else None,
                            "status": newest.status(now),
                            "error": newest.error(now),
                        },
                        "installs": [
                            {
                                "version": i.version,
                                "status": i.status(now),
                                "error": i.error(now),
                                "startedAt": iso(i.started_at),
                            }
                            for i in app.installs
                        ],
                        "secret": {
                            "current_fingerprint": rules.fingerprint_of_hash(app.secret_hash)
                            if app.secret_hash
                            else None,
                            "minted": app.minted,
                            "revoked_fingerprints": list(app.revoked),
                        },
                    }
                orgs[org.name] = {"id": org.id, "apps": apps}
            return {"orgs": orgs}

    def delete_app(self, name: str, org_name: str | None = None) -> tuple[str, str]:
        """Remove an app and its grants as if it never existed; return (org, name)."""
        with self._lock:
            org, app = self._locate(name, org_name)
            del org.apps[app.name]
            del self._clients[app.client_id]
            self._drop_grants(lambda g: g.client_id == app.client_id)
            self._commit()
            return org.name, app.name

    def _locate(self, name: str, org_name: str | None) -> tuple[Org, AppRecord]:
        """The app in `org_name`, or else in the default org first, then in any org."""
        candidates = [org_name] if org_name else [self.default_org, *self._orgs]
        for candidate in candidates:
            if candidate in self._orgs:
                try:
                    return self._find_app(candidate, name)
                except JsonApiError:
                    continue
        raise not_found(f"App {name} not found")

    def reset(self) -> None:
        """Back to an empty state; orgs and keys stay."""
        with self._lock:
            for org in self._orgs.values():
                org.apps.clear()
            self._clients.clear()
            self._drop_grants(lambda g: True)
            for section in self._sections.values():
                section.reset()
            self._commit()

    # --- persistence -------------------------------------------------------------------------------

    def _to_json(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "seq": self._seq,
            "orgs": {
                org.name: {
                    "id": org.id,
                    "apps": {
                        app.name: {
                            "app": app.app,
                            "name": app.name,
                            "clientId": app.client_id,
                            "visibility": app.visibility,
                            "versions": {
                                v: {"definition": r.definition, "createdAt": r.created_at, "seq": r.seq}
                                for v, r in app.versions.items()
                            },
                            "installs": [i.__dict__.copy() for i in app.installs],
                            "secret": {"hash": app.secret_hash, "minted": app.minted, "revoked": app.revoked},
                        }
                        for app in org.apps.values()
                    },
                }
                for org in self._orgs.values()
            },
            "codes": _grants_to_json(self._codes),
            "access": _grants_to_json(self._access),
            "refresh": _grants_to_json(self._refresh),
            "used_codes": _grants_to_json(self._used_codes),
            "sections": {**self._unattached, **{name: s.to_json() for name, s in self._sections.items()}},
        }

    def _load(self, path: Path) -> None:
        try:
            self._load_json(json.loads(path.read_text(encoding="utf-8")), path)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"cannot load state file {path}: {exc}") from exc

    def _load_json(self, data: Any, path: Path) -> None:
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise ValueError(f"{path} is not a simulator state file (format {STATE_FORMAT})")
        self._seq = int(data["seq"])
        for org_name, org_data in data["orgs"].items():
            org = Org(name=org_name, id=org_data["id"])
            for app_name, a in org_data["apps"].items():
                org.apps[app_name] = AppRecord(
                    app=a["app"],
                    name=a["name"],
                    client_id=a["clientId"],
                    visibility=a["visibility"],
                    versions={
                        v: VersionRecord(definition=r["definition"], created_at=r["createdAt"], seq=r["seq"])
                        for v, r in a["versions"].items()
                    },
                    installs=[Install(**i) for i in a["installs"]],
                    secret_hash=a["secret"]["hash"],
                    minted=a["secret"]["minted"],
                    revoked=list(a["secret"]["revoked"]),
                )
            self._orgs[org_name] = org
            self._clients.update({app.client_id: (org_name, app.name) for app in org.apps.values()})
        self._codes = _grants_from_json(data["codes"])
        self._access = _grants_from_json(data["access"])
        self._refresh = _grants_from_json(data["refresh"])
        self._used_codes = _grants_from_json(data.get("used_codes", {}))
        sections = data.get("sections", {})
        if not isinstance(sections, dict):
            raise ValueError("sections must be an object")
        self._unattached = dict(sections)

    def _commit(self) -> None:
        """Write the state file atomically (temp file in the same directory, fsync, replace)."""
        if self.state_file is None:
            return
        payload = json.dumps(self._to_json(), indent=1, sort_keys=True).encode()
        directory = self.state_file.parent
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.state_file.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.state_file)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
