"""The records the simulator's store keeps: orgs, apps with their versions and installs, OAuth grants.

Plain data with the few rules that read only the record itself (an install's status as of a time, an app's
latest version). Secrets and tokens appear only as sha256 hashes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import rules

__all__ = [
    "INSTALLED",
    "INSTALLING",
    "INSTALL_FAILED",
    "AppRecord",
    "ClientAuth",
    "Clock",
    "Grant",
    "Install",
    "Org",
    "Principal",
    "VersionRecord",
    "iso",
]

Clock = Callable[[], float]
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
