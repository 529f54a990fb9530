"""Small pieces both resource providers use: input views, check results, timestamps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult

from .models import InputFailure

__all__ = ["check_result", "input_view", "now_utc", "parse_timestamp", "timestamp"]

PROVIDER_KEY = "__provider"


def input_view(props: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The resource's inputs from a property bag (inputs or stored outputs), defaults filled in."""
    view = {}
    for name, default in defaults.items():
        value = props.get(name)
        view[name] = default if value is None else value
    return view


def check_result(news: Mapping[str, Any], failures: Iterable[InputFailure]) -> CheckResult:
    """A ``CheckResult`` that passes the inputs on unchanged (unknowns included) with the failures."""
    inputs = {k: v for k, v in news.items() if k != PROVIDER_KEY}
    return CheckResult(inputs, [CheckFailure(f.property, f.reason) for f in failures])


def now_utc() -> datetime:
    """The current time, UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def timestamp(moment: datetime) -> str:
    """ISO 8601 UTC with a ``Z``: ``2026-11-23T21:53:36Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str) -> datetime:
    """Read a :func:`timestamp` back."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
