"""The org's private apps, read with the API client's public listings: two paged listings, whatever the app count.

``GET /v1/apps/available`` (every registered version) and ``GET /v1/apps`` (the installed list) are each read
once, all pages (``links.next`` followed by the client); nothing is asked per app, so an inventory costs a number
of requests that grows with the pages, not with the apps. A key with only ``org.permission.apps.read`` suffices.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from ..answers import AvailableApp, InstalledApp
from ..versions import SemVer

if TYPE_CHECKING:
    from ..client import KustomerClient

__all__ = ["PRIVATE", "OrgApp", "group_apps", "read_org"]

#: The visibility of an OAuth client app; public apps of the marketplace are listed too, and left out here.
PRIVATE: Final = "private"
_DEFAULT_VISIBILITY: Final = PRIVATE  # a definition without `visibility` is private (as the simulator's [ours])


def _version_key(version: str) -> tuple[int, Any]:
    try:
        return (1, SemVer.parse(version))
    except ValueError:
        return (0, version)  # a version we cannot parse sorts first, and is still shown


@dataclass(frozen=True)
class OrgApp:
    """One private app of the org: its registered versions (oldest first) and its entry in the installed list."""

    name: str
    versions: tuple[AvailableApp, ...]
    installed: InstalledApp | None

    @property
    def latest(self) -> AvailableApp:
        """The newest registered version."""
        return self.versions[-1]

    @property
    def shown(self) -> AvailableApp:
        """The version that describes the app: the installed one, else the newest registered."""
        if self.installed is not None and self.installed.version:
            for version in self.versions:
                if version.version == self.installed.version:
                    return version
        return self.latest

    @property
    def client_id(self) -> str | None:
        return self.shown.client_id or self.latest.client_id

    @property
    def bare_name(self) -> str:
        """The app name without the org suffix, as the definition's ``app`` says."""
        app = self.shown.attributes.get("app")
        return app if isinstance(app, str) and app else self.name

    @property
    def roles(self) -> list[str]:
        """The roles (scopes) the app declares: ``roles`` of its definition."""
        roles = self.shown.attributes.get("roles")
        return [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else []


def group_apps(available: Iterable[AvailableApp], installed: Iterable[InstalledApp]) -> list[OrgApp]:
    """The private apps of a listing, by name, each with its versions in version order."""
    by_name: dict[str, list[AvailableApp]] = {}
    for version in available:
        if version.attributes.get("visibility", _DEFAULT_VISIBILITY) != PRIVATE:
            continue
        by_name.setdefault(version.name, []).append(version)
    installs = {entry.name: entry for entry in installed}
    return [
        OrgApp(name, tuple(sorted(versions, key=lambda v: _version_key(v.version))), installs.get(name))
        for name, versions in sorted(by_name.items())
    ]


def read_org(client: KustomerClient) -> list[OrgApp]:
    """Every private app of the org, from the two listings (all their pages)."""
    return group_apps(client.list_available(), client.list_installed())
