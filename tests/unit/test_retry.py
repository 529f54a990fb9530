"""When the client tries again: ``Retry-After`` as seconds or an HTTP-date (RFC 9110 section 10.2.3), and the full
jitter of the backoff (AWS's "Exponential Backoff and Jitter"): its bounds, checked on the distribution."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kustomer_provider.client import RetryPolicy
from kustomer_provider.retry import http_date, retry_after_seconds
from tests.support.scripted_api import scripted_client

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
SERVER_DATE = format_datetime(NOW, usegmt=True)  # "Sun, 01 Mar 2026 12:00:00 GMT"


def in_seconds(seconds: float) -> str:
    return format_datetime(NOW + timedelta(seconds=seconds), usegmt=True)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        ("0", 0.0),
        ("-3", 0.0),
        (in_seconds(12), 12.0),  # IMF-fixdate
        ("Sunday, 01-Mar-26 12:00:30 GMT", 30.0),  # the obsolete RFC 850 form
        ("Sun Mar  1 12:01:00 2026", 60.0),  # the obsolete asctime form, GMT by definition
        (in_seconds(-3600), 0.0),  # a date in the past: no wait
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
    ],
)
def test_retry_after_in_seconds_or_as_an_http_date(value: str, seconds: float) -> None:
    headers = {"retry-after": value, "date": SERVER_DATE}
    assert retry_after_seconds(503, headers) == pytest.approx(seconds)


def test_a_date_counts_from_the_servers_date_header_else_from_this_machines_clock() -> None:
    # The server's clock is an hour ahead of ours: its own Date header keeps the wait at 10 s.
    assert retry_after_seconds(429, {"retry-after": in_seconds(10), "date": SERVER_DATE}) == 10.0
    assert retry_after_seconds(429, {"retry-after": in_seconds(10)}, now=NOW - timedelta(seconds=5)) == 15.0
    # Without a Date header, this machine's clock: a date far in the future is a long wait, one in the past none.
    future = format_datetime(datetime.now(UTC) + timedelta(days=1), usegmt=True)
    assert retry_after_seconds(429, {"retry-after": future}) == pytest.approx(86400, abs=120)
    assert retry_after_seconds(429, {"retry-after": "Sun, 06 Nov 1994 08:49:37 GMT"}) == 0.0


@pytest.mark.parametrize(
    "garbage", ["soon", "", "  ", "inf", "nan", "Infinity", "Mon, 99 Nov 1994 08:49:37 GMT", "12 monkeys", "1 2 3"]
)
def test_a_retry_after_that_is_neither_is_ignored(garbage: str) -> None:
    assert retry_after_seconds(503, {"retry-after": garbage, "date": SERVER_DATE}) is None
    # On a 429 the rate-limit reset still counts.
    assert retry_after_seconds(429, {"retry-after": garbage, "x-ratelimit-reset": "4"}) == 4.0


@given(st.text(max_size=60), st.sampled_from([429, 500, 503]), st.one_of(st.none(), st.text(max_size=40)))
def test_any_header_value_gives_a_wait_of_zero_or_more_or_none(value: str, status: int, date: str | None) -> None:
    headers = {"retry-after": value} | ({"date": date} if date is not None else {})
    try:
        headers_obj = httpx.Headers(headers)
    except (UnicodeEncodeError, ValueError):
        return  # a value no HTTP header can carry
    wait = retry_after_seconds(status, headers_obj)
    assert wait is None or 0.0 <= wait < float("inf")


def test_http_date_reads_the_three_forms_and_nothing_else() -> None:
    expected = datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)
    for form in ("Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"):
        assert http_date(form) == expected
    assert http_date("yesterday") is None


def test_the_client_waits_as_long_as_a_retry_after_date_asks() -> None:
    answers = iter(
        [
            httpx.Response(503, headers={"Retry-After": in_seconds(3), "Date": SERVER_DATE}, json={"errors": []}),
            httpx.Response(200, json={"data": []}),
        ]
    )
    slept: list[float] = []
    client = scripted_client(
        lambda request: next(answers),
        api_key="retry-api-key-0123456789",
        retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02),
        sleep=slept.append,
        seed=1,
    )
    with client:
        assert client.list_available() == []
    assert slept == [3.0]  # the date's wait, above the 20 ms the backoff would have drawn


# -- full jitter -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("attempt", [1, 2, 3, 5, 8])
def test_the_backoff_is_uniform_over_zero_to_the_ceiling(attempt: int) -> None:
    policy = RetryPolicy(base_delay=0.2, max_delay=10.0)
    ceiling = min(10.0, 0.2 * 2 ** (attempt - 1))
    rng = random.Random(attempt)
    waits = [policy.backoff(attempt, rng) for _ in range(4000)]
    assert all(0.0 <= wait <= ceiling for wait in waits)
    # Full jitter reaches the whole range: the lowest tenth and the highest tenth both (equal jitter, the upper
    # half only, would fail the first), and a quarter of the draws on each side of each quartile.
    assert min(waits) < ceiling / 10 and max(waits) > ceiling * 9 / 10
    for quartile in (0.25, 0.5, 0.75):
        below = sum(wait < ceiling * quartile for wait in waits) / len(waits)
        assert below == pytest.approx(quartile, abs=0.03)


@given(
    st.floats(0.001, 5.0),
    st.floats(0.001, 60.0),
    st.integers(1, 200),
    st.integers(0, 2**32),
)
def test_no_wait_is_below_zero_or_above_the_ceiling_or_max_delay(
    base: float, max_delay: float, attempt: int, seed: int
) -> None:
    policy = RetryPolicy(base_delay=base, max_delay=max_delay)
    wait = policy.backoff(attempt, random.Random(seed))
    assert 0.0 <= wait <= policy.ceiling(attempt) <= max_delay
