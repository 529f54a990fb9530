"""The simulator's state, one lock and one state file: orgs and keys, apps, OAuth grants and other sections.

`Store` is the one object the routers call. Each job is a module of its own: `accounts` (orgs and API keys),
`app_registry` (apps, versions, installs, secrets), `grants` (OAuth codes and tokens), `state_view` (the
`/_sim/state` view), `persistence` (the state file). The store ties them together: every public method takes
the store's lock for its whole run, so a method is one atomic step even when handlers run on many threads; a
method that changes state writes the state file before it returns (the change is committed before any answer
leaves). Secrets and tokens are kept only as sha256 hashes. Install status is never stored: it is computed
from `startedAt`, `readyAt` and the clock on every read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import rules
from .accounts import Accounts
from .app_registry import AppRegistry
from .grants import OAuthGrants
from .persistence import (
    StateSection,
    grants_from_json,
    grants_to_json,
    orgs_from_json,
    orgs_to_json,
    read_state_file,
    write_state_file,
)
from .records import ClientAuth, Clock, Org, Principal
from .state_view import state_view

__all__ = ["Store"]


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
        now = self._now  # the parts read `self.clock` at each call, as the store does
        self._accounts = Accounts(pod=pod, default_org=default_org)
        self._apps = AppRegistry(self._accounts, clock=now, commit=self._commit)
        self._grants = OAuthGrants(
            self._apps, pod=pod, clock=now, commit=self._commit, refresh_token_idle_s=refresh_token_idle_s
        )
        self._sections: dict[str, StateSection] = {}
        self._unattached: dict[str, Any] = {}  # sections read from the file, waiting for their owner
        if state_file is not None and state_file.exists():
            self._load(state_file)
        self.ensure_org(default_org)

    def _now(self) -> float:
        return self.clock()

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
            return self._accounts.ensure_org(name)

    def org_id(self, name: str) -> str:
        """The id of an org (created on demand)."""
        return self.ensure_org(name).id

    def add_key(self, key: str, roles: Iterable[str], org: str | None = None, pod: str | None = None) -> Org:
        """Add (or replace) an API key; its org is created on demand."""
        with self._lock:
            return self._accounts.add_key(key, roles, org, pod)

    def resolve(self, token: str) -> tuple[Principal, bool] | None:
        """Who a bearer token is, and whether it belongs to this pod; None if unknown or expired."""
        # No lock: single dict reads are atomic, and every request comes here, often on the event
        # loop, which must not wait behind a writer's fsync.
        by_key = self._accounts.key_principal(token)
        if by_key is not None:
            return by_key
        principal = self._grants.access_principal(token)
        return None if principal is None else (principal, True)

    # --- apps --------------------------------------------------------------------------------------

    def register(self, org_name: str, definition: dict[str, Any]) -> dict[str, Any]:
        """Register a validated definition (steps 3 to 7); return the available_app resource."""
        with self._lock:
            return self._apps.register(org_name, definition)

    def list_available(self, org_name: str) -> list[dict[str, Any]]:
        """Every registered version of the org, oldest registration first."""
        with self._lock:
            return self._apps.list_available(org_name)

    def list_installed(self, org_name: str) -> list[dict[str, Any]]:
        """Apps of the org with at least one install attempt."""
        with self._lock:
            return self._apps.list_installed(org_name)

    def install(
        self, org_name: str, name: str, version: str, *, install_ms: float, install_fail: Iterable[str]
    ) -> tuple[int, dict[str, Any]]:
        """Start an install (202), or report the one already done (200) or running (202)."""
        with self._lock:
            return self._apps.install(org_name, name, version, install_ms=install_ms, install_fail=install_fail)

    def installs_of(self, org_name: str, name: str, version: str) -> list[dict[str, Any]]:
        """Install attempts of one version, newest first."""
        with self._lock:
            return self._apps.installs_of(org_name, name, version)

    def mint_secret(self, org_name: str, name: str, version: str | None) -> dict[str, Any]:
        """Mint a new client secret, revoking the previous one; the answer is the only copy.

        Only for an app with an installed version (the seed tutorial's order: install, then the secret):
        otherwise the refusal of `rules.MINT_NOT_INSTALLED_STATUS`, and nothing changes.
        """
        with self._lock:
            return self._apps.mint_secret(org_name, name, version)

    # --- OAuth -------------------------------------------------------------------------------------

    def authorize_target(self, client_id: str, redirect_uri: str) -> tuple[str, str]:
        """Check an authorize request's client and redirect URI; return (app title, org name)."""
        with self._lock:
            return self._grants.authorize_target(client_id, redirect_uri)

    def issue_code(self, client_id: str, redirect_uri: str, scopes: list[str], code_challenge: str | None) -> str:
        """An authorization code for a checked request (single use, short-lived)."""
        with self._lock:
            return self._grants.issue_code(client_id, redirect_uri, scopes, code_challenge)

    def check_client(self, auth: ClientAuth) -> None:
        """Authenticate the client of a token request, before anything about its grant (see `OAuthGrants`)."""
        with self._lock:
            self._grants.check_client_secret(auth)

    def exchange_code(
        self, auth: ClientAuth, code: str, redirect_uri: str | None, code_verifier: str | None
    ) -> dict[str, Any]:
        """The authorization_code grant (RFC 6749 §4.1.3, RFC 7636 §4.6)."""
        with self._lock:
            return self._grants.exchange_code(auth, code, redirect_uri, code_verifier)

    def refresh(self, auth: ClientAuth, refresh_token: str, scope: str | None) -> dict[str, Any]:
        """The refresh_token grant (RFC 6749 §6); the used refresh token is revoked (rotation [doc: seed])."""
        with self._lock:
            return self._grants.refresh(auth, refresh_token, scope)

    # --- control -----------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The `/_sim/state` view: everything but secret and token values."""
        with self._lock:
            return state_view(self._accounts.orgs.values(), self.clock())

    def delete_app(self, name: str, org_name: str | None = None) -> tuple[str, str]:
        """Remove an app and its grants as if it never existed; return (org, name)."""
        with self._lock:
            org, app = self._apps.locate(name, org_name)
            self._apps.remove(org, app)
            self._grants.drop(lambda g: g.client_id == app.client_id)
            self._commit()
            return org.name, app.name

    def reset(self) -> None:
        """Back to an empty state; orgs and keys stay."""
        with self._lock:
            self._apps.clear()
            self._grants.drop(lambda g: True)
            for section in self._sections.values():
                section.reset()
            self._commit()

    # --- persistence -------------------------------------------------------------------------------

    def _to_json(self) -> dict[str, Any]:
        grants = self._grants
        return {
            "seq": self._apps.seq,
            "orgs": orgs_to_json(self._accounts.orgs),
            "codes": grants_to_json(grants.codes),
            "access": grants_to_json(grants.access),
            "refresh": grants_to_json(grants.refresh_tokens),
            "used_codes": grants_to_json(grants.used_codes),
            "sections": {**self._unattached, **{name: s.to_json() for name, s in self._sections.items()}},
        }

    def _load(self, path: Path) -> None:
        try:
            data = read_state_file(path)
            self._apps.seq = int(data["seq"])
            self._accounts.orgs.update(orgs_from_json(data["orgs"]))
            self._apps.reindex()
            self._grants.codes = grants_from_json(data["codes"])
            self._grants.access = grants_from_json(data["access"])
            self._grants.refresh_tokens = grants_from_json(data["refresh"])
            self._grants.used_codes = grants_from_json(data.get("used_codes", {}))
            sections = data.get("sections", {})
            if not isinstance(sections, dict):
                raise ValueError("sections must be an object")
            self._unattached = dict(sections)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"cannot load state file {path}: {exc}") from exc

    def _commit(self) -> None:
        """Write the state file atomically (see `persistence.write_state_file`)."""
        if self.state_file is not None:
            write_state_file(self.state_file, self._to_json())
