"""Pacing: holding requests back before the rate limit, and timing install polls."""

from __future__ import annotations

from kustomer_provider.pacing import InstallDurationEstimate, RateLimitGovernor


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_governor_waits_for_the_reset_once_the_budget_is_down_to_the_reserve() -> None:
    time = FakeTime()
    governor = RateLimitGovernor(clock=time.clock, sleep=time.sleep, reserve=2)
    assert governor.before_request() == 0  # nothing known yet
    governor.observe({"x-ratelimit-remaining": "4", "x-ratelimit-reset": "30", "x-ratelimit-limit": "300"})
    assert [governor.before_request() for _ in range(2)] == [0, 0]  # 4 -> 3 -> 2 left
    assert governor.before_request() == 30  # down to the reserve: wait for the window
    assert time.slept == [30] and governor.waited == 30
    assert governor.before_request() == 0  # a new window: unknown again until the next answer


def test_governor_ignores_headers_it_cannot_read_as_seconds() -> None:
    time = FakeTime()
    governor = RateLimitGovernor(clock=time.clock, sleep=time.sleep, reserve=2)
    governor.observe({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1767225600"})  # an epoch stamp
    governor.observe({"x-ratelimit-remaining": "zero", "x-ratelimit-reset": "5"})
    assert governor.before_request() == 0 and time.slept == []


def test_install_polls_start_soon_then_follow_what_installs_take() -> None:
    estimate = InstallDurationEstimate()
    assert estimate.next_wait(0.0) == 0.1  # nothing learned: poll soon
    assert estimate.next_wait(0.6) == 0.3  # then half the time waited
    assert estimate.next_wait(10.0) == 1.0  # at most a second
    estimate.observe(0.95, 1.05)
    assert estimate.estimate == 1.0
    assert abs(estimate.next_wait(0.1) - 0.95) < 1e-9  # sleep until a little past when it should be done
    assert abs(estimate.next_wait(1.5) - 0.15) < 1e-9  # late: poll often
    estimate.observe(2.9, 3.1)
    assert abs((estimate.estimate or 0) - 1.6) < 1e-9  # a moving average
