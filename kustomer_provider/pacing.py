"""Pacing for the API client: slow down before the org's rate limit is hit, and poll installs on time.

Both learn from answers the client already gets, so they cost no request of their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Final

__all__ = ["InstallDurationEstimate", "RateLimitGovernor"]

#: Requests kept in hand when the budget runs low: the provider host's workers may have that many in flight.
DEFAULT_RESERVE: Final = 4
#: Kustomer's window is 60 s; a reset further away than this is not a count of seconds.
_MAX_WINDOW_SECONDS: Final = 120.0


class RateLimitGovernor:
    """Holds requests back once the org's budget (``x-ratelimit-remaining``) is down to a small reserve.

    Kustomer's budget is one per org per minute, shared by every key: waiting for the window to reset before
    it is spent costs nothing, while a 429 costs a round trip and a backoff.
    """

    def __init__(
        self, *, clock: Callable[[], float], sleep: Callable[[float], None], reserve: int = DEFAULT_RESERVE
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self.reserve = reserve
        self._lock = threading.Lock()
        self._remaining: int | None = None
        self._resets_at: float | None = None
        #: Seconds spent waiting for a window to reset, in all.
        self.waited = 0.0

    def before_request(self) -> float:
        """Wait if the budget is down to the reserve; count the request against it. Returns seconds waited."""
        with self._lock:
            wait = 0.0
            now = self._clock()
            if self._resets_at is not None and now >= self._resets_at:
                self._remaining, self._resets_at = None, None  # a new window: unknown until the next answer
            if self._remaining is not None and self._resets_at is not None:
                if self._remaining <= self.reserve:
                    wait = self._resets_at - now
                else:
                    self._remaining -= 1
            if wait > 0:
                self.waited += wait
        if wait > 0:
            self._sleep(wait)
        return wait

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn the budget from an answer's ``x-ratelimit-remaining`` and ``x-ratelimit-reset``."""
        remaining, reset = headers.get("x-ratelimit-remaining"), headers.get("x-ratelimit-reset")
        if remaining is None or reset is None:
            return
        try:
            left, seconds = int(remaining), float(reset)
        except ValueError:
            return
        if not 0 <= seconds <= _MAX_WINDOW_SECONDS:  # not seconds-until-reset (an epoch stamp?): don't guess
            return
        with self._lock:
            self._remaining = left
            self._resets_at = self._clock() + seconds


class InstallDurationEstimate:
    """How long installs take in this org, learned from the ones already seen, to poll when one should be done.

    Before any install has been seen: a first poll soon (0.1 s), then intervals growing with the time
    already waited (half of it, at most 1 s), so a short install is seen at once and a long one costs few
    requests. Once installs have been seen: sleep until a little past the expected end (5%, at least
    50 ms), then poll often (a tenth of the time waited, 0.1 to 1 s).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._estimate: float | None = None

    @property
    def estimate(self) -> float | None:
        return self._estimate

    def next_wait(self, elapsed: float) -> float:
        """Seconds to wait before the next status read, ``elapsed`` seconds after the install started."""
        estimate = self._estimate
        if estimate is not None:
            # Aim a little past the expected end: one read that finds it done beats two around the end.
            target = estimate + max(0.05, 0.05 * estimate)
            if elapsed < target:
                return max(0.05, target - elapsed)
        factor = 0.5 if estimate is None else 0.1
        return min(1.0, max(0.1, elapsed * factor))

    def observe(self, still_running_at: float, done_at: float) -> None:
        """An install was still running ``still_running_at`` s after its start and done at ``done_at``."""
        seen = (still_running_at + done_at) / 2
        with self._lock:
            self._estimate = seen if self._estimate is None else 0.7 * self._estimate + 0.3 * seen
