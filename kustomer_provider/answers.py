"""What the Kustomer API answers, typed: registered versions, installs, minted secrets.

The client (``client``) turns every answer into one of these, in one place; nothing here loads Pulumi.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from . import assumptions
from .versions import at_least

__all__ = ["NOT_INSTALLED", "AvailableApp", "InstallRecord", "InstalledApp", "MintedSecret"]


class _ApiModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)


class AvailableApp(_ApiModel):
    """One registered version of an app (``data`` of an ``available_app`` resource)."""

    id: str
    name: str
    version: str
    client_id: str | None = Field(default=None, alias="clientId")
    redirect_uris: list[str] = Field(default_factory=list, alias="redirectUris")
    #: Every attribute as Kustomer sent it (the registered definition plus what Kustomer adds).
    attributes: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_resource(cls, resource: Mapping[str, Any]) -> AvailableApp:
        """Build from a JSON:API resource object ``{"type", "id", "attributes"}``."""
        attributes = dict(resource.get("attributes") or {})
        attributes.pop("clientSecret", None)
        return cls.model_validate(
            {
                **attributes,
                "id": resource.get("id") or f"{attributes.get('name')}-{attributes.get('version')}",
                "attributes": attributes,
            }
        )

    def belongs_to(self, app: str) -> bool:
        """Whether this registered version is one of ``app``'s (its bare or its namespaced name)."""
        if self.name == app:
            return True
        org_id = assumptions.org_id_from_name(app, self.name)
        return org_id is not None and re.fullmatch(assumptions.ORG_ID_PATTERN, org_id) is not None

    def matches_definition(self, definition: Mapping[str, Any]) -> bool:
        """Whether this registered version holds exactly ``definition`` (keys Kustomer adds ignored)."""
        defaults: dict[str, Any] = {"redirectUris": [], "visibility": "private"}
        for key, wanted in definition.items():
            if key == "app":
                continue
            if self.attributes.get(key, defaults.get(key)) != wanted:
                return False
        return True


class MintedSecret(_ApiModel):
    """The answer of a mint: the app's client id and its new secret."""

    app: AvailableApp
    client_id: str
    client_secret: SecretStr


class InstallRecord(_ApiModel):
    """One install attempt of one version."""

    name: str
    version: str
    status: str
    error: str | None = None


#: Our status for an app with no install (of the version in question) in the org's installed list.
NOT_INSTALLED: Final = "not_installed"


class InstalledApp(_ApiModel):
    """An app of the org's installed list: its installed version and the state of its newest install."""

    name: str
    version: str | None = None
    status: str | None = None
    error: str | None = None

    def state_of(self, version: str) -> str:
        """The state of the install of ``version``: ``installed`` also when a newer one is installed
        (Kustomer only upgrades, so that was done outside Pulumi); otherwise the newest install's
        ``installing`` or ``install_failed``, or :data:`NOT_INSTALLED`."""
        if self.version is not None and at_least(self.version, version):
            return assumptions.INSTALLED
        if self.status in (assumptions.INSTALLING, assumptions.INSTALL_FAILED):
            return self.status
        return NOT_INSTALLED
