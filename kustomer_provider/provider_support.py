"""Small pieces the resource providers use: input views, check results, timestamps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult
from pydantic import BaseModel

from .models import InputFailure, normalize_inputs

__all__ = ["check_result", "input_view", "normalized_view", "now_utc", "parse_timestamp", "timestamp"]

PROVIDER_KEY = "__provider"


def input_view(props: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The resource's inputs from a property bag (inputs or stored outputs), defaults filled in."""
    view = {}
    for name, default in defaults.items():
        value = props.get(name)
        view[name] = default if value is None else value
    return view


def check_result(model: type[BaseModel], news: Mapping[str, Any], failures: Iterable[InputFailure]) -> CheckResult:
    """A ``CheckResult`` with the failures and the inputs as ``model`` converts them (``"90"`` -> ``90``,
    ``"true"`` -> ``True``), so that the engine stores and diffs typed values; unknown and invalid inputs
    pass on unchanged."""
    inputs = {k: v for k, v in normalize_inputs(model, news).items() if k != PROVIDER_KEY}
    return CheckResult(inputs, [CheckFailure(f.property, f.reason) for f in failures])


def normalized_view(model: type[BaseModel], props: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`input_view` of the inputs as ``model`` converts them: what diff compares."""
    return input_view(normalize_inputs(model, props), defaults)


def now_utc() -> datetime:
    """The current time, UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def timestamp(moment: datetime) -> str:
    """ISO 8601 UTC with a ``Z``: ``2026-11-23T21:53:36Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str) -> datetime:
    """Read a :func:`timestamp` back."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
