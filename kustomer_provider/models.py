"""Models and validation: what the user gives, what the API answers, and how versions compare.

The user-facing models are the single source of validation: the resources' ``check`` runs them and turns
every error into a check failure whose property is the input's path (``redirect_uris[1]``), before any
API call. During a preview, inputs that are not known yet (``pulumi.Output`` values still to be
computed) are skipped, and everything else is validated.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Final
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
    ValidationError,
    field_validator,
)

from . import assumptions
from .unknowns import contains_unknown, is_unknown

__all__ = [
    "KNOWN_DEFINITION_KEYS",
    "NOT_INSTALLED",
    "AppInstallInput",
    "AppInstallsInputs",
    "AppSecretInputs",
    "AvailableApp",
    "InputFailure",
    "InstallRecord",
    "InstalledApp",
    "MintedSecret",
    "PrivateAppInputs",
    "SemVer",
    "duplicate_failures",
    "validate_inputs",
]

# ---------------------------------------------------------------------------------------------------
# Versions


_SEMVER_RE: Final = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?$"
)


@functools.total_ordering
@dataclass(frozen=True)
class SemVer:
    """A ``MAJOR.MINOR.PATCH[-prerelease]`` version, ordered by semver precedence."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> SemVer:
        """Parse ``text``; ``ValueError`` with a message saying the expected form if it is not one."""
        match = _SEMVER_RE.match(text)
        if match is None:
            raise ValueError(
                f"must be a semantic version MAJOR.MINOR.PATCH with an optional pre-release, "
                f"such as '1.0.0' or '1.5.0-beta'; got {text!r}"
            )
        major, minor, patch, pre = match.groups()
        return cls(int(major), int(minor), int(patch), tuple(pre.split(".")) if pre else ())

    def _key(self) -> tuple[Any, ...]:
        # A release sorts after its pre-releases; numeric identifiers sort before alphanumeric ones.
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, SemVer):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{'.'.join(self.prerelease)}" if self.prerelease else core

    def next_patch(self) -> SemVer:
        """The smallest ordinary release above this one (for suggestions in messages)."""
        if self.prerelease:
            return SemVer(self.major, self.minor, self.patch)
        return SemVer(self.major, self.minor, self.patch + 1)

    def next_major(self) -> SemVer:
        """The next major release (for suggestions in messages)."""
        return SemVer(self.major + 1, 0, 0)


def _check_semver(value: str) -> str:
    SemVer.parse(value)
    return value


# ---------------------------------------------------------------------------------------------------
# Field types of the inputs


def _check_app_name(value: str) -> str:
    if not re.match(assumptions.APP_NAME_PATTERN, value):
        raise ValueError(
            "must start with a lowercase letter and hold only lowercase letters, digits and "
            f"underscores (Kustomer allows no dashes or spaces), such as 'my_oauth_app'; got {value!r}"
        )
    return value


def _check_title(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty: Kustomer shows it on the consent screen")
    return value


_LOOPBACK_NAMES: Final = frozenset({"localhost"})


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_redirect_uri(value: str) -> str:
    if value != value.strip() or any(c.isspace() for c in value):
        raise ValueError(f"must not contain whitespace; got {value!r}")
    if "#" in value:
        raise ValueError(f"must not contain a fragment ('#...'), OAuth forbids it; got {value!r}")
    parts = urlsplit(value)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise ValueError(f"must be an absolute URL such as 'https://example.com/callback'; got {value!r}")
    if parts.scheme == "http" and not _is_loopback(host):
        raise ValueError(
            "must use https; plain http is allowed only for loopback hosts "
            f"(localhost, 127.0.0.1, [::1]); got {value!r}"
        )
    if parts.username or parts.password:
        raise ValueError(f"must not contain a user name or password; got {value!r}")
    return value


def _check_https_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"must be an absolute https URL; got {value!r}")
    return value


