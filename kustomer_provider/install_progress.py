"""Progress while installs are awaited: a CI log must never look hung.

The lines go through the client's logger, ``kustomer_provider.client`` (INFO), which ``provider_process``
forwards to ``pulumi.log.info``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Final

from . import assumptions
from .answers import NOT_INSTALLED

__all__ = ["InstallProgress", "short_name"]

# The client's logger: these lines are the client's, whatever module words them.
logger = logging.getLogger("kustomer_provider.client")

_ORG_SUFFIX: Final = re.compile(r"_[0-9a-f]{24}$")


def short_name(app_name: str) -> str:
    """``crm_sync`` for ``crm_sync_<orgId>``: the name the user wrote."""
    return _ORG_SUFFIX.sub("", app_name)


class InstallProgress:
    """The progress lines of one wait for installs, logged at INFO through ``kustomer_provider.client``
    (``provider_process`` forwards them to ``pulumi.log.info``).

    A line whenever an install changes status, and at least every ``every`` seconds otherwise, such as
    ``3/50 installed; waiting for crm_sync (installing, 12 s) and 46 more``; the last line says how long
    the wait took. Times are the client's clock: the installs' ages count from when they were requested.
    """

    def __init__(
        self, installs: Mapping[str, str], started: Mapping[str, float], clock: Callable[[], float], every: float
    ) -> None:
        self._installs = dict(installs)
        self._started = dict(started)
        self._clock = clock
        self._every = every
        self._began = clock()
        self._last_line = self._began
        self._states: dict[str, str] = {}

    def observe(self, states: Mapping[str, str]) -> None:
        """Record the states just read; say so when one changed (or the first time), or when a line is due."""
        now = self._clock()
        changes = [
            f"{short_name(name)} {self._states[name]} -> {state} ({now - self._started[name]:.0f} s)"
            for name, state in states.items()
            if name in self._states and self._states[name] != state
        ]
        first = not self._states
        self._states.update(states)
        if not self._pending():
            return  # every install is final: the closing line says so
        if first or changes or now - self._last_line >= self._every:
            self._say(now, changes)

    def seconds_to_next_line(self) -> float:
        """How long the waiting may sleep before a line is due."""
        return max(self._every - (self._clock() - self._last_line), 0.0)

    def tick(self) -> None:
        """Say where the wait is if no line was logged for ``every`` seconds."""
        now = self._clock()
        if self._pending() and now - self._last_line >= self._every:
            self._say(now, [])

    def finish(self, ending: str = "") -> None:
        """The closing line: the counts, and how long the wait took."""
        now = self._clock()
        self._last_line = now
        logger.info("%s%s; the wait took %.0f s", self._summary(now), ending, now - self._began)

    def _pending(self) -> list[str]:
        final = (assumptions.INSTALLED, assumptions.INSTALL_FAILED)
        return [name for name in self._installs if self._states.get(name) not in final]

    def _summary(self, now: float) -> str:
        done = sum(1 for name in self._installs if self._states.get(name) == assumptions.INSTALLED)
        failed = sum(1 for name in self._installs if self._states.get(name) == assumptions.INSTALL_FAILED)
        text = f"{done}/{len(self._installs)} installed" + (f", {failed} failed" if failed else "")
        pending = self._pending()
        if pending:
            oldest = min(pending, key=lambda name: (self._started[name], name))
            state = self._states.get(oldest, NOT_INSTALLED)
            text += f"; waiting for {short_name(oldest)} ({state}, {now - self._started[oldest]:.0f} s)"
            if len(pending) > 1:
                text += f" and {len(pending) - 1} more"
        return text

    def _say(self, now: float, changes: list[str]) -> None:
        self._last_line = now
        logger.info("%s", "; ".join([*changes, self._summary(now)]))
