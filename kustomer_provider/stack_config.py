"""The program's stack configuration: the ``kustomer:apps`` list, validated before any resource exists.

Pulumi's project schema (``Pulumi.yaml``) types config only as string, integer, boolean or array, so
a list of objects cannot be typed there; this model is its schema. Every field has the same type as the
resource input it feeds (``models``): a value gets the same verdict in the stack file as it would as a
resource argument, and a ``null`` counts as not given in both. An error names the exact key path
(``kustomer:apps[0].redirectUris[1]``) and the fix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from .errors import KustomerConfigError
from .models import (
    AppName,
    Bool,
    Definition,
    Description,
    HttpsUrl,
    InputFailure,
    RedirectUris,
    RoleString,
    RotateAfterDays,
    RotationTriggers,
    Title,
    Version,
    path_part,
    validate_inputs,
)

__all__ = ["APPS_KEY", "AppConfig", "load_apps"]

APPS_KEY: Final = "kustomer:apps"


class AppConfig(BaseModel):
    """One app of the stack: ``kustomer:apps[i]``. Keys are camelCase, as in the stack file."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)

    app: AppName
    """The app name without the org suffix (lowercase, digits, underscores)."""
    version: Version
    """The app version to register; bump it with every definition change."""
    title: Title
    """The title on Kustomer's consent screen."""
    redirect_uris: RedirectUris = Field(default_factory=list)
    """OAuth redirect URIs of the consumer (StackOne's callback, a local loopback URL, ...)."""
    scopes: Annotated[list[RoleString], Field(max_length=100)] = Field(default_factory=list)
    """The scopes consumers should request (role strings, plus offline_access for refresh tokens)."""
    description: Description | None = None
    """The app's description (free text)."""
    icon_url: HttpsUrl | None = None
    """An https URL of the app's icon."""
    definition: Definition = Field(default_factory=dict)
    """Other top-level keys of the app definition (roles, settings, ...)."""
    install: Bool = True
    """Install the version into the org (needed for the OAuth flow)."""
    adopt_existing: Bool = False
    """Manage an identical version already registered instead of failing."""
    rotate_after_days: RotateAfterDays | None = None
    """Mint a new secret on the first `pulumi up` this many days after the last one."""
    rotation_triggers: RotationTriggers = Field(default_factory=dict)
    """Change any value to mint a new secret on the next `pulumi up`."""
    secret_follows_version: Bool = False
    """Mint a new secret whenever the app moves to a new version."""


def _path(loc: tuple[int | str, ...]) -> str:
    return APPS_KEY + "".join(path_part(part) for part in loc)


def _problem(index: int, failure: InputFailure) -> str:
    message = failure.message
    if failure.kind == "extra_forbidden":
        message = "is not a field of an app (check the spelling; see Pulumi.yaml for the fields)"
    return f"{_path((index, *failure.loc))}: {message}"


def load_apps(get_object: Callable[[str], Any]) -> list[AppConfig]:
    """Read and validate ``kustomer:apps`` (``get_object`` is ``pulumi.Config("kustomer").get_object``)."""
    raw = get_object("apps")
    if raw is None:
        raise KustomerConfigError(
            f"{APPS_KEY} is not set: give the stack at least one app, for example\n"
            "  pulumi config set --path 'apps[0].app' my_app\n"
            "  pulumi config set --path 'apps[0].version' 1.0.0\n"
            "  pulumi config set --path 'apps[0].title' 'My app'"
        )
    if not isinstance(raw, list) or not raw:
        raise KustomerConfigError(f"{APPS_KEY} must be a non-empty list of apps; got {type(raw).__name__}")
    apps: list[tuple[int, AppConfig]] = []
    problems: list[str] = []
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            problems.append(f"{_path((index,))}: must be a map of an app's fields (app, version, title, ...)")
            continue
        # Stack config holds no unknowns: every value is judged as it is.
        app, failures = validate_inputs(AppConfig, item, allow_unknown=False)
        problems += [_problem(index, failure) for failure in failures]
        if app is not None:
            apps.append((index, app))
    seen: dict[str, int] = {}
    for index, app in apps:
        if app.app in seen:
            problems.append(f"{_path((index, 'app'))}: {app.app!r} is already apps[{seen[app.app]}]")
        seen.setdefault(app.app, index)
    if problems:
        raise KustomerConfigError("Invalid stack config:\n  " + "\n  ".join(problems))
    return [app for _, app in apps]