AppName = Annotated[
    str, Field(min_length=1, max_length=assumptions.APP_NAME_MAX_LENGTH), AfterValidator(_check_app_name)
]
NamespacedAppName = Annotated[
    str,
    Field(min_length=1, max_length=assumptions.NAMESPACED_NAME_MAX_LENGTH),
    AfterValidator(_check_app_name),
]
Version = Annotated[str, Field(max_length=64), AfterValidator(_check_semver)]
Title = Annotated[str, Field(max_length=255), AfterValidator(_check_title)]
RedirectUri = Annotated[str, Field(max_length=2048), AfterValidator(_check_redirect_uri)]
HttpsUrl = Annotated[str, Field(max_length=2048), AfterValidator(_check_https_url)]

#: Top-level keys of an app definition Kustomer knows, besides the ones with inputs of their own.
KNOWN_DEFINITION_KEYS: Final = frozenset(
    {
        "tags", "roles", "settings", "auth", "klasses", "kviews", "widgets", "hooks", "triggers",
        "actions", "workflows", "commands", "outboundWebhooks", "i18n", "changelog", "dependencies",
        "meta",
    }
)  # fmt: skip
#: Definition keys that have their own input; ``definition`` may not set them.
_KEYS_WITH_INPUTS: Final = {
    "app": "app",
    "version": "version",
    "title": "title",
    "redirectUris": "redirect_uris",
    "description": "description",
    "iconUrl": "icon_url",
    "visibility": None,  # always "private": this provider manages private OAuth apps
}


