"""Models and validation: what the user gives, what the API answers, and how versions compare.

The user-facing models are the single source of validation: the resources' ``check``, their
create/diff/update, and the program's ``kustomer:apps`` (``stack_config``) all run the same field types,
so a value gets the same verdict whichever door it comes through. Every error becomes a failure whose
property is the input's path (``redirect_uris[1]``, ``definition.roles[0]``), before any API call.
During a preview, inputs that are not known yet (``pulumi.Output`` values still to be computed) are
skipped, and everything else is validated.

Correct by construction:

- Text is matched whole (``re.fullmatch``, never ``$`` under ``re.match``) and ASCII-only where
  Kustomer's rules are ASCII (app names, versions, role strings, URLs).
- No string, at any depth, may hold a control or invisible character (Unicode categories Cc, Cf, Co,
  Cs, Zl, Zp: NUL, zero-width characters, bidi overrides, ...). Free text (``description`` and the
  strings inside ``definition``) may hold line feeds and tabs, and nothing else of the kind.
- URLs are parsed, not matched: scheme, a non-empty host name or IP address, a port in 1-65535, no user
  name or password, no fragment, only the characters RFC 3986 allows.
- Values arrive typed as Pulumi delivers them: ``pulumi.Config.get`` gives text and the engine gives
  ``90.0`` for ``90``. A whole number may be given as ``90``, ``90.0`` or the text ``"90"``; a boolean as
  ``true`` or the text ``"true"`` / ``"True"`` (what ``pulumi.Config.get_bool`` accepts). Anything else
  (``true`` for a number of days, ``1`` for a boolean, ``"yes"``) is refused. The models convert once;
  diff compares the converted values (:func:`normalize_inputs`), never the raw ones.
- Numbers inside ``definition`` and ``rotation_triggers`` must be finite (no NaN or Infinity) and whole
  numbers within +-2**53, which the engine (it carries every number as a 64-bit float) keeps exactly.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Final, TypeVar
from urllib.parse import urlsplit

import semver
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    Strict,
    TypeAdapter,
    ValidationError,
)

from . import assumptions
from .unknowns import contains_unknown, is_unknown

__all__ = [
    "KNOWN_DEFINITION_KEYS",
    "NOT_INSTALLED",
    "AppInstallInput",
    "AppInstallsInputs",
    "AppName",
    "AppSecretInputs",
    "AvailableApp",
    "Bool",
    "Definition",
    "Description",
    "HttpsUrl",
    "InputFailure",
    "InstallRecord",
    "InstalledApp",
    "MintedSecret",
    "NamespacedAppName",
    "PrivateAppInputs",
    "RedirectUri",
    "RedirectUris",
    "RoleString",
    "RotateAfterDays",
    "RotationTriggers",
    "SemVer",
    "Title",
    "UniqueItems",
    "Version",
    "duplicate_failures",
    "normalize_inputs",
    "path_part",
    "validate_inputs",
]

# ---------------------------------------------------------------------------------------------------
# Versions


def _shown(value: Any) -> str:
    """``value`` for a message: its repr (which escapes control and invisible characters), cut short."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


class SemVer(semver.Version):
    """A version as Kustomer accepts it, ordered by semver precedence (pre-releases below their release).

    Parsing and ordering are the ``semver`` package's (semver 2.0.0: ASCII digits, no leading zeros, the
    whole text); Kustomer's rule on top: ``MAJOR.MINOR.PATCH[-prerelease]`` only, no build metadata
    (``+build``), which Kustomer's versions never carry and which semver ignores when ordering.
    """

    __slots__ = ()

    @classmethod
    def parse(cls, version: object, optional_minor_and_patch: bool = False) -> SemVer:
        """Parse ``version``; ``ValueError`` with a message saying the expected form if it is not one."""
        problem = ValueError(
            f"must be a semantic version MAJOR.MINOR.PATCH with an optional pre-release, "
            f"such as '1.0.0' or '1.5.0-beta'; got {_shown(version)}"
        )
        if not isinstance(version, str) or optional_minor_and_patch or "+" in version:
            raise problem
        try:
            parsed = super().parse(version)
        except ValueError:
            raise problem from None
        return parsed

    def next_patch(self) -> SemVer:
        """The smallest ordinary release above this one (for suggestions in messages)."""
        return SemVer(self.major, self.minor, self.patch if self.prerelease else self.patch + 1)

    def next_major(self) -> SemVer:
        """The next major release (for suggestions in messages)."""
        return SemVer(self.major + 1)


