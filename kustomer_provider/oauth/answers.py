"""What an endpoint answers, read without trusting it: any JSON shape, any number, any text.

A token endpoint's answer is read field by field (:func:`read_token_answer`): each field the helper can use is
kept, each odd one is noted (a sentence naming the field, for the user), and nothing raises. The caller decides
what an answer without a usable token means; once an authorization code is spent, whatever tokens the answer
holds are kept (``docs/oauth-helper.md``).

RFC 6749 §5.1 shapes the reading: ``access_token`` and ``refresh_token`` are strings of visible ASCII characters
(appendix A.12, A.17), ``token_type`` is required and compared without case (§7.1: a client must not use a token
of a type it does not understand; only ``Bearer`` here), ``expires_in`` is a lifetime in seconds, ``scope`` a
space-separated string.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ..safe_text import safe_text

__all__ = [
    "MAX_ANSWER_BYTES",
    "MAX_LIFETIME_SECONDS",
    "TokenAnswer",
    "describe",
    "is_bearer",
    "is_token",
    "lifetime",
    "read_json",
    "read_token_answer",
]

#: A token or error answer is a few hundred bytes; one above the answer cap of the package's HTTP client (4 MiB) is
#: not read as JSON.
MAX_ANSWER_BYTES: Final = 4 * 1024 * 1024
#: The longest lifetime taken as given: ten years. A longer ``expires_in`` is no token's (``1e999``, ``10**30``).
MAX_LIFETIME_SECONDS: Final = 10 * 366 * 24 * 3600
#: RFC 6749 A.12/A.17: a token is one or more visible ASCII characters (a space is allowed by the grammar, but no
#: control character: it could not be sent in a header).
_TOKEN: Final = re.compile(r"[\x20-\x7e]+")
# Integers longer than this are not parsed exactly (Python refuses above 4,300 digits): they are no lifetime.
_MAX_INT_DIGITS: Final = 100
_DIGITS: Final = re.compile(r"\s*\+?(\d{1,15})\s*")


def _parse_int(text: str) -> int | float:
    digits = text.lstrip("-")
    if len(digits) <= _MAX_INT_DIGITS:
        return int(text)
    return -math.inf if text.startswith("-") else math.inf


def read_json(content: bytes | str) -> tuple[Any, str | None]:
    """``(value, None)``, or ``(None, what is wrong)`` for an empty, oversized, badly encoded, invalid or too deeply
    nested body. Never raises."""
    if len(content) > MAX_ANSWER_BYTES:
        return None, f"a body of {len(content):,} bytes, more than the {MAX_ANSWER_BYTES:,} an answer may have"
    if not content.strip():
        return None, "an empty body"
    try:
        return json.loads(content, parse_int=_parse_int), None
    except UnicodeDecodeError:
        return None, "a body that is not UTF-8 text"
    except RecursionError:
        return None, "a JSON body nested too deep to read"
    except ValueError:
        return None, "a body that is not JSON"


def describe(value: Any) -> str:
    """A short, safe description of a JSON value for a message: ``null``, ``true``, ``3600``, ``'text'``, a list."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if value.bit_length() < 128 else "a number of more than 38 digits"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return f"'{safe_text(value, limit=60)}'"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _kind(value: Any) -> str:
    """What a JSON value is, in words (for an answer that is not an object)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return {str: "a string", list: "a list", type(None): "null"}.get(type(value), type(value).__name__)


def is_token(value: Any) -> bool:
    """Whether ``value`` can be a token (RFC 6749 A.12): a non-empty string of visible ASCII characters."""
    return isinstance(value, str) and _TOKEN.fullmatch(value) is not None


def is_bearer(token_type: str) -> bool:
    """Whether the token type is Bearer (RFC 6749 §7.1, RFC 6750: compared without case)."""
    return token_type.lower() == "bearer"


def lifetime(value: Any, name: str = "expires_in") -> tuple[int | None, str | None]:
    """``(seconds, None)`` for a usable lifetime; ``(None, note)`` for an odd one (the expiry is then unknown);
    ``(None, None)`` for none given. A whole number of seconds in a string is read, with a note."""
    if value is None:
        return None, None
    note = f"{name} is {describe(value)}, not a number of seconds: the expiry is unknown"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None, note
    read_from_string = isinstance(value, str)
    if isinstance(value, str):
        digits = _DIGITS.fullmatch(value)
        if digits is None:
            return None, note
        value = int(digits.group(1))
    if isinstance(value, float) and not math.isfinite(value):
        return None, f"{name} is {describe(value)}, not a finite number of seconds: the expiry is unknown"
    if value <= 0:
        return None, f"{name} is {describe(value)}: a lifetime must be above 0 seconds; the expiry is unknown"
    if value > MAX_LIFETIME_SECONDS:
        return None, f"{name} is {describe(value)} seconds, more than ten years: the expiry is unknown"
    seconds = int(value)
    if read_from_string:
        return seconds, f"{name} is a string ({describe(str(seconds))}), read as {seconds} seconds"
    return seconds, None


@dataclass(frozen=True)
class TokenAnswer:
    """The usable fields of a token answer, and a note for every field that was odd."""

    access_token: str | None
    refresh_token: str | None
    #: As the answer gave it (``None``: not given); compare with :func:`is_bearer`.
    token_type: str | None
    scope: str | None
    expires_in: int | None
    id_token: str | None
    #: Teamwork's ``installation.apiEndPoint``, when the answer names the API host of the installation.
    api_endpoint: str | None
    #: One sentence per odd field, naming it (``expires_in is NaN, not a finite number ...``).
    notes: tuple[str, ...]
    #: What the answer is when it is not a JSON object (``a list``), else ``None``.
    not_an_object: str | None = None
    #: The top-level keys of the answer, for an error that lists what came.
    keys: tuple[str, ...] = ()

    @property
    def holds_tokens(self) -> bool:
        """Whether there is anything to keep: an access token or a refresh token."""
        return bool(self.access_token or self.refresh_token)


def _token_field(body: Mapping[str, Any], name: str, notes: list[str]) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if is_token(value):
        return str(value)
    if value == "":
        what = "an empty string"
    elif isinstance(value, str):
        what = "a string with characters no token has (RFC 6749 A.12: visible ASCII only)"
    else:
        what = describe(value)
    notes.append(f"{name} is {what}: not kept")
    return None


def read_token_answer(
    body: Any,
    *,
    token_field: str = "access_token",  # noqa: S107 (a field name)
    default_lifetime: int | None = None,
    token_type_optional: bool = False,
) -> TokenAnswer:
    """Read a token endpoint's parsed JSON answer (``read_json``'s value); never raises.

    ``token_field`` is where the access token is (Komerza's envelope: ``data``); ``default_lifetime`` the
    platform's documented lifetime when the answer gives none; ``token_type_optional`` for a platform whose
    answers carry no ``token_type`` (its documents say to send the token as a Bearer token).
    """
    if not isinstance(body, dict):
        kind = _kind(body)
        return TokenAnswer(None, None, None, None, None, None, None, (), not_an_object=kind)
    notes: list[str] = []
    keys = tuple(sorted(safe_text(key, limit=40) for key in body))
    access = _token_field(body, token_field, notes)
    refresh = _token_field(body, "refresh_token", notes)
    id_token = _token_field(body, "id_token", notes)

    raw_type = body.get("token_type")
    token_type: str | None
    if raw_type is None:
        token_type = None
        if not token_type_optional and access:
            notes.append("the answer has no token_type (RFC 6749 §5.1 requires one): taken as Bearer")
    elif isinstance(raw_type, str) and raw_type.strip():
        token_type = raw_type.strip()
    else:
        token_type = describe(raw_type)  # not a type name: never Bearer, so the token is not used

    expires_in, note = lifetime(body.get("expires_in"))
    if note:
        notes.append(note)
    elif "expires_in" not in body or body.get("expires_in") is None:
        expires_in = default_lifetime

    raw_scope = body.get("scope")
    scope: str | None = None
    if isinstance(raw_scope, str):
        scope = raw_scope
    elif isinstance(raw_scope, list) and all(isinstance(item, str) for item in raw_scope):
        scope = " ".join(raw_scope)
        notes.append("scope is a list, not a space-separated string (RFC 6749 §3.3): read as one")
    elif raw_scope is not None:
        notes.append(f"scope is {describe(raw_scope)}, not a string: not kept")

    installation = body.get("installation")
    endpoint = installation.get("apiEndPoint") if isinstance(installation, dict) else None
    api_endpoint: str | None = None
    if isinstance(endpoint, str) and re.match(r"https?://[^\s]+$", endpoint, re.ASCII):
        api_endpoint = endpoint
    elif endpoint is not None:
        notes.append(f"installation.apiEndPoint is {describe(endpoint)}, not a URL: not kept")

    # In the order of the fields (access_token, refresh_token, token_type, scope, expires_in, id_token, ...).
    return TokenAnswer(access, refresh, token_type, scope, expires_in, id_token, api_endpoint, tuple(notes), keys=keys)
