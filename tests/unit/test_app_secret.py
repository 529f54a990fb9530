"""``app_secret``'s own pieces: the timestamps stored in a secret's outputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from kustomer_provider.app_secret import now_utc, parse_timestamp, timestamp


def test_timestamps_are_utc_with_a_z_and_read_back_to_the_same_moment() -> None:
    moment = datetime(2026, 11, 23, 22, 53, 36, tzinfo=timezone(timedelta(hours=1)))
    assert timestamp(moment) == "2026-11-23T21:53:36Z"
    assert parse_timestamp(timestamp(moment)) == moment
    now = now_utc()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0) and now.microsecond == 0
    assert abs(datetime.now(UTC) - now) < timedelta(seconds=5)