# ---------------------------------------------------------------------------------------------------
# Text: no control or invisible characters, anywhere

#: Control, format (zero-width, bidi overrides, BOM), private-use, surrogate and line/paragraph separators.
_HIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})
#: Letters and symbols to Unicode that render as nothing (Hangul fillers, the blank Braille pattern).
_INVISIBLE: Final = frozenset("\u115f\u1160\u3164\uffa0\u2800")
#: What free text (a description, the strings of a definition) may hold besides printable characters.
_TEXT_LAYOUT: Final = frozenset("\n\t")


class _NestedError(ValueError):
    """A problem inside a nested value: ``loc`` continues the input's location (``roles``, ``0``)."""

    def __init__(self, message: str, loc: tuple[int | str, ...] = ()) -> None:
        super().__init__(message)
        self.loc = loc


def _hidden_character(text: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """The first control or invisible character of ``text``, described, or ``None``."""
    for index, char in enumerate(text):
        if char not in allowed and (char in _INVISIBLE or unicodedata.category(char) in _HIDDEN_CATEGORIES):
            name = unicodedata.name(char, "a control character")
            return f"U+{ord(char):04X} ({name}) at position {index}"
    return None


def _check_plain_text(value: str) -> str:
    found = _hidden_character(value)
    if found is not None:
        raise ValueError(f"must not hold control or invisible characters; found {found}")
    return value


def _check_free_text(value: str) -> str:
    found = _hidden_character(value, _TEXT_LAYOUT)
    if found is not None:
        raise ValueError(f"must not hold control or invisible characters (line feeds and tabs are fine); found {found}")
    return value


# ---------------------------------------------------------------------------------------------------
# Names, versions, role strings: Kustomer's rules are ASCII, matched whole

_APP_NAME_RE: Final = re.compile(assumptions.APP_NAME_PATTERN, re.ASCII)
_ROLE_RE: Final = re.compile(r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*", re.ASCII)


def _check_app_name(value: str) -> str:
    _check_plain_text(value)
    if _APP_NAME_RE.fullmatch(value) is None:
        raise ValueError(
            "must start with a lowercase letter and hold only lowercase letters, digits and "
            f"underscores (Kustomer allows no dashes or spaces), such as 'my_oauth_app'; got {_shown(value)}"
        )
    return value


def _check_semver(value: str) -> str:
    _check_plain_text(value)
    SemVer.parse(value)
    return value


def _check_title(value: str) -> str:
    _check_plain_text(value)
    if not value.strip():
        raise ValueError("must not be empty: Kustomer shows it on the consent screen")
    return value


def _check_role(value: str) -> str:
    _check_plain_text(value)
    if _ROLE_RE.fullmatch(value) is None:
        raise ValueError(
            "must be a Kustomer role string such as 'org.permission.customer.read' (lowercase ASCII letters, "
            f"digits and underscores, parts joined by dots), or 'offline_access'; got {_shown(value)}"
        )
    return value


# ---------------------------------------------------------------------------------------------------
# URLs: parsed, not matched

#: The characters a URI may hold (RFC 3986, section 2): anything else must be percent-encoded.
_URI_CHARACTERS: Final = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*", re.ASCII)
_LONE_PERCENT: Final = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST_LABEL: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.ASCII)
_PORT: Final = re.compile(r"[0-9]{1,5}", re.ASCII)
_LOOPBACK_NAMES: Final = frozenset({"localhost"})


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_host(host: str, value: str) -> None:
    """A host name (RFC 1123 labels) or an IPv4 address; IPv6 addresses come bracketed and are checked apart."""
    if not host:
        raise ValueError(f"has no host name; got {_shown(value)}")
    labels = host.split(".")
    if all(label.isdigit() for label in labels):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise ValueError(f"has an impossible IPv4 address {host!r}; got {_shown(value)}") from None
        return
    if len(host) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise ValueError(
            "has an invalid host name: letters, digits and dashes in dot-separated labels (an international "
            f"name in its xn-- form); got {_shown(value)}"
        )


def _url_host(netloc: str, value: str) -> str:
    """The host of ``netloc`` (lowercase; an IPv6 address without brackets), its port checked."""
    if "@" in netloc:
        raise ValueError(f"must not contain a user name or password; got {_shown(value)}")
    if netloc.startswith("["):
        end = netloc.find("]")
        host, rest = (netloc[1:end], netloc[end + 1 :]) if end > 0 else (netloc, "")
        try:
            ipaddress.IPv6Address(host)
            if "%" in host:
                raise ValueError("zone")
        except ValueError:
            raise ValueError(f"has an invalid IPv6 address in brackets; got {_shown(value)}") from None
    else:
        host, colon, port = netloc.partition(":")
        rest = colon + port
        _check_host(host.lower(), value)
    if rest:
        port = rest.removeprefix(":")
        if not rest.startswith(":") or _PORT.fullmatch(port) is None or not 1 <= int(port) <= 65535:
            raise ValueError(
                f"has an impossible port {port!r}: a port is a number from 1 to 65535; got {_shown(value)}"
            )
    return host.lower()


def _parse_url(value: str, *, schemes: tuple[str, ...], absolute: str, fragment: str) -> tuple[str, str]:
    """``(scheme, host)`` of an absolute URL, or ``ValueError`` saying what is wrong with it."""
    _check_plain_text(value)
    if any(c.isspace() for c in value):
        raise ValueError(f"must not contain whitespace; got {_shown(value)}")
    if _URI_CHARACTERS.fullmatch(value) is None:
        raise ValueError(
            "must hold only the characters a URL allows (RFC 3986): percent-encode the others, and write an "
            f"international host name in its xn-- form; got {_shown(value)}"
        )
    if _LONE_PERCENT.search(value):
        raise ValueError(f"has a '%' that does not start a %XX escape; got {_shown(value)}")
    if "#" in value:
        raise ValueError(f"must not contain a fragment ('#...'), {fragment}; got {_shown(value)}")
    try:
        parts = urlsplit(value)
    except ValueError:
        raise ValueError(f"{absolute}; got {_shown(value)}") from None
    if parts.scheme not in schemes or not value[len(parts.scheme) :].startswith("://"):
        raise ValueError(f"{absolute}; got {_shown(value)}")
    return parts.scheme, _url_host(parts.netloc, value)


def _check_redirect_uri(value: str) -> str:
    scheme, host = _parse_url(
        value,
        schemes=("https", "http"),
        absolute="must be an absolute URL such as 'https://example.com/callback'",
        fragment="OAuth forbids it",
    )
    if scheme == "http" and not _is_loopback(host):
        raise ValueError(
            "must use https; plain http is allowed only for loopback hosts "
            f"(localhost, 127.0.0.1, [::1]); got {_shown(value)}"
        )
    return value


def _check_https_url(value: str) -> str:
    _parse_url(
        value,
        schemes=("https",),
        absolute="must be an absolute https URL such as 'https://example.com/icon.png'",
        fragment="which an icon URL has no use for",
    )
    return value


# ---------------------------------------------------------------------------------------------------
# Numbers and booleans as Pulumi delivers them

_DIGITS: Final = re.compile(r"[0-9]{1,18}", re.ASCII)
#: The largest whole number the engine (every number is a 64-bit float on the wire) carries exactly.
_MAX_EXACT_INT: Final = 2**53
_TRUE_TEXTS: Final = frozenset({"true", "True"})  # what pulumi.Config.get_bool accepts
_FALSE_TEXTS: Final = frozenset({"false", "False"})


def _whole_number(value: Any) -> Any:
    """``90``, ``90.0`` (the engine's) and ``"90"`` (``pulumi.Config.get``'s) are 90; booleans are refused."""
    if isinstance(value, bool):
        raise ValueError(f"must be a whole number, such as 90, not {str(value).lower()}")
    if isinstance(value, str):
        if _DIGITS.fullmatch(value) is None:
            raise ValueError(f"must be a whole number, such as 90 (as text: the digits 0-9 only); got {_shown(value)}")
        return int(value)
    if isinstance(value, float):
        if not (math.isfinite(value) and value.is_integer()):
            raise ValueError(f"must be a whole number, such as 90; got {_shown(value)}")
        return int(value)
    return value


def _bool_from_text(value: Any) -> Any:
    """``"true"`` / ``"false"`` (``pulumi.Config.get``'s text) become booleans; anything else is left to refuse."""
    if isinstance(value, str):
        if value in _TRUE_TEXTS:
            return True
        if value in _FALSE_TEXTS:
            return False
    return value


def _check_number(value: int | float, loc: tuple[int | str, ...]) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise _NestedError(f"must be a finite number, not {value!r} (JSON has no NaN or Infinity)", loc)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_EXACT_INT:
        raise _NestedError(
            f"is too large: whole numbers must lie within +-2**53 ({_MAX_EXACT_INT}), which the Pulumi engine "
            "carries exactly",
            loc,
        )


# ---------------------------------------------------------------------------------------------------
# JSON values: the app definition and the rotation triggers

#: Deeper than this is a mistake (and the engine's own limit on nesting is near).
_MAX_DEPTH: Final = 32


def _check_json(value: Any, loc: tuple[int | str, ...], depth: int) -> None:
    """Refuse, at its location, anything JSON cannot carry or a string may not hold. Unknowns pass."""
    if is_unknown(value) or value is None or isinstance(value, bool):
        return
    if isinstance(value, int | float):
        _check_number(value, loc)
    elif isinstance(value, str):
        found = _hidden_character(value, _TEXT_LAYOUT)
        if found is not None:
            raise _NestedError(
                f"must not hold control or invisible characters (line feeds and tabs are fine); found {found}", loc
            )
    elif depth >= _MAX_DEPTH:
        raise _NestedError(f"nests deeper than {_MAX_DEPTH} levels", loc)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, (*loc, index), depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise _NestedError(f"has the key {_shown(key)}: keys must be text", loc)
            found = _hidden_character(key)
            if found is not None:
                raise _NestedError(f"has the key {_shown(key)}, which holds a control or invisible character", loc)
            _check_json(item, (*loc, key), depth + 1)
    else:
        raise _NestedError(
            f"must be text, a number, true/false, null, a list or a map; got {type(value).__name__}", loc
        )


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
_ROLES_HINT: Final = "role strings such as 'org.permission.customer.read'"


def _check_definition(value: dict[str, Any]) -> dict[str, Any]:
    for key in value:
        if key in _KEYS_WITH_INPUTS:
            own = _KEYS_WITH_INPUTS[key]
            fix = f"use the `{own}` input instead" if own else "this provider always registers private apps"
            raise ValueError(f"must not set {key!r}: {fix}")
        if key not in KNOWN_DEFINITION_KEYS:
            known = ", ".join(sorted(KNOWN_DEFINITION_KEYS))
            raise ValueError(
                f"has the unknown top-level key {_shown(key)}; Kustomer rejects unknown keys. Known keys: {known}"
            )
    _check_json(value, (), 0)
    roles = value.get("roles")
    if roles is None or is_unknown(roles):
        return value
    if not isinstance(roles, list):
        raise _NestedError(f"must be a list of {_ROLES_HINT}", ("roles",))
    for index, role in enumerate(roles):
        if is_unknown(role):
            continue
        if not isinstance(role, str):
            raise _NestedError(f"must be one of the {_ROLES_HINT}", ("roles", index))
        try:
            _check_role(role)
        except ValueError as exc:
            raise _NestedError(str(exc), ("roles", index)) from None
    return value


def _check_triggers(value: dict[str, Any]) -> dict[str, Any]:
    for key, item in value.items():
        if _hidden_character(key) is not None:
            raise _NestedError(f"has the name {_shown(key)}, which holds a control or invisible character")
        if is_unknown(item) or isinstance(item, bool):
            continue
        if isinstance(item, int | float):
            _check_number(item, (key,))
        elif isinstance(item, str):
            try:
                _check_plain_text(item)
            except ValueError as exc:
                raise _NestedError(str(exc), (key,)) from None
        else:
            raise _NestedError(
                f"must be a string, number or boolean (a value that changes to rotate); got {_shown(item)}", (key,)
            )
    return value


# ---------------------------------------------------------------------------------------------------
# Field types of the inputs: one definition each, used by the resources and by the stack config


@dataclass(frozen=True)
class UniqueItems:
    """Marks a list input whose items must differ (compared by their ``key`` field, if given)."""

    key: str | None = None


AppName = Annotated[
    str,
    Strict(),
    Field(min_length=1, max_length=assumptions.APP_NAME_MAX_LENGTH),
    AfterValidator(_check_app_name),
]
"""An app name without the org suffix: ``[a-z][a-z0-9_]*``, ASCII."""
NamespacedAppName = Annotated[
    str,
    Strict(),
    Field(min_length=1, max_length=assumptions.NAMESPACED_NAME_MAX_LENGTH),
    AfterValidator(_check_app_name),
]
"""An app name as Kustomer registers it, ``<app>_<orgId>``."""
Version = Annotated[str, Strict(), Field(max_length=64), AfterValidator(_check_semver)]
"""A semantic version, ``MAJOR.MINOR.PATCH[-prerelease]``."""
Title = Annotated[str, Strict(), Field(max_length=255), AfterValidator(_check_title)]
"""A non-blank title, one line."""
Description = Annotated[str, Strict(), Field(max_length=10_000), AfterValidator(_check_free_text)]
"""Free text: line feeds and tabs allowed."""
RedirectUri = Annotated[str, Strict(), Field(max_length=2048), AfterValidator(_check_redirect_uri)]
"""An OAuth redirect URI: https (http on loopback hosts), no fragment, no user info."""
RedirectUris = Annotated[list[RedirectUri], Field(max_length=50), UniqueItems()]
"""Up to 50 redirect URIs, each once."""
HttpsUrl = Annotated[str, Strict(), Field(max_length=2048), AfterValidator(_check_https_url)]
"""An absolute https URL."""
RoleString = Annotated[str, Strict(), Field(max_length=255), AfterValidator(_check_role)]
"""A Kustomer role string or OAuth scope (``org.permission.customer.read``, ``offline_access``)."""
Definition = Annotated[dict[str, Any], AfterValidator(_check_definition)]
"""Other top-level keys of an app definition: known keys, JSON values only, roles as role strings."""
RotationTriggers = Annotated[dict[str, Any], AfterValidator(_check_triggers)]
"""A map of names to strings, finite numbers or booleans."""
RotateAfterDays = Annotated[int, Strict(), Field(ge=1, le=3650), BeforeValidator(_whole_number)]
"""Whole days from 1 to 3650, given as ``90``, ``90.0`` or ``"90"``."""
Bool = Annotated[bool, Strict(), BeforeValidator(_bool_from_text)]
"""``true``/``false``, or the text ``"true"``/``"false"`` (``"True"``/``"False"``) that ``pulumi.Config`` gives."""


class _Inputs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PrivateAppInputs(_Inputs):
    """The inputs of ``KustomerPrivateApp``, validated."""

    app: AppName
    version: Version
    title: Title
    redirect_uris: RedirectUris = Field(default_factory=list)
    description: Description | None = None
    icon_url: HttpsUrl | None = None
    definition: Definition = Field(default_factory=dict)
    install: Bool = True
    adopt_existing: Bool = False
    wait_for_install: Bool = True

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

    def definition_changes(self, other: PrivateAppInputs) -> list[str]:
        """Names of the inputs whose change alters the registered definition (the version aside)."""
        fields = ("title", "redirect_uris", "description", "icon_url", "definition")
        return [f for f in fields if getattr(self, f) != getattr(other, f)]


class AppSecretInputs(_Inputs):
    """The inputs of ``KustomerAppSecret``, validated."""

    app_name: NamespacedAppName
    app_version: Version | None = None
    rotation_triggers: RotationTriggers = Field(default_factory=dict)
    rotate_after_days: RotateAfterDays | None = None


class AppInstallInput(_Inputs):
    """One app whose install a ``KustomerAppInstalls`` waits for."""

    app_name: NamespacedAppName
    version: Version
    install: Bool = True


class AppInstallsInputs(_Inputs):
    """The inputs of ``KustomerAppInstalls``, validated."""

    apps: Annotated[list[AppInstallInput], Field(max_length=1000), UniqueItems("app_name")] = Field(
        default_factory=list
    )

    def installs(self) -> dict[str, str]:
        """App name -> version, for every app that is to be installed."""
        return {app.app_name: app.version for app in self.apps if app.install}


# ---------------------------------------------------------------------------------------------------
# Validation that reports input paths and tolerates unknown values

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class InputFailure:
    """One invalid input: its path (``redirect_uris[1]``) and what is wrong with it and how to fix it.

    ``reason`` starts with the path; ``loc`` and ``message`` are the same two apart, for callers that
    print the path their own way (the stack config's ``kustomer:apps[0].redirectUris[1]: ...``).
    """

    property: str
    reason: str
    loc: tuple[int | str, ...] = field(default=(), compare=False)
    message: str = field(default="", compare=False)
    #: pydantic's error type (``missing``, ``extra_forbidden``, ...), or ``value_error`` for our own checks.
    kind: str = field(default="value_error", compare=False)

    @classmethod
    def at(cls, loc: tuple[int | str, ...], message: str, kind: str = "value_error") -> InputFailure:
        """The failure at ``loc`` saying ``message``."""
        path = _path(loc)
        return cls(path, f"{path} {message}" if path else message, loc, message, kind)


_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*", re.ASCII)


def path_part(part: int | str, *, first: bool = False) -> str:
    """One step of an input path: ``[1]``, ``.roles``, or ``["odd key"]`` for a key that is not a plain
    name (quoted as JSON, so that control characters in it print escaped and never break a line)."""
    if isinstance(part, int):
        return f"[{part}]"
    if _NAME.fullmatch(part) is None:
        return f"[{json.dumps(part)}]"
    return part if first else f".{part}"


def _path(loc: tuple[int | str, ...]) -> str:
    return "".join(path_part(part, first=index == 0) for index, part in enumerate(loc))


def _value_at(data: Any, loc: tuple[int | str, ...]) -> Any:
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
    "bool_type": "must be true or false (a boolean, or the text 'true' or 'false')",
    "list_type": "must be a list",
    "dict_type": "must be a map of names to values",
    "model_type": "must be a map of fields",
    "model_attributes_type": "must be a map of fields",
    "int_type": "must be a whole number",
}


