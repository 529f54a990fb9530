"""Checks of request bodies (steps 1 and 2 of registration, the install body)."""

from __future__ import annotations

from typing import Any

from . import rules
from .errors import JsonApiError, bad_field

__all__ = ["INVALID_JSON", "validate_definition", "validate_install_body"]


class _InvalidJson:
    """Marker for a body that is not JSON at all."""

    def __repr__(self) -> str:
        return "INVALID_JSON"


INVALID_JSON: Any = _InvalidJson()

_STRING_KEYS = ("app", "version", "title", "description", "iconUrl", "visibility")
_STRING_LIST_KEYS = ("redirectUris", "roles")


def _raise_all(errors: list[JsonApiError]) -> None:
    if errors:
        first, *rest = errors
        first.more = rest
        raise first


def _require_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise JsonApiError(400, "invalid_json", "The request body must be a JSON object")
    return body


def validate_definition(body: Any, org_id: str) -> dict[str, Any]:
    """Return the definition, or raise a 400 JSON:API error listing every field at fault."""
    definition = _require_object(body)
    errors: list[JsonApiError] = []
    for key in ("app", "version", "title"):
        if key not in definition:
            errors.append(bad_field(f"/{key}", f"{key} is required"))
    for key in _STRING_KEYS:
        if key in definition and not isinstance(definition[key], str):
            errors.append(bad_field(f"/{key}", f"{key} must be a string"))
    for key in _STRING_LIST_KEYS:
        if key not in definition:
            continue
        value = definition[key]
        if not isinstance(value, list):
            errors.append(bad_field(f"/{key}", f"{key} must be an array of strings"))
            continue
        for index, item in enumerate(value):
            if not isinstance(item, str):
                errors.append(bad_field(f"/{key}/{index}", f"{key}[{index}] must be a string"))
    app = definition.get("app")
    if isinstance(app, str):
        if not rules.APP_NAME_PATTERN.fullmatch(app):
            errors.append(bad_field("/app", f"app must match {rules.APP_NAME_PATTERN.pattern}"))
        else:
            visibility = definition.get("visibility", rules.DEFAULT_VISIBILITY)
            name = rules.namespaced_name(app, org_id, visibility if isinstance(visibility, str) else "")
            if len(name) > rules.MAX_APP_NAME_LENGTH:
                errors.append(
                    bad_field(
                        "/app",
                        f"app is too long: the registered name {name} must be at most "
                        f"{rules.MAX_APP_NAME_LENGTH} characters",
                    )
                )
    version = definition.get("version")
    if isinstance(version, str) and not rules.SEMVER_PATTERN.fullmatch(version):
        errors.append(bad_field("/version", "version must be semver MAJOR.MINOR.PATCH[-prerelease]"))
    visibility = definition.get("visibility")
    if isinstance(visibility, str) and visibility not in ("private", "public"):
        errors.append(bad_field("/visibility", "visibility must be private or public"))
    for key in definition:
        if key not in rules.KNOWN_TOP_LEVEL_KEYS:
            errors.append(bad_field(f"/{key}", f"unknown top-level key: {key}"))
    _raise_all(errors)
    return definition


def validate_install_body(body: Any) -> tuple[str, str]:
    """Return (app, version) of an install request, or raise a 400 JSON:API error."""
    data = _require_object(body)
    errors: list[JsonApiError] = []
    for key in ("app", "version"):
        if key not in data:
            errors.append(bad_field(f"/{key}", f"{key} is required"))
        elif not isinstance(data[key], str) or not data[key]:
            errors.append(bad_field(f"/{key}", f"{key} must be a non-empty string"))
    _raise_all(errors)
    return data["app"], data["version"]
