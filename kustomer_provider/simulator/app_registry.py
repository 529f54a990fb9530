"""The apps of every org: registration of versions, installs, client secrets, and the client-id index.

The answers are Kustomer's JSON:API resources (`available_app`, `installed_app`). The store's lock guards every
call; a method that changes state calls `commit` before it returns (the change is saved before any answer).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from . import rules
from .accounts import Accounts
from .errors import FirstShapeError, JsonApiError, not_found
from .records import INSTALLING, AppRecord, Clock, Install, Org, VersionRecord, iso

__all__ = ["AppRegistry"]


class AppRegistry:
    """Every org's apps (kept in `Accounts.orgs`), and which app each client id belongs to."""

    def __init__(self, accounts: Accounts, *, clock: Clock, commit: Callable[[], None]) -> None:
        self._accounts = accounts
        self._clock = clock
        self._commit = commit
        self.clients: dict[str, tuple[str, str]] = {}  # client id -> (org, app name)
        self.seq = 0  # registration order of versions, across orgs

    def app_of_client(self, client_id: str) -> tuple[Org, AppRecord] | None:
        """The org and app of a client id, or None."""
        where = self.clients.get(client_id)
        if where is None:
            return None
        org = self._accounts.orgs[where[0]]
        return org, org.apps[where[1]]

    def reindex(self) -> None:
        """Rebuild the client-id index from the orgs (after loading a state file)."""
        self.clients = {
            app.client_id: (org.name, app.name) for org in self._accounts.orgs.values() for app in org.apps.values()
        }

    def locate(self, name: str, org_name: str | None) -> tuple[Org, AppRecord]:
        """The app in `org_name`, or else in the default org first, then in any org."""
        candidates = [org_name] if org_name else [self._accounts.default_org, *self._accounts.orgs]
        for candidate in candidates:
            if candidate in self._accounts.orgs:
                try:
                    return self.find_app(candidate, name)
                except JsonApiError:
                    continue
        raise not_found(f"App {name} not found")

    def remove(self, org: Org, app: AppRecord) -> None:
        """Forget an app (its grants are the caller's to drop)."""
        del org.apps[app.name]
        del self.clients[app.client_id]

    def clear(self) -> None:
        """Every org without apps; orgs and keys stay."""
        for org in self._accounts.orgs.values():
            org.apps.clear()
        self.clients.clear()

    def find_app(self, org_name: str, name: str) -> tuple[Org, AppRecord]:
        """The app of that name (namespaced or as declared) in the org, or 404."""
        org = self._accounts.ensure_org(org_name)
        app = org.apps.get(name) or org.apps.get(f"{name}_{org.id}")
        if app is None:
            raise not_found(f"App {name} not found")
        return org, app

    def find_version(self, org_name: str, name: str, version: str) -> tuple[Org, AppRecord]:
        """The app, if `version` of it is registered, or 404."""
        org, app = self.find_app(org_name, name)
        if version not in app.versions:
            raise not_found(f"Version {version} of app {app.name} is not registered")
        return org, app

    def register(self, org_name: str, definition: dict[str, Any]) -> dict[str, Any]:
        """Register a validated definition (steps 3 to 7); return the available_app resource."""
        org = self._accounts.ensure_org(org_name)
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
            self.clients[record.client_id] = (org.name, name)
        self.seq += 1
        record.versions[version] = VersionRecord(
            definition=copy.deepcopy(definition), created_at=self._clock(), seq=self.seq
        )
        self._commit()
        return self._available_resource(record, version)

    def list_available(self, org_name: str) -> list[dict[str, Any]]:
        """Every registered version of the org, oldest registration first."""
        org = self._accounts.ensure_org(org_name)
        pairs = [(v.seq, app, version) for app in org.apps.values() for version, v in app.versions.items()]
        return [self._available_resource(app, version) for _, app, version in sorted(pairs, key=lambda p: p[0])]

    def list_installed(self, org_name: str) -> list[dict[str, Any]]:
        """Apps of the org with at least one install attempt."""
        now = self._clock()
        org = self._accounts.ensure_org(org_name)
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
        org, app = self.find_version(org_name, name, version)
        now = self._clock()
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
        _, app = self.find_version(org_name, name, version)
        now = self._clock()
        return [self._install_resource(app, i, now) for i in reversed(app.installs) if i.version == version]

    def mint_secret(self, org_name: str, name: str, version: str | None) -> dict[str, Any]:
        """Mint a new client secret, revoking the previous one; the answer is the only copy.

        Only for an app with an installed version (the seed tutorial's order: install, then the secret):
        otherwise the refusal of `rules.MINT_NOT_INSTALLED_STATUS`, and nothing changes.
        """
        if version is None:
            _, app = self.find_app(org_name, name)
            version = app.latest_version()
        else:
            _, app = self.find_version(org_name, name, version)
        if app.installed(self._clock()) is None:
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