def _failure(error: Mapping[str, Any]) -> InputFailure:
    loc = tuple(error["loc"])
    nested = (error.get("ctx") or {}).get("error")
    if isinstance(nested, _NestedError):
        return InputFailure.at(loc + nested.loc, str(nested))
    kind = str(error["type"])
    message = _FRIENDLY.get(kind) or str(error["msg"]).removeprefix("Value error, ")
    return InputFailure.at(loc, message, kind)


def _unique_failures(model: type[BaseModel], values: Mapping[str, Any]) -> list[InputFailure]:
    failures = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        for marker in info.metadata:
            if isinstance(marker, UniqueItems) and isinstance(values.get(key), list):
                failures += duplicate_failures(key, values[key], marker.key)
    return failures


def validate_inputs(
    model: type[M], data: Mapping[str, Any], *, allow_unknown: bool = True
) -> tuple[M | None, list[InputFailure]]:
    """Validate ``data`` against ``model``; a ``None`` value counts as not given.

    Returns the model (``None`` if some input is invalid or not known yet) and the failures, each
    naming the input's path. With ``allow_unknown`` (a resource's check during a preview), failures
    at, inside or below an unknown value are dropped: they can only be judged once it is known.
    """
    if not isinstance(data, Mapping):
        return None, [InputFailure.at((), _FRIENDLY["model_type"])]
    fields = {info.alias or name for name, info in model.model_fields.items()} | set(model.model_fields)
    failures: list[InputFailure] = []
    values: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(key, str) or _hidden_character(key) is not None:
            failures.append(InputFailure.at((str(key),), _FRIENDLY["extra_forbidden"], "extra_forbidden"))
        elif value is not None and (key in fields or not key.startswith("__")):
            values[key] = value
    validated: M | None = None
    try:
        validated = model.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            nested = (error.get("ctx") or {}).get("error")
            full = loc + nested.loc if isinstance(nested, _NestedError) else loc
            if allow_unknown and _touches_unknown(values, full):
                continue
            failures.append(_failure(error))
    failures += _unique_failures(model, values)
    if failures or (allow_unknown and contains_unknown(values)):
        return None, failures
    return validated, []


