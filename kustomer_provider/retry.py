"""When a request is tried again, and how long to wait: the retry policy and the server's own wait hints.

Retries with exponential backoff and jitter for 429, 5xx and transport errors, honouring ``Retry-After`` and
``x-ratelimit-reset``; never for 3xx or 400/401/403/404/409 (:data:`RETRY_STATUS`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from . import assumptions

__all__ = ["DEFAULT_RETRY", "NO_RETRY", "RETRY_STATUS", "RetryPolicy", "retry_after_seconds"]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a request that failed in a way that may pass, and how long one try may take."""

    max_attempts: int = 8
    base_delay: float = 0.2
    max_delay: float = 10.0
    #: Seconds, from the first attempt, within which every attempt ends and after which no retry starts.
    total_budget: float = 90.0
    #: Seconds one attempt may take, from sending the request to the last byte of the answer.
    attempt_deadline: float = 40.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full-jitter exponential backoff for the given attempt (1 = first retry)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return rng.uniform(ceiling / 2, ceiling)


DEFAULT_RETRY: Final = RetryPolicy()
NO_RETRY: Final = RetryPolicy(max_attempts=1)

#: Status codes worth another try: rate limited, or Kustomer (or a proxy in front of it) failed.
RETRY_STATUS: Final = frozenset({429, 500, 502, 503, 504})


def retry_after_seconds(status: int, headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait: ``Retry-After``, else ``x-ratelimit-reset`` on a 429."""
    for header in ("retry-after", "x-ratelimit-reset"):
        if header == "x-ratelimit-reset" and status != 429:
            continue
        value = headers.get(header)
        if value is None:
            continue
        try:
            seconds = float(value)
        except ValueError:
            continue
        if not math.isfinite(seconds):
            continue
        if assumptions.RATE_LIMIT_RESET_UNIT_SECONDS or header == "retry-after":
            return max(0.0, seconds)
    return None
