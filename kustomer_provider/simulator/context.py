"""The one object that ties a running simulator together (kept on `app.state.sim`)."""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from fastapi import Request
from starlette.routing import BaseRoute

from .connections import ConnectionRegistry
from .fault_settings import FaultSettings
from .rate_limit import RateLimiter
from .settings import SimulatorSettings
from .stats import Stats
from .store import Store

__all__ = ["SimContext", "get_context"]

T = TypeVar("T")


@dataclass
class SimContext:
    """Settings, Kustomer's state, faults, counters and the seeded random generator.

    The other platforms' state is `app.state.platforms` (a section of `store`, see `platforms.consent`), so that
    this module, which the routers import, does not import the platforms' package.
    """

    settings: SimulatorSettings
    store: Store
    faults: FaultSettings
    stats: Stats
    limiter: RateLimiter
    connections: ConnectionRegistry
    rng: random.Random
    routes: list[BaseRoute]  # every route of the app, for the stats' route templates
    _rng_lock: threading.Lock = field(default_factory=threading.Lock)

    def roll(self) -> float:
        """A uniform draw in [0, 1) from the seeded generator."""
        with self._rng_lock:
            return self.rng.random()

    def choice(self, options: Sequence[T]) -> T:
        """A seeded random pick."""
        with self._rng_lock:
            return self.rng.choice(options)


async def get_context(request: Request) -> SimContext:
    """Dependency: the simulator of this app."""
    context: SimContext = request.app.state.sim
    return context
