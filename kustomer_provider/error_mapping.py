"""An error answer of the Kustomer API -> the matching exception of :mod:`kustomer_provider.errors`, with what to do.

Both of Kustomer's error shapes (``{"errors": [{code, detail|message|title, source.pointer}]}``), OAuth's
(``{"error", "error_description"}``) and a body that is not JSON are read by :func:`error_fields`; every text
quoted is redacted and cut (:func:`~kustomer_provider.envelopes.excerpt`).
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from .envelopes import EXCERPT, Answer, excerpt, no_json_constants, text_excerpt
from .errors import (
    KustomerAPIError,
    KustomerAuthError,
    KustomerConflictError,
    KustomerInvalidRequestError,
    KustomerNotFoundError,
    KustomerOutdatedVersionError,
    KustomerPermissionError,
    KustomerRateLimitError,
    KustomerRedirectError,
    KustomerRolesChangedError,
    KustomerServerError,
    KustomerUnexpectedAnswerError,
)
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
_WRITE_ROLES_ADVICE: Final = (
    "registering, installing and minting secrets need org.admin.apps and org.permission.apps; reads need "
    "org.permission.apps.read. Create a key with those roles (the roles of a key cannot be edited later) "
    "and set it as kustomer:apiKey."
)


def missing_role_message(where: str, detail: str | None) -> str:
    named = sorted(set(_ROLE_NAME.findall(detail or "")))
    if named:
        missing = f"the role{'s' if len(named) > 1 else ''} {' and '.join(named)}"
    else:
        missing = "a role this call needs"
    return f"{where}. The API key lacks {missing}: {_WRITE_ROLES_ADVICE}"


def api_error(answer: Answer, method: str, shown_path: str) -> KustomerAPIError:
    """Turn an answer that is neither 2xx nor 3xx into the matching exception, with what to do."""
    status = answer.status
    code, detail, pointer = error_fields(answer)
    said = f": {detail.rstrip('.')}" if detail else ""
    where = f"{method} {shown_path} answered {status}{said}"
    kwargs: dict[str, Any] = {
        "method": method,
        "path": shown_path,
        "status_code": status,
        "code": code,
        "detail": detail,
        "pointer": pointer,
        "retry_after": retry_after_seconds(answer.status, answer.headers),
    }
    lowered = (detail or "").lower()
    speaks_of_role = re.search(r"\brole|permission|scope", lowered) is not None
    if status == 401 and "pod" in lowered:
        return KustomerAuthError(
            f"{where}. The API key belongs to another Kustomer region. Use the per-org host "
            "https://<org>.api.kustomerapp.com (kustomer:baseUrl unset and kustomer:orgName set), "
            "which routes to the right region.",
            **kwargs,
        )
    # Kustomer's older error reference answers a key lacking a role with 401; HTTP's meaning is 403.
    if status == 403 or (status == 401 and speaks_of_role):
        return KustomerPermissionError(missing_role_message(where, detail), **kwargs)
    if status == 401:
        return KustomerAuthError(
            f"{where}. Kustomer rejected the API key. Check that kustomer:apiKey (or KUSTOMER_API_KEY) holds a "
            "valid, unrevoked key of this org and region.",
            **kwargs,
        )
    if status == 404:
        return KustomerNotFoundError(f"{where}. The app or version does not exist in this org.", **kwargs)
    if status == 409:
        return KustomerConflictError(f"{where}.", **kwargs)
    if status == 429:
        return KustomerRateLimitError(
            f"{where}. The org's per-minute request budget (shared by every key of the org) stayed "
            "spent through our retries. Run again in a minute, or lower the parallelism "
            "(`pulumi up --parallel 2`).",
            **kwargs,
        )
    if 500 <= status <= 599:
        return KustomerServerError(
            f"{where}. Kustomer failed and our retries did not get through. Run `pulumi up` again: "
            "retries are safe, nothing is duplicated.",
            **kwargs,
        )
    if status == 400 and ("outdated" in lowered or code == "invalid_version"):
        return KustomerOutdatedVersionError(f"{where}. Set `version` above the latest registered version.", **kwargs)
    if status == 400 and "roles do not match" in lowered:
        return KustomerRolesChangedError(
            f"{where}. A change of `definition.roles` needs the next major version (x.0.0).", **kwargs
        )
    if status in (400, 422):
        field_note = f" (field {pointer})" if pointer else ""
        return KustomerInvalidRequestError(
            f"{where}{field_note}. Kustomer rejected the request; fix that input and run again.", **kwargs
        )
    return KustomerUnexpectedAnswerError(
        f"{where}. Kustomer does not document this status for this call: check that kustomer:baseUrl is the "
        "Kustomer API host (https://<org>.api.kustomerapp.com, or unset with kustomer:orgName set) and run again.",
        **kwargs,
    )


def redirect_error(answer: Answer, method: str, shown_path: str) -> KustomerRedirectError:
    location = answer.headers.get("location")
    to = f" to {excerpt(location)}" if location else ""
    return KustomerRedirectError(
        f"{method} {shown_path} answered {answer.status}, a redirect{to}. The client never follows redirects "
        "(they could carry the API key to another host). Check kustomer:baseUrl: it should be the org's API "
        "host https://<org>.api.kustomerapp.com, or unset with kustomer:orgName set.",
        method=method,
        path=shown_path,
        status_code=answer.status,
    )
