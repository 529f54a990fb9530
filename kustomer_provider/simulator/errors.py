"""Errors the simulator answers with, in Kustomer's two body shapes and OAuth's.

SimulatorError               an error answer; `body()` gives its JSON
├── JsonApiError             {"errors": [{"status", "code", "title", "detail", "source"?}]}
├── FirstShapeError          {"errors": [{"code", "message", "meta"}]}
├── OAuthError               {"error", "error_description"}
└── PlatformError            another platform's own body (Teamwork's, Komerza's), given whole
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

__all__ = [
    "FirstShapeError",
    "JsonApiError",
    "OAuthError",
    "PlatformError",
    "SimulatorError",
    "bad_field",
    "not_found",
]


class SimulatorError(Exception):
    """An error answer: status, headers and a JSON body."""

    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON body."""
        raise NotImplementedError


class JsonApiError(SimulatorError):
    """JSON:API shape; `pointer` or `parameter` names the field at fault."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        pointer: str | None = None,
        parameter: str | None = None,
        headers: dict[str, str] | None = None,
        more: list[JsonApiError] | None = None,
    ) -> None:
        super().__init__(status, headers)
        self.code = code
        self.detail = detail
        self.pointer = pointer
        self.parameter = parameter
        self.more = more or []

    def entry(self) -> dict[str, Any]:
        """One entry of the `errors` list."""
        item: dict[str, Any] = {
            "status": str(self.status),
            "code": self.code,
            "title": HTTPStatus(self.status).phrase,
            "detail": self.detail,
        }
        if self.pointer is not None:
            item["source"] = {"pointer": self.pointer}
        elif self.parameter is not None:
            item["source"] = {"parameter": self.parameter}
        return item

    def body(self) -> dict[str, Any]:
        return {"errors": [self.entry(), *(extra.entry() for extra in self.more)]}


class FirstShapeError(SimulatorError):
    """First shape: code, message and meta."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, headers)
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"errors": [{"code": self.code, "message": self.message, "meta": {}}]}


class OAuthError(SimulatorError):
    """RFC 6749 error body of the OAuth endpoints."""

    def __init__(self, status: int, error: str, description: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, headers)
        self.error = error
        self.description = description

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.description}


class PlatformError(SimulatorError):
    """An error in another platform's body shape; `code` is its error code (for tests and logs)."""

    def __init__(self, status: int, code: str, payload: dict[str, Any], *, headers: dict[str, str] | None = None):
        super().__init__(status, headers)
        self.code = code
        self.payload = payload

    def body(self) -> dict[str, Any]:
        return dict(self.payload)


def bad_field(pointer: str, detail: str, code: str = "validation_error") -> JsonApiError:
    """A 400 JSON:API error about one field of the body."""
    return JsonApiError(400, code, detail, pointer=pointer)


def not_found(detail: str) -> JsonApiError:
    """A 404 JSON:API error."""
    return JsonApiError(404, "not_found", detail)
