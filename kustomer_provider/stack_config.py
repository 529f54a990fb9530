"""The program's stack configuration: the ``kustomer:apps`` list, validated before any resource exists.

Pulumi's project schema (``Pulumi.yaml``) types config only as string, integer, boolean or array, so
a list of objects cannot be typed there; this model is its schema. An error names the exact key path
(``kustomer:apps[0].redirectUris[1]``) and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, Final

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, ValidationError
from pydantic.alias_generators import to_camel

from .errors import KustomerConfigError
from .models import AppName, RedirectUri, Title, Version

__all__ = ["APPS_KEY", "AppConfig", "load_apps"]

APPS_KEY: Final = "kustomer:apps"
_SCOPE_RE: Final = re.compile(r"^[a-z_]+(?:\.[a-z_]+)*$")


def _check_scope(value: str) -> str:
    if not _SCOPE_RE.match(value):
        raise ValueError(
            f"must be a Kustomer role string such as 'org.permission.customer.read', or 'offline_access'; got {value!r}"
        )
    return value


Scope = Annotated[str, AfterValidator(_check_scope)]


class AppConfig(BaseModel):
    """One app of the stack: ``kustomer:apps[i]``. Keys are camelCase, as in the stack file."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)

    app: AppName
    """The app name without the org suffix (lowercase, digits, underscores)."""
    version: Version
    """The app version to register; bump it with every definition change."""
    title: Title
    """The title on Kustomer's consent screen."""
    redirect_uris: list[RedirectUri] = Field(default_factory=list)
    """OAuth redirect URIs of the consumer (StackOne's callback, a local loopback URL, ...)."""
    scopes: list[Scope] = Field(default_factory=list)
    """The scopes consumers should request (role strings, plus offline_access for refresh tokens)."""
    description: str | None = None
    icon_url: str | None = None
    definition: dict[str, Any] = Field(default_factory=dict)
    """Other top-level keys of the app definition (roles, settings, ...)."""
    install: StrictBool = True
    adopt_existing: StrictBool = False
    rotate_after_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    """Mint a new secret on the first `pulumi up` this many days after the last one."""
    rotation_triggers: dict[str, str | int | float | bool] = Field(default_factory=dict)
    """Change any value to mint a new secret on the next `pulumi up`."""
    secret_follows_version: StrictBool = False
    """Mint a new secret whenever the app moves to a new version."""


def _path(loc: tuple[int | str, ...]) -> str:
    text = APPS_KEY
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


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
    apps: list[AppConfig] = []
    problems: list[str] = []
    for index, item in enumerate(raw):
        try:
            apps.append(AppConfig.model_validate(item))
        except ValidationError as exc:
            for error in exc.errors():
                message = str(error["msg"]).removeprefix("Value error, ")
                if error["type"] == "extra_forbidden":
                    message = "is not a field of an app (check the spelling; see Pulumi.yaml for the fields)"
                problems.append(f"{_path((index, *error['loc']))}: {message}")
    seen: dict[str, int] = {}
    for index, app in enumerate(apps):
        if app.app in seen:
            problems.append(f"{_path((index, 'app'))}: {app.app!r} is already apps[{seen[app.app]}]")
        seen.setdefault(app.app, index)
    if problems:
        raise KustomerConfigError("Invalid stack config:\n  " + "\n  ".join(problems))
    return apps
