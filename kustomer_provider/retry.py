"""When a request is tried again, and how long to wait: the retry policy and the server's own wait hints.

Retries with exponential backoff and full jitter for 429, 5xx and transport errors, honouring ``Retry-After``
(in seconds or as an HTTP-date) and ``x-ratelimit-reset``; never for 3xx or 400/401/403/404/409
(:data:`RETRY_STATUS`).

**Full jitter** (AWS Architecture Blog, Marc Brooker, "Exponential Backoff And Jitter", 2015,
https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/): the wait before retry *n* is drawn
uniformly from ``[0, min(max_delay, base_delay * 2 ** (n - 1))]``. The article's simulation of clients competing
for one resource finds it needs the fewest calls of the jittered schedules ("Equal Jitter", the upper half of
that range, which this module computed before, is the one it calls the loser). A server that asks for a wait
(``Retry-After``) sets a floor under the drawn one, so full jitter never retries a rate-limited call early.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final

from . import assumptions
from .outbound import ATTEMPT_DEADLINE_S

__all__ = ["DEFAULT_RETRY", "NO_RETRY", "RETRY_STATUS", "RetryPolicy", "http_date", "retry_after_seconds"]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a request that failed in a way that may pass, and how long one try may take."""

    max_attempts: int = 8
    base_delay: float = 0.2
    max_delay: float = 10.0
    #: Seconds, from the first attempt, within which every attempt ends and after which no retry starts.
    total_budget: float = 90.0
    #: Seconds one attempt may take, from sending the request to the last byte of the answer.
    attempt_deadline: float = ATTEMPT_DEADLINE_S

    def ceiling(self, attempt: int) -> float:
        """The longest wait before retry ``attempt`` (1 = first retry): ``base_delay`` doubled per retry, at most
        ``max_delay``."""
        return min(self.max_delay, self.base_delay * (2 ** min(attempt - 1, 64)))

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full-jitter exponential backoff before retry ``attempt`` (1 = first retry): uniform in
        ``[0, ceiling(attempt)]`` (the module's docstring says why)."""
        return rng.uniform(0.0, self.ceiling(attempt))


DEFAULT_RETRY: Final = RetryPolicy()
NO_RETRY: Final = RetryPolicy(max_attempts=1)

#: Status codes worth another try: rate limited, or Kustomer (or a proxy in front of it) failed.
RETRY_STATUS: Final = frozenset({429, 500, 502, 503, 504})


def http_date(text: str) -> datetime | None:
    """An HTTP-date (RFC 9110 section 5.6.7: IMF-fixdate, or the obsolete RFC 850 and asctime forms) as an aware
    UTC datetime, or ``None`` for anything else. A date without a zone is GMT, as every HTTP-date is."""
    try:
        when = parsedate_to_datetime(text.strip())
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _delay(value: str, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (RFC 9110 section 10.2.3: delay-seconds or an HTTP-date), or
    ``None`` when it is neither. A number below 0 or a date in the past means no wait."""
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        # An HTTP-date names its month in letters; digits and signs alone are no date, whatever a lenient
        # date parser would make of them.
        when = http_date(text) if _LETTER.search(text) else None
        return None if when is None else max(0.0, (when - now).total_seconds())
    return max(0.0, seconds) if math.isfinite(seconds) else None  # "inf" and "nan" are garbage


_LETTER: Final = re.compile(r"[A-Za-z]")


def retry_after_seconds(status: int, headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds the server asked us to wait: ``Retry-After``, else ``x-ratelimit-reset`` on a 429; ``None`` if neither
    says (a value that is neither a number nor an HTTP-date is ignored).

    An HTTP-date counts from ``now``, by default the answer's own ``Date`` header (the server's clock, so the two
    agree however wrong this machine's clock is), else this machine's clock.
    """
    reference = now or http_date(headers.get("date") or "") or datetime.now(UTC)
    value = headers.get("retry-after")
    if value is not None:
        delay = _delay(value, reference)
        if delay is not None:
            return delay
    reset = headers.get("x-ratelimit-reset")
    if status == 429 and reset is not None and assumptions.RATE_LIMIT_RESET_UNIT_SECONDS:
        try:
            seconds = float(reset)
        except ValueError:
            return None
        return max(0.0, seconds) if math.isfinite(seconds) else None
    return None
