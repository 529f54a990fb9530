"""Field types of the inputs, valid by construction: one ``Annotated`` type per kind of value.

Every resource's input model (``app_inputs``, ``platform_inputs``) and the stack config's (``stack_config``) are
built of these, so a value gets the same verdict whichever door it comes through.

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
  (``true`` for a number of days, ``1`` for a boolean, ``"yes"``) is refused. The types convert once;
  diff compares the converted values (:func:`~.input_validation.normalize_inputs`), never the raw ones.
- Numbers inside ``definition`` and ``rotation_triggers`` must be finite (no NaN or Infinity) and whole
  numbers within +-2**53, which the engine (it carries every number as a 64-bit float) keeps exactly.
- Values not known yet (a preview's placeholders) inside a map or list pass: they are judged once known.
"""

from __future__ import annotations

import ipaddress
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Final
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, Strict

from . import assumptions
from .preview_values import is_unknown
from .versions import SemVer

__all__ = [
    "KNOWN_DEFINITION_KEYS",
    "URI_CHARACTERS",
    "AppName",
    "Bool",
    "Definition",
    "Description",
    "HttpsUrl",
    "NamespacedAppName",
    "NestedError",
    "OwnerMarker",
    "RedirectUri",
    "RedirectUris",
    "RoleString",
    "RotateAfterDays",
    "RotationTriggers",
    "Title",
    "UniqueItems",
    "Version",
    "check_owner_marker",
    "check_plain_text",
    "hidden_character",
    "is_loopback",
    "parse_url",
    "shown",
    "whole_match",
]


def shown(value: Any) -> str:
    """``value`` for a message: its repr (which escapes control and invisible characters), cut short."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


# ---------------------------------------------------------------------------------------------------
# Text: no control or invisible characters, anywhere

#: Control, format (zero-width, bidi overrides, BOM), private-use, surrogate and line/paragraph separators.
_HIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})
#: Letters and symbols to Unicode that render as nothing (Hangul fillers, the blank Braille pattern).
_INVISIBLE: Final = frozenset("\u115f\u1160\u3164\uffa0\u2800")
#: What free text (a description, the strings of a definition) may hold besides printable characters.
_TEXT_LAYOUT: Final = frozenset("\n\t")


class NestedError(ValueError):
    """A problem inside a nested value: ``loc`` continues the input's location (``roles``, ``0``)."""

    def __init__(self, message: str, loc: tuple[int | str, ...] = ()) -> None:
        super().__init__(message)
        self.loc = loc


