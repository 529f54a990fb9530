"""A ``pulumi up`` killed mid-way, as a crash or a cancelled CI job kills it: the provider process dies between a
request Kustomer committed and the engine's state save.

:class:`ProviderKiller` watches a condition (the simulator's state shows the register committed) and then sends
SIGKILL to the dynamic-provider processes (``python -m pulumi.dynamic``) this test process started, found by
walking its own descendants in ``/proc``: never a process by name, never one another test started.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

PROVIDER_COMMAND = b"pulumi.dynamic"


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ")".
    return int(stat.rsplit(")", 1)[1].split()[1])


def descendants(root: int) -> list[int]:
    """Every living process below ``root``, children first."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _parent_of(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [root]
    while queue:
        for child in children.get(queue.pop(0), []):
            found.append(child)
            queue.append(child)
    return found


def provider_processes() -> list[int]:
    """The dynamic-provider processes this test process started (through the engine harness's program host)."""
    pids = []
    for pid in descendants(os.getpid()):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if PROVIDER_COMMAND in command.split(b"\0"):
            pids.append(pid)
    return pids


class ProviderKiller:
    """Kill the provider of the ``up`` running meanwhile as soon as ``condition()`` holds (polled)."""

    def __init__(self, condition: Callable[[], bool], *, poll_s: float = 0.02, timeout_s: float = 300.0) -> None:
        self.condition = condition
        self.poll_s = poll_s
        self.timeout_s = timeout_s
        #: The processes killed (empty: the condition never held, or no provider was running then).
        self.killed: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        deadline = time.monotonic() + self.timeout_s
        while not self._stop.is_set() and time.monotonic() < deadline:
            if self.condition():
                for pid in provider_processes():
                    os.kill(pid, signal.SIGKILL)
                    self.killed.append(pid)
                return
            self._stop.wait(self.poll_s)

    def __enter__(self) -> ProviderKiller:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
