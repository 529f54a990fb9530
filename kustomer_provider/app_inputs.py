"""The inputs of the Kustomer app resources (``KustomerPrivateApp``, ``KustomerAppSecret``, ``KustomerAppInstalls``).

Each model is the one declaration of its resource's inputs: their types (``fields``), their defaults (the
resource's and the provider's), and what the stack config's ``kustomer:apps`` accepts (``stack_config``'s
``AppConfig`` is built of the same parts).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field

from .fields import (
    KNOWN_DEFINITION_KEYS,
    AppName,
    Bool,
    Definition,
    Description,
    HttpsUrl,
    NamespacedAppName,
    OwnerMarker,
    RedirectUris,
    RotateAfterDays,
    RotationTriggers,
    Title,
    UniqueItems,
    Version,
)
from .input_validation import InputModel

__all__ = [
    "AppDefinitionInputs",
    "AppInstallInput",
    "AppInstallsInputs",
    "AppSecretInputs",
    "PrivateAppInputs",
    "SecretRotationInputs",
    "definition_values",
]


class AppDefinitionInputs(InputModel):
    """What a Kustomer private app is registered and installed as: the inputs ``KustomerPrivateApp`` and an app
    of the stack config's ``kustomer:apps`` have in common."""

    app: AppName
    """The app name without the org suffix (lowercase, digits, underscores)."""
    version: Version
    """The app version to register; bump it with every definition change."""
    title: Title
    """The title on Kustomer's consent screen."""
    redirect_uris: RedirectUris = Field(default_factory=list)
    """OAuth redirect URIs of the consumer (StackOne's callback, a local loopback URL, ...)."""
    description: Description | None = None
    """The app's description (free text)."""
    icon_url: HttpsUrl | None = None
    """An https URL of the app's icon."""
    definition: Definition = Field(default_factory=dict)
    """Other top-level keys of the app definition (roles, settings, ...)."""
    install: Bool = True
    """Install the version into the org (needed for the OAuth flow)."""
    adopt_existing: Bool = False
    """Manage an identical version already registered, with no owner marker, instead of failing."""
    take_over_from: OwnerMarker | None = None
    """The owner marker of another stack's resource whose app this resource may take over."""
    owner_marker: OwnerMarker | None = None
    """Written into every version the resource registers; by default ``<project>/<stack>/<resource name>``."""

    def to_definition(self) -> dict[str, Any]:
        """The app definition to register, as Kustomer's JSON expects it: exactly the validated values."""
        definition: dict[str, Any] = {
            "app": self.app,
            "version": self.version,
            "title": self.title,
            "visibility": "private",
            "redirectUris": list(self.redirect_uris),
        }
        if self.description is not None:
            definition["description"] = self.description
        if self.icon_url is not None:
            definition["iconUrl"] = self.icon_url
        definition.update(self.definition)
        return definition


class PrivateAppInputs(AppDefinitionInputs):
    """The inputs of ``KustomerPrivateApp``, validated."""

    wait_for_install: Bool = True
    """Return only once the install is final (else a ``KustomerAppInstalls`` waits for it)."""


class _SecretFor(InputModel):
    app_name: NamespacedAppName
    """The namespaced app name the secret is minted for."""
    app_version: Version | None = None
    """Mint through this version's endpoint."""


class SecretRotationInputs(InputModel):
    """When a client secret is minted again: inputs of ``KustomerAppSecret`` and of an app of ``kustomer:apps``."""

    rotation_triggers: RotationTriggers = Field(default_factory=dict)
    """Change any value to mint a new secret on the next `pulumi up`."""
    rotate_after_days: RotateAfterDays | None = None
    """Mint a new secret on the first `pulumi up` this many days after the last one."""


class AppSecretInputs(SecretRotationInputs, _SecretFor):
    """The inputs of ``KustomerAppSecret``, validated: the app, then the rotation (pydantic puts the last base's
    fields first)."""


class AppInstallInput(InputModel):
    """One app whose install a ``KustomerAppInstalls`` waits for."""

    app_name: NamespacedAppName
    version: Version
    install: Bool = True


class AppInstallsInputs(InputModel):
    """The inputs of ``KustomerAppInstalls``, validated."""

    apps: Annotated[list[AppInstallInput], Field(max_length=1000), UniqueItems("app_name")] = Field(
        default_factory=list
    )

    def installs(self) -> dict[str, str]:
        """App name -> version, for every app that is to be installed."""
        return {app.app_name: app.version for app in self.apps if app.install}


def definition_values(attributes: Mapping[str, Any], namespaced_name: str) -> dict[str, Any]:
    """The inputs of :class:`AppDefinitionInputs` (snake_case) that register exactly the definition of a registered
    version, from its attributes as Kustomer lists them; not validated (the caller's model judges them).

    What Kustomer adds to a definition (``name``, ``clientId``, ``createdAt``, ...) is left out, and so is an empty
    ``auth`` (the listing shows one for every app); ``install`` and ``adopt_existing`` are not part of a
    definition and are left to the caller. Used by an import's read and by the inventory's ``--adopt``.
    """
    bare = attributes.get("app")
    if not isinstance(bare, str) or not bare:
        bare = namespaced_name.rsplit("_", 1)[0] if "_" in namespaced_name else namespaced_name
    values: dict[str, Any] = {
        "app": bare,
        "version": attributes.get("version"),
        "title": attributes.get("title"),
        "redirect_uris": list(attributes.get("redirectUris") or []),
    }
    if attributes.get("description") is not None:
        values["description"] = attributes["description"]
    if attributes.get("iconUrl") is not None:
        values["icon_url"] = attributes["iconUrl"]
    definition = {
        key: value
        for key, value in attributes.items()
        if key in KNOWN_DEFINITION_KEYS and not (key == "auth" and value == {})
    }
    if definition:
        values["definition"] = definition
    return values