def duplicate_failures(name: str, items: list[Any], key: str | None = None) -> list[InputFailure]:
    """One failure per repeated item of a list input (by the items' ``key`` field, if given), naming
    where it first appeared. Items that are not text, or not known yet, are left to other checks."""
    seen: dict[str, int] = {}
    failures = []
    for index, item in enumerate(items):
        value = (item.get(key) if isinstance(item, Mapping) else None) if key is not None else item
        if not isinstance(value, str) or is_unknown(value):
            continue
        if value in seen:
            message = f"repeats {name}[{seen[value]}] ({_shown(value)}): list each value once"
            failures.append(InputFailure.at((name, index), message))
        else:
            seen[value] = index
    return failures


@functools.cache
def _adapters(model: type[BaseModel]) -> dict[str, TypeAdapter[Any]]:
    """One validator per field of ``model``, built from the field's own type and constraints."""
    return {name: TypeAdapter(info.rebuild_annotation()) for name, info in model.model_fields.items()}


def normalize_inputs(model: type[BaseModel], data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with every known, valid input converted as ``model`` converts it (``"90"`` and ``90.0`` to
    ``90``, ``"true"`` to ``True``, defaults of nested entries filled in); unknown and invalid inputs,
    and keys that are not inputs, as they are. Diff compares these, never the raw values."""
    adapters = _adapters(model)
    normalized = dict(data)
    for name, value in data.items():
        adapter = adapters.get(name)
        if adapter is None or value is None or contains_unknown(value):
            continue
        try:
            normalized[name] = adapter.dump_python(adapter.validate_python(value))
        except ValidationError:
            continue
    return normalized


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
