"""Request, response, fault and connection counters: what `/_sim/stats` shows."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

__all__ = ["FAULT_COUNTERS", "Stats"]

FAULT_COUNTERS = ("fail_500", "fail_502", "fail_503", "rate_limited", "dropped_after_commit")


class Stats:
    """Request, response, fault and connection counters (thread safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._responses: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()
        self._connections = 0

    def count_request(self, key: str) -> None:
        with self._lock:
            self._requests[key] += 1

    def count_response(self, status: int) -> None:
        with self._lock:
            self._responses[str(status)] += 1

    def count_fault(self, name: str) -> None:
        with self._lock:
            self._faults[name] += 1

    def count_connection(self) -> None:
        with self._lock:
            self._connections += 1

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._responses.clear()
            self._faults.clear()
            self._connections = 0

    def as_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(self._requests),
                "responses": dict(self._responses),
                "faults": {name: self._faults[name] for name in FAULT_COUNTERS},
                "connections": self._connections,
            }