def hidden_character(text: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """The first control or invisible character of ``text``, described, or ``None``."""
    for index, char in enumerate(text):
        if char not in allowed and (char in _INVISIBLE or unicodedata.category(char) in _HIDDEN_CATEGORIES):
            name = unicodedata.name(char, "a control character")
            return f"U+{ord(char):04X} ({name}) at position {index}"
    return None


def check_plain_text(value: str) -> str:
    found = hidden_character(value)
    if found is not None:
        raise ValueError(f"must not hold control or invisible characters; found {found}")
    return value


def _check_free_text(value: str) -> str:
    found = hidden_character(value, _TEXT_LAYOUT)
    if found is not None:
        raise ValueError(f"must not hold control or invisible characters (line feeds and tabs are fine); found {found}")
    return value


# ---------------------------------------------------------------------------------------------------
# Names, versions, role strings: Kustomer's rules are ASCII, matched whole

_APP_NAME_RE: Final = re.compile(assumptions.APP_NAME_PATTERN, re.ASCII)
_ROLE_RE: Final = re.compile(r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*", re.ASCII)


def whole_match(pattern: re.Pattern[str], rule: str, *, plain: bool = True) -> Callable[[str], str]:
    """A check that a value matches ``pattern`` whole, else ``ValueError``: ``rule``, then the value as given.

    With ``plain`` a control or invisible character is refused first, by name (the pattern would only say the
    value does not match).
    """

    def check(value: str) -> str:
        if plain:
            check_plain_text(value)
        if pattern.fullmatch(value) is None:
            raise ValueError(f"{rule}; got {shown(value)}")
        return value

    return check


_check_app_name: Final = whole_match(
    _APP_NAME_RE,
    "must start with a lowercase letter and hold only lowercase letters, digits and underscores (Kustomer allows "
    "no dashes or spaces), such as 'my_oauth_app'",
)


def _check_semver(value: str) -> str:
    check_plain_text(value)
    SemVer.parse(value)
    return value


def _check_title(value: str) -> str:
    check_plain_text(value)
    if not value.strip():
        raise ValueError("must not be empty: Kustomer shows it on the consent screen")
    return value


_check_role: Final = whole_match(
    _ROLE_RE,
    "must be a Kustomer role string such as 'org.permission.customer.read' (lowercase ASCII letters, digits and "
    "underscores, parts joined by dots), or 'offline_access'",
)


# ---------------------------------------------------------------------------------------------------
# URLs: parsed, not matched

#: The characters a URI may hold (RFC 3986, section 2): anything else must be percent-encoded.
URI_CHARACTERS: Final = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*", re.ASCII)
_LONE_PERCENT: Final = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST_LABEL: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.ASCII)
_PORT: Final = re.compile(r"[0-9]{1,5}", re.ASCII)
_LOOPBACK_NAMES: Final = frozenset({"localhost"})


def is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_host(host: str, value: str) -> None:
    """A host name (RFC 1123 labels) or an IPv4 address; IPv6 addresses come bracketed and are checked apart."""
    if not host:
        raise ValueError(f"has no host name; got {shown(value)}")
    labels = host.split(".")
    if all(label.isdigit() for label in labels):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise ValueError(f"has an impossible IPv4 address {host!r}; got {shown(value)}") from None
        return
    if len(host) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise ValueError(
            "has an invalid host name: letters, digits and dashes in dot-separated labels (an international "
            f"name in its xn-- form); got {shown(value)}"
        )


def _url_host(netloc: str, value: str) -> str:
    """The host of ``netloc`` (lowercase; an IPv6 address without brackets), its port checked."""
    if "@" in netloc:
        raise ValueError(f"must not contain a user name or password; got {shown(value)}")
    if netloc.startswith("["):
        end = netloc.find("]")
        host, rest = (netloc[1:end], netloc[end + 1 :]) if end > 0 else (netloc, "")
        try:
            ipaddress.IPv6Address(host)
            if "%" in host:
                raise ValueError("zone")
        except ValueError:
            raise ValueError(f"has an invalid IPv6 address in brackets; got {shown(value)}") from None
    else:
        host, colon, port = netloc.partition(":")
        rest = colon + port
        _check_host(host.lower(), value)
    if rest:
        port = rest.removeprefix(":")
        if not rest.startswith(":") or _PORT.fullmatch(port) is None or not 1 <= int(port) <= 65535:
            raise ValueError(f"has an impossible port {port!r}: a port is a number from 1 to 65535; got {shown(value)}")
    return host.lower()


def parse_url(value: str, *, schemes: tuple[str, ...], absolute: str, fragment: str) -> tuple[str, str]:
    """``(scheme, host)`` of an absolute URL, or ``ValueError`` saying what is wrong with it."""
    check_plain_text(value)
    if any(c.isspace() for c in value):
        raise ValueError(f"must not contain whitespace; got {shown(value)}")
    if URI_CHARACTERS.fullmatch(value) is None:
        raise ValueError(
            "must hold only the characters a URL allows (RFC 3986): percent-encode the others, and write an "
            f"international host name in its xn-- form; got {shown(value)}"
        )
    if _LONE_PERCENT.search(value):
        raise ValueError(f"has a '%' that does not start a %XX escape; got {shown(value)}")
    if "#" in value:
        raise ValueError(f"must not contain a fragment ('#...'), {fragment}; got {shown(value)}")
    try:
        parts = urlsplit(value)
    except ValueError:
        raise ValueError(f"{absolute}; got {shown(value)}") from None
    if parts.scheme not in schemes or not value[len(parts.scheme) :].startswith("://"):
        raise ValueError(f"{absolute}; got {shown(value)}")
    return parts.scheme, _url_host(parts.netloc, value)


def _check_redirect_uri(value: str) -> str:
    scheme, host = parse_url(
        value,
        schemes=("https", "http"),
        absolute="must be an absolute URL such as 'https://example.com/callback'",
        fragment="OAuth forbids it",
    )
    if scheme == "http" and not is_loopback(host):
        raise ValueError(
            "must use https; plain http is allowed only for loopback hosts "
            f"(localhost, 127.0.0.1, [::1]); got {shown(value)}"
        )
    return value


def _check_https_url(value: str) -> str:
    parse_url(
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
            raise ValueError(f"must be a whole number, such as 90 (as text: the digits 0-9 only); got {shown(value)}")
        return int(value)
    if isinstance(value, float):
        if not (math.isfinite(value) and value.is_integer()):
            raise ValueError(f"must be a whole number, such as 90; got {shown(value)}")
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
        raise NestedError(f"must be a finite number, not {value!r} (JSON has no NaN or Infinity)", loc)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_EXACT_INT:
        raise NestedError(
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
        found = hidden_character(value, _TEXT_LAYOUT)
        if found is not None:
            raise NestedError(
                f"must not hold control or invisible characters (line feeds and tabs are fine); found {found}", loc
            )
    elif depth >= _MAX_DEPTH:
        raise NestedError(f"nests deeper than {_MAX_DEPTH} levels", loc)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, (*loc, index), depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NestedError(f"has the key {shown(key)}: keys must be text", loc)
            found = hidden_character(key)
            if found is not None:
                raise NestedError(f"has the key {shown(key)}, which holds a control or invisible character", loc)
            _check_json(item, (*loc, key), depth + 1)
    else:
        raise NestedError(f"must be text, a number, true/false, null, a list or a map; got {type(value).__name__}", loc)


#: The longest owner marker (``<project>/<stack>/<resource name>``) a resource may write or name.
OWNER_MARKER_MAX_LENGTH: Final = 512
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
                f"has the unknown top-level key {shown(key)}; Kustomer rejects unknown keys. Known keys: {known}"
            )
    _check_json(value, (), 0)
    meta = value.get("meta")
    if isinstance(meta, dict) and assumptions.OWNER_MARKER_META_KEY in meta:
        raise NestedError(
            "is written by the provider (the owner marker that tells this resource its own registered versions): "
            "remove it",
            ("meta", assumptions.OWNER_MARKER_META_KEY),
        )
    roles = value.get("roles")
    if roles is None or is_unknown(roles):
        return value
    if not isinstance(roles, list):
        raise NestedError(f"must be a list of {_ROLES_HINT}", ("roles",))
    for index, role in enumerate(roles):
        if is_unknown(role):
            continue
        if not isinstance(role, str):
            raise NestedError(f"must be one of the {_ROLES_HINT}", ("roles", index))
        try:
            _check_role(role)
        except ValueError as exc:
            raise NestedError(str(exc), ("roles", index)) from None
    return value


def _check_triggers(value: dict[str, Any]) -> dict[str, Any]:
    for key, item in value.items():
        if hidden_character(key) is not None:
            raise NestedError(f"has the name {shown(key)}, which holds a control or invisible character")
        if is_unknown(item) or isinstance(item, bool):
            continue
        if isinstance(item, int | float):
            _check_number(item, (key,))
        elif isinstance(item, str):
            try:
                check_plain_text(item)
            except ValueError as exc:
                raise NestedError(str(exc), (key,)) from None
        else:
            raise NestedError(
                f"must be a string, number or boolean (a value that changes to rotate); got {shown(item)}", (key,)
            )
    return value


def check_owner_marker(value: str) -> str:
    """An owner marker, ``<project>/<stack>/<resource name>``: one line, three non-empty parts; else ValueError."""
    if not 5 <= len(value) <= OWNER_MARKER_MAX_LENGTH:
        raise ValueError(f"must be 5 to {OWNER_MARKER_MAX_LENGTH} characters long")
    check_plain_text(value)
    project, _, rest = value.partition("/")
    stack, _, resource = rest.partition("/")
    if not (project and stack and resource):
        raise ValueError(
            "must be an owner marker, `<project>/<stack>/<resource name>`, as the refusal naming it shows it "
            "(or the other stack's `owner_marker` output)"
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
OwnerMarker = Annotated[
    str, Strict(), Field(min_length=5, max_length=OWNER_MARKER_MAX_LENGTH), AfterValidator(check_owner_marker)
]
"""Which stack's resource registered a version: ``<project>/<stack>/<resource name>``, one line."""
Bool = Annotated[bool, Strict(), BeforeValidator(_bool_from_text)]