class _Inputs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PrivateAppInputs(_Inputs):
    """The inputs of ``KustomerPrivateApp``, validated."""

    app: AppName
    version: Version
    title: Title
    redirect_uris: list[RedirectUri] = Field(default_factory=list, max_length=50)
    description: Annotated[str, Field(max_length=10_000)] | None = None
    icon_url: HttpsUrl | None = None
    definition: dict[str, Any] = Field(default_factory=dict)
    install: StrictBool = True
    adopt_existing: StrictBool = False
    wait_for_install: StrictBool = True

    @field_validator("definition")
    @classmethod
    def _known_definition_keys(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in value:
            if key in _KEYS_WITH_INPUTS:
                own = _KEYS_WITH_INPUTS[key]
                fix = f"use the `{own}` input instead" if own else "this provider always registers private apps"
                raise ValueError(f"must not set {key!r}: {fix}")
            if key not in KNOWN_DEFINITION_KEYS:
                known = ", ".join(sorted(KNOWN_DEFINITION_KEYS))
                raise ValueError(
                    f"has the unknown top-level key {key!r}; Kustomer rejects unknown keys. Known keys: {known}"
                )
        roles = value.get("roles")
        if roles is not None and (not isinstance(roles, list) or not all(isinstance(r, str) for r in roles)):
            raise ValueError("'roles' must be a list of role strings such as 'org.permission.customer.read'")
        return value

    def to_definition(self) -> dict[str, Any]:
        """The app definition to register, as Kustomer's JSON expects it."""
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

    def definition_changes(self, other: PrivateAppInputs) -> list[str]:
        """Names of the inputs whose change alters the registered definition (the version aside)."""
        fields = ("title", "redirect_uris", "description", "icon_url", "definition")
        return [f for f in fields if getattr(self, f) != getattr(other, f)]


def _check_trigger_value(value: Any) -> Any:
    if not isinstance(value, str | int | float | bool):
        raise ValueError(f"must be a string, number or boolean (a value that changes to rotate); got {value!r}")
    return value


TriggerValue = Annotated[Any, AfterValidator(_check_trigger_value)]


class AppSecretInputs(_Inputs):
    """The inputs of ``KustomerAppSecret``, validated."""

    app_name: NamespacedAppName
    app_version: Version | None = None
    rotation_triggers: dict[str, TriggerValue] = Field(default_factory=dict)
    rotate_after_days: Annotated[int, Field(ge=1, le=3650)] | None = None

    @field_validator("rotate_after_days", mode="before")
    @classmethod
    def _whole_days(cls, value: Any) -> Any:
        # Numbers cross the engine as floats: accept 90.0, refuse 1.5 and booleans.
        if isinstance(value, bool):
            raise ValueError("must be a whole number of days, such as 90")
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value


class AppInstallInput(_Inputs):
    """One app whose install a ``KustomerAppInstalls`` waits for."""

    app_name: NamespacedAppName
    version: Version
    install: StrictBool = True


class AppInstallsInputs(_Inputs):
    """The inputs of ``KustomerAppInstalls``, validated."""

    apps: list[AppInstallInput] = Field(default_factory=list, max_length=1000)

    def installs(self) -> dict[str, str]:
        """App name -> version, for every app that is to be installed."""
        return {app.app_name: app.version for app in self.apps if app.install}


# ---------------------------------------------------------------------------------------------------
# Validation that reports input paths and tolerates unknown values


@dataclass(frozen=True)
class InputFailure:
    """One invalid input: its path (``redirect_uris[1]``) and what is wrong with it and how to fix it."""

    property: str
    reason: str


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _value_at(data: Mapping[str, Any], loc: tuple[int | str, ...]) -> Any:
    value: Any = data
    for part in loc:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _touches_unknown(data: Mapping[str, Any], loc: tuple[int | str, ...]) -> bool:
    for depth in range(1, len(loc) + 1):
        if is_unknown(_value_at(data, loc[:depth])):
            return True
    return contains_unknown(_value_at(data, loc)) if loc else False


_FRIENDLY: Final = {
    "missing": "is required",
    "extra_forbidden": "is not an input of this resource (check the spelling)",
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be a map of names to values",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_parsing": "must be a whole number",
}


def _reason(error: Mapping[str, Any], path: str) -> str:
    kind = error["type"]
    message = _FRIENDLY.get(kind) or str(error["msg"]).removeprefix("Value error, ")
    if kind == "too_long" or kind == "string_too_long":
        message = str(error["msg"])
    return f"{path} {message}" if path else message


def validate_inputs(model: type[_Inputs], data: Mapping[str, Any]) -> tuple[_Inputs | None, list[InputFailure]]:
    """Validate ``data`` against ``model``.

    Returns the model (``None`` if some input is invalid or not known yet) and the failures. Failures
    at, inside or below an unknown value are dropped: they can only be judged once it is known.
    """
    known_fields = model.model_fields
    values = {k: v for k, v in data.items() if k in known_fields or not k.startswith("__")}
    values = {k: v for k, v in values.items() if v is not None}
    try:
        validated = model.model_validate(values)
    except ValidationError as exc:
        failures = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            if _touches_unknown(values, loc):
                continue
            path = _path(loc)
            failures.append(InputFailure(property=path, reason=_reason(error, path)))
        return None, failures
    if contains_unknown(values):
        return None, []
    return validated, []


def duplicate_failures(name: str, items: list[Any]) -> list[InputFailure]:
    """One failure per repeated item of a list input, naming where it first appeared."""
    seen: dict[Any, int] = {}
    failures = []
    for index, item in enumerate(items):
        if is_unknown(item):
            continue
        if item in seen:
            path = f"{name}[{index}]"
            failures.append(InputFailure(path, f"{path} repeats {name}[{seen[item]}] ({item!r}): list each value once"))
        else:
            seen[item] = index
    return failures


# ---------------------------------------------------------------------------------------------------
# What the API answers


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
        if self.version is not None and _at_least(self.version, version):
            return assumptions.INSTALLED
        if self.status in (assumptions.INSTALLING, assumptions.INSTALL_FAILED):
            return self.status
        return NOT_INSTALLED


def _at_least(installed: str, wanted: str) -> bool:
    try:
        return SemVer.parse(installed) >= SemVer.parse(wanted)
    except ValueError:
        return installed == wanted
