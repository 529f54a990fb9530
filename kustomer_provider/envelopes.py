"""What the Kustomer API answers, as read off the wire: the JSON:API envelopes every answer is validated against,
the decoding of a body, excerpts for messages, and the parse functions that turn a body into a typed answer.

A parse function takes an answer's JSON body and returns a result; any ``ValueError`` (pydantic's
``ValidationError`` included), ``TypeError``, ``LookupError`` or ``AttributeError`` it raises is converted by the
client into a :class:`~kustomer_provider.errors.KustomerUnexpectedAnswerError` (raise :class:`UnusableAnswer` to
word the problem).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from .answers import AvailableApp, InstalledApp, InstallRecord, MintedSecret
from .redaction import looks_secret, register_secret
from .safe_text import safe_text

__all__ = [
    "EXCERPT",
    "Answer",
    "Many",
    "One",
    "Page",
    "Resource",
    "UnusableAnswer",
    "available_app",
    "available_from_resource",
    "decode_json",
    "excerpt",
    "install_record",
    "installed_from_resource",
    "minted_secret",
    "newest_install",
    "no_json_constants",
    "register_secrets_in",
    "shape_problem",
    "text_excerpt",
]

#: How much of an error body a message quotes.
EXCERPT: Final = 200


class _Shape(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)


class Resource(_Shape):
    """A JSON:API resource object: ``{"type", "id", "attributes"}`` (only ``attributes`` is required)."""

    type: str | None = None
    id: str | None = None
    attributes: dict[str, Any]

    def as_mapping(self) -> dict[str, Any]:
        """The resource as the answer types' ``from_resource`` reads it."""
        return {"type": self.type, "id": self.id, "attributes": dict(self.attributes)}


class One(_Shape):
    """``{"data": {resource}}``."""

    data: Resource


class Many(_Shape):
    """``{"data": [resources]}``."""

    data: list[Resource]


class _Links(_Shape):
    """Paging links; ``next`` is ``null`` (or absent) on the last page."""

    next: str | None = None


class Page(Many):
    """One page of a list: ``{"data": [...], "meta": {...}, "links": {"next": ...}}``."""

    links: _Links | None = None
    meta: dict[str, Any] | None = None


@dataclass(frozen=True)
class Answer:
    """One answer, read whole (or up to the size cap)."""

    status: int
    headers: httpx.Headers
    body: bytes
    truncated: bool


class UnusableAnswer(ValueError):
    """Raised by a parse function with its own (non-secret) explanation of what is wrong."""


def no_json_constants(name: str) -> Any:
    """``json.loads``'s ``parse_constant``: ``NaN`` and ``Infinity`` are not JSON."""
    raise ValueError(f"{name} is not a JSON number")


def shape_problem(exc: Exception) -> str:
    """What was wrong with an answer's shape, without quoting the answer (it may hold a secret)."""
    if isinstance(exc, ValidationError):
        where = []
        for error in exc.errors()[:3]:
            location = ".".join(str(part) for part in error.get("loc", ())) or "the body"
            said = re.sub(r" or instance of \w+", "", str(error.get("msg", "invalid")))  # not our class names
            where.append(f"{safe_text(location, limit=80)}: {safe_text(said, limit=120)}")
        return "a body of an unexpected shape (" + "; ".join(where) + ")"
    if isinstance(exc, UnusableAnswer):
        return str(exc)
    return f"a body of an unexpected shape ({type(exc).__name__})"


def _is_json_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media in ("application/json", "text/json") or media.endswith("+json")


def decode_json(answer: Answer) -> tuple[Any, str | None]:
    """``(body, None)`` or ``(None, what is wrong)`` for an answer that should carry JSON."""
    if answer.truncated:
        return None, f"a body larger than the {_mib(len(answer.body))} this client reads"
    if not answer.body.strip():
        return None, "no body" if answer.status == 204 else "an empty body"
    content_type = answer.headers.get("content-type")
    if content_type is not None and not _is_json_type(content_type):
        media = safe_text(content_type.split(";", 1)[0].strip(), limit=60) or "untyped"
        return None, f"a {media} body instead of JSON"
    try:
        return json.loads(answer.body, parse_constant=no_json_constants), None
    except UnicodeDecodeError:
        return None, "a body that is not UTF-8 encoded JSON"
    except (ValueError, RecursionError):
        return None, "a body that is not valid JSON"


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.3g} MiB"


def excerpt(text: str, size: int = EXCERPT) -> str:
    """A single-line excerpt of ``text`` safe to show (:func:`~kustomer_provider.safe_text.safe_text`: redacted
    before it is cut, so no secret is cut in half; invisible characters escaped; what was cut noted)."""
    return safe_text(" ".join(text[: size * 40].split()), limit=size)


def text_excerpt(body: bytes) -> str | None:
    """A short, redacted, single-line excerpt of a non-JSON body."""
    return excerpt(body[: EXCERPT * 40].decode("utf-8", errors="replace")) or None


def register_secrets_in(body: Any) -> None:
    """Remember every string under a secret-looking key of a parsed answer (a mint's, before reading it)."""
    if isinstance(body, dict):
        for key, value in body.items():
            if isinstance(key, str) and looks_secret(key) and isinstance(value, str):
                register_secret(value)
            else:
                register_secrets_in(value)
    elif isinstance(body, list):
        for item in body:
            register_secrets_in(item)


# ---------------------------------------------------------------------------------------------------
# Parse functions: an answer's JSON body -> a result (any exception they raise is converted by the client).


def available_from_resource(resource: Resource) -> AvailableApp:
    return AvailableApp.from_resource(resource.as_mapping())


def available_app(body: Any) -> AvailableApp:
    return available_from_resource(One.model_validate(body).data)


def installed_from_resource(resource: Resource) -> InstalledApp:
    return InstalledApp.model_validate(resource.attributes)


def install_record(body: Any) -> InstallRecord:
    return InstallRecord.model_validate(One.model_validate(body).data.attributes)


def newest_install(body: Any) -> InstallRecord | None:
    records = Many.model_validate(body).data
    return InstallRecord.model_validate(records[0].attributes) if records else None


def minted_secret(body: Any) -> MintedSecret:
    data = One.model_validate(body).data
    secret = data.attributes.get("clientSecret")
    client_id = data.attributes.get("clientId")
    if not isinstance(secret, str) or not secret or not isinstance(client_id, str) or not client_id:
        raise UnusableAnswer("a body without a clientId or clientSecret (data.attributes)")
    register_secret(secret)
    return MintedSecret(app=available_from_resource(data), client_id=client_id, client_secret=SecretStr(secret))
