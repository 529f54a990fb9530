"""The providers' small shared pieces: input views with defaults, typed check results, timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from pydantic import BaseModel

from kustomer_provider.models import InputFailure
from kustomer_provider.provider_support import (
    check_result,
    input_view,
    normalized_view,
    now_utc,
    parse_timestamp,
    timestamp,
)


class Inputs(BaseModel):
    """A small resource's inputs, converted as the real models convert theirs."""

    title: str
    rotate_after_days: int | None = None
    install: bool = True


def test_defaults_fill_missing_and_none_inputs_but_not_falsy_ones() -> None:
    defaults = {"title": "untitled", "rotate_after_days": None, "install": True}
    view = input_view({"title": "", "install": False, "other": 1}, defaults)
    assert view == {"title": "", "rotate_after_days": None, "install": False}  # only the declared inputs
    assert input_view({"title": None}, defaults)["title"] == "untitled"


def test_check_converts_the_inputs_drops_the_pickled_provider_and_reports_each_failure() -> None:
    news = {"title": "t", "rotate_after_days": "90", "install": "true", "__provider": "pickled"}
    result = check_result(Inputs, news, [InputFailure("title", "is too long")])
    assert result.inputs == {"title": "t", "rotate_after_days": 90, "install": True}
    assert [(f.property, f.reason) for f in result.failures] == [("title", "is too long")]


def test_what_diff_compares_is_the_converted_view() -> None:
    defaults = {"title": None, "rotate_after_days": None, "install": True}
    stored = normalized_view(Inputs, {"title": "t", "rotate_after_days": 90}, defaults)
    given = normalized_view(Inputs, {"title": "t", "rotate_after_days": "90", "install": "true"}, defaults)
    assert stored == given == {"title": "t", "rotate_after_days": 90, "install": True}


def test_timestamps_are_utc_with_a_z_and_read_back_to_the_same_moment() -> None:
    moment = datetime(2026, 11, 23, 22, 53, 36, tzinfo=timezone(timedelta(hours=1)))
    assert timestamp(moment) == "2026-11-23T21:53:36Z"
    assert parse_timestamp(timestamp(moment)) == moment
    now = now_utc()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0) and now.microsecond == 0
    assert abs(datetime.now(UTC) - now) < timedelta(seconds=5)
