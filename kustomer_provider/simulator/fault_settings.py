"""The faults and limits a running simulator applies, which `/_sim/faults` reads and changes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from . import rules
from .errors import JsonApiError, bad_field

__all__ = ["FaultSettings"]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass
class FaultSettings:
    """Faults and limits that `/_sim/faults` can change at run time."""

    fail_rate: float = 0.0
    rate_limit: int = rules.DEFAULT_RATE_LIMIT
    rate_window_s: float = rules.RATE_LIMIT_WINDOW_S
    latency_ms: float = 0.0
    install_ms: float = rules.DEFAULT_INSTALL_MS
    install_fail: list[str] = field(default_factory=list)
    drop_after_commit_rate: float = 0.0
    auto_consent: bool = False
    page_size: int = rules.DEFAULT_PAGE_SIZE
    #: The status of a refusal for a missing role: 403 (default) or 401 (Kustomer's older error reference).
    missing_role_status: int = rules.MISSING_ROLE_STATUS

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def update(self, data: Any) -> None:
        """Apply a partial update, all or nothing; a 400 JSON:API error names every bad key."""
        if not isinstance(data, dict):
            raise JsonApiError(400, "invalid_json", "The request body must be a JSON object")
        errors: list[JsonApiError] = []
        for key, value in data.items():
            problem = self._problem(key, value)
            if problem:
                errors.append(bad_field(f"/{key}", f"{key}: {problem}"))
        if errors:
            first, *rest = errors
            first.more = rest
            raise first
        for key, value in data.items():
            setattr(self, key, list(value) if key == "install_fail" else value)

    @staticmethod
    def _problem(key: str, value: Any) -> str | None:
        if key in ("fail_rate", "drop_after_commit_rate"):
            return None if _is_number(value) and 0 <= value <= 1 else "must be a number between 0 and 1"
        if key in ("latency_ms", "install_ms"):
            return None if _is_number(value) and value >= 0 else "must be a number >= 0"
        if key == "rate_window_s":
            return None if _is_number(value) and value > 0 else "must be a number of seconds > 0"
        if key == "rate_limit":
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            return None if ok else "must be an integer >= 0 (0 = unlimited)"
        if key == "page_size":
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
            return None if ok else "must be an integer >= 1"
        if key == "missing_role_status":
            return None if value in (401, 403) and not isinstance(value, bool) else "must be 401 or 403"
        if key == "auto_consent":
            return None if isinstance(value, bool) else "must be a boolean"
        if key == "install_fail":
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
            return None if ok else "must be a list of app names"
        return "unknown key"
