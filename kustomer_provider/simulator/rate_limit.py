"""Kustomer's rate limit as the simulator applies it: a fixed window of requests per org."""

from __future__ import annotations

import math
import threading

from . import rules
from .records import Clock

__all__ = ["RateLimiter"]


class RateLimiter:
    """Fixed windows per org (60 s, as Kustomer's), started by the first request after the previous one ended.

    Tests may shorten the window (``rate_window_s``) to see 429 bursts without waiting a minute.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, org: str, limit: int, window_s: float = rules.RATE_LIMIT_WINDOW_S) -> tuple[bool, dict[str, str]]:
        """Charge one request; return (allowed, x-ratelimit-* and, when refused, Retry-After headers)."""
        with self._lock:
            now = self._clock()
            start, count = self._windows.get(org, (now, 0))
            if now >= start + window_s:
                start, count = now, 0
            allowed = count < limit
            if allowed:
                count += 1
            self._windows[org] = (start, count)
            reset = max(1, math.ceil(start + window_s - now))
        headers = {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(0, limit - count)),
            "x-ratelimit-reset": str(reset),
        }
        if not allowed:
            headers["retry-after"] = str(reset)
        return allowed, headers
