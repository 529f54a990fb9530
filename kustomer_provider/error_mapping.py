"""An error answer of the Kustomer API -> the matching exception of :mod:`kustomer_provider.errors`, with what to do.

Both of Kustomer's error shapes (``{"errors": [{code, detail|message|title, source.pointer}]}``), OAuth's
(``{"error", "error_description"}``) and a body that is not JSON are read by :func:`error_fields`; every text
quoted is redacted and cut (:func:`~kustomer_provider.envelopes.excerpt`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from . import errors
from .envelopes import EXCERPT, Answer, excerpt, no_json_constants, text_excerpt
from .redaction import redact_json
from .retry import retry_after_seconds

__all__ = ["api_error", "error_fields", "missing_role_message", "redirect_error"]


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(redact_json(value), default=str)


def error_fields(answer: Answer) -> tuple[str | None, str | None, str | None]:
    """(code, detail, pointer) from either of Kustomer's error shapes, OAuth's, or a non-JSON body; redacted."""
    try:
        body = json.loads(answer.body, parse_constant=no_json_constants)
        return _fields_of(body)
    except (ValueError, TypeError, RecursionError):  # not JSON, or nested too deep to walk
        return None, text_excerpt(answer.body), None


def _fields_of(body: Any) -> tuple[str | None, str | None, str | None]:
    code: Any = None
    detail: Any = None
    pointer: Any = None
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        detail = first.get("detail") or first.get("message") or first.get("title")
        code = first.get("code")
        source = first.get("source")
        pointer = source.get("pointer") if isinstance(source, dict) else None
    elif isinstance(body, dict) and "error" in body:  # OAuth shape
        code, detail = body.get("error"), body.get("error_description")
    elif body is not None:
        detail = json.dumps(redact_json(body), default=str)
    shown_detail = _as_text(detail)
    return (
        excerpt(str(code)) if code is not None and not isinstance(code, (dict, list)) else None,
        excerpt(shown_detail, EXCERPT * 2) if shown_detail else None,
        excerpt(pointer) if isinstance(pointer, str) else None,
    )


#: Roles named in an error detail (``org.admin.apps``, ``org.permission.apps.read``).
_ROLE_NAME: Final = re.compile(r"\borg\.[a-z][a-z0-9_.]*[a-z0-9]")
_WRITE_ROLES: Final = "org.admin.apps and org.permission.apps"
_READ_ROLE: Final = "org.permission.apps.read"
_WRITE_ROLES_ADVICE: Final = (
    f"registering, installing and minting secrets need {_WRITE_ROLES}; reads need {_READ_ROLE}. Create a key "
    "with those roles (the roles of a key cannot be edited later) and set it as kustomer:apiKey."
)
_SPEAKS_OF_ROLE: Final = re.compile(r"\brole|permission|scope")
#: A 401 that says the key itself is wrong (the simulator's "Invalid API key"), not that it lacks a role.
_SPEAKS_OF_BAD_KEY: Final = re.compile(r"\b(invalid|unknown|expired|revoked|malformed|not found)\b|\bno (api )?key")


def missing_role_message(where: str, detail: str | None) -> str:
    """``where``, then which role the key lacks (those the detail names, else "a role this call needs") and the fix."""
    named = sorted(set(_ROLE_NAME.findall(detail or "")))
    if named:
        missing = f"the role{'s' if len(named) > 1 else ''} {' and '.join(named)}"
    else:
        missing = "a role this call needs"
    return f"{where}. The API key lacks {missing}: {_WRITE_ROLES_ADVICE}"


@dataclass(frozen=True)
class _Refusal:
    """An error answer as the table reads it."""

    method: str
    status: int
    code: str | None
    detail: str | None
    pointer: str | None
    #: ``METHOD path answered STATUS: detail``, the start of every message.
    where: str

    @property
    def lowered(self) -> str:
        return (self.detail or "").lower()


def _roles_of_this_call(refusal: _Refusal) -> str:
    return _READ_ROLE if refusal.method in ("GET", "HEAD") else _WRITE_ROLES


def _bad_key_or_missing_role(refusal: _Refusal) -> str:
    # Kustomer's older error reference answers a key lacking a role with a bare 401 ([doc], kustomer-api.md
    # "Roles"): a 401 that names nothing cannot be told from a bad key, so say both.
    return (
        f"{refusal.where}. Kustomer rejected the API key: either kustomer:apiKey (or KUSTOMER_API_KEY) does not "
        "hold a valid, unrevoked key of this org and region, or the key lacks a role (Kustomer's older error "
        f"reference answers a missing role with a bare 401). This call needs {_roles_of_this_call(refusal)}; "
        f"{_WRITE_ROLES_ADVICE}"
    )


@dataclass(frozen=True)
class _Rule:
    """One row of :data:`_RULES`: which answers it matches, the exception, and the message."""

    matches: Callable[[_Refusal], bool]
    error: type[errors.KustomerAPIError]
    message: Callable[[_Refusal], str]


#: Error answers -> exceptions, first match wins (as httpx maps httpcore's exceptions with one table). Every
#: status Kustomer documents has its row; anything else falls through to errors.KustomerUnexpectedAnswerError.
_RULES: Final[tuple[_Rule, ...]] = (
    _Rule(
        lambda r: r.status == 401 and "pod" in r.lowered,
        errors.KustomerAuthError,
        lambda r: (
            f"{r.where}. The API key belongs to another Kustomer region. Use the per-org host "
            "https://<org>.api.kustomerapp.com (kustomer:baseUrl unset and kustomer:orgName set), which routes to the "
            "right region."
        ),
    ),
    # A key lacking a role: 403 (HTTP's meaning), or a 401 that says so (Kustomer's older error reference).
    _Rule(
        lambda r: r.status == 403 or (r.status == 401 and _SPEAKS_OF_ROLE.search(r.lowered) is not None),
        errors.KustomerPermissionError,
        lambda r: missing_role_message(r.where, r.detail),
    ),
    _Rule(
        lambda r: r.status == 401 and _SPEAKS_OF_BAD_KEY.search(r.lowered) is not None,
        errors.KustomerAuthError,
        lambda r: (
            f"{r.where}. Kustomer rejected the API key. Check that kustomer:apiKey (or KUSTOMER_API_KEY) "
            "holds a valid, unrevoked key of this org and region."
        ),
    ),
    # A bare 401 (no detail, or one that speaks neither of a role nor of a bad key).
    _Rule(lambda r: r.status == 401, errors.KustomerAuthError, _bad_key_or_missing_role),
    _Rule(
        lambda r: r.status == 404,
        errors.KustomerNotFoundError,
        lambda r: f"{r.where}. The app or version does not exist in this org.",
    ),
    _Rule(lambda r: r.status == 409, errors.KustomerConflictError, lambda r: f"{r.where}."),
    _Rule(
        lambda r: r.status == 429,
        errors.KustomerRateLimitError,
        lambda r: (
            f"{r.where}. The org's per-minute request budget (shared by every key of the org) stayed spent "
            "through our retries. Run again in a minute, or lower the parallelism (`pulumi up --parallel 2`)."
        ),
    ),
    _Rule(
        lambda r: 500 <= r.status <= 599,
        errors.KustomerServerError,
        lambda r: (
            f"{r.where}. Kustomer failed and our retries did not get through. Run `pulumi up` again: retries "
            "are safe, nothing is duplicated."
        ),
    ),
    _Rule(
        lambda r: r.status == 400 and ("outdated" in r.lowered or r.code == "invalid_version"),
        errors.KustomerOutdatedVersionError,
        lambda r: f"{r.where}. Set `version` above the latest registered version.",
    ),
    _Rule(
        lambda r: r.status == 400 and "roles do not match" in r.lowered,
        errors.KustomerRolesChangedError,
        lambda r: f"{r.where}. A change of `definition.roles` needs the next major version (x.0.0).",
    ),
    _Rule(
        lambda r: r.status in (400, 422),
        errors.KustomerInvalidRequestError,
        lambda r: (
            f"{r.where}{f' (field {r.pointer})' if r.pointer else ''}. Kustomer rejected the request; fix "
            "that input and run again."
        ),
    ),
)


#: What no row of the table matches.
_UNDOCUMENTED: Final = _Rule(
    lambda r: True,
    errors.KustomerUnexpectedAnswerError,
    lambda r: (
        f"{r.where}. Kustomer does not document this status for this call: check that kustomer:baseUrl is the "
        "Kustomer API host (https://<org>.api.kustomerapp.com, or unset with kustomer:orgName set) and run again."
    ),
)


def api_error(answer: Answer, method: str, shown_path: str) -> errors.KustomerAPIError:
    """Turn an answer that is neither 2xx nor 3xx into the matching exception of :data:`_RULES`, with what to do."""
    code, detail, pointer = error_fields(answer)
    said = f": {detail.rstrip('.')}" if detail else ""
    refusal = _Refusal(
        method, answer.status, code, detail, pointer, f"{method} {shown_path} answered {answer.status}{said}"
    )
    rule = next((rule for rule in _RULES if rule.matches(refusal)), _UNDOCUMENTED)
    error, message = rule.error, rule.message
    return error(
        message(refusal),
        method=method,
        path=shown_path,
        status_code=answer.status,
        code=code,
        detail=detail,
        pointer=pointer,
        retry_after=retry_after_seconds(answer.status, answer.headers),
    )


def redirect_error(answer: Answer, method: str, shown_path: str) -> errors.KustomerRedirectError:
    location = answer.headers.get("location")
    to = f" to {excerpt(location)}" if location else ""
    return errors.KustomerRedirectError(
        f"{method} {shown_path} answered {answer.status}, a redirect{to}. The client never follows redirects "
        "(they could carry the API key to another host). Check kustomer:baseUrl: it should be the org's API "
        "host https://<org>.api.kustomerapp.com, or unset with kustomer:orgName set.",
        method=method,
        path=shown_path,
        status_code=answer.status,
    )
