"""The outbound HTTP stack: a per-attempt deadline enforced on every socket operation.

httpx's own timeouts bound each read, not an attempt: a server that trickles one byte per read keeps a
request alive forever. Here httpcore's network backend is wrapped so that every read, write, connect and TLS
handshake of the current attempt gets at most the time left before its deadline (:func:`attempt_deadline`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

__all__ = ["AttemptDeadline", "attempt_deadline", "deadline_transport", "timeout_within"]


class AttemptDeadline(Exception):
    """The attempt's deadline passed while its answer was being read."""


# ---------------------------------------------------------------------------------------------------
# The attempt deadline inside the HTTP stack: every socket operation of this thread's current attempt
# gets at most the time left, so neither trickled headers nor a slow body outlast it.

_attempt = threading.local()


@contextmanager
def attempt_deadline(at: float) -> Iterator[None]:
    """Within the block, this thread's socket operations end at ``at`` (``time.monotonic()``)."""
    _attempt.deadline = at
    try:
        yield
    finally:
        _attempt.deadline = None


def _time_left(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` lowered to the time left before this thread's attempt deadline (raise ``error`` if none)."""
    at: float | None = getattr(_attempt, "deadline", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("the attempt's deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose reads and writes end at the current attempt's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        inner = self._inner.start_tls(ssl_context, server_hostname, _time_left(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend, its streams bounded by the current attempt's deadline."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        left = _time_left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_tcp(host, port, left, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        left = _time_left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, left, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def deadline_transport(limits: httpx.Limits) -> httpx.HTTPTransport:
    """httpx's default transport, its connection pool using :class:`_DeadlineBackend`."""
    transport = httpx.HTTPTransport(limits=limits)
    pool = getattr(transport, "_pool", None)
    # httpx builds its pool without a way to pass a network backend: swap it in (checked by a test with a
    # server that trickles its headers).
    if isinstance(pool, httpcore.ConnectionPool):
        pool._network_backend = _DeadlineBackend(pool._network_backend)
    return transport


def timeout_within(timeout: httpx.Timeout, left: float) -> dict[str, float]:
    """httpx's per-request timeout extension: each of ``timeout``'s parts, at most ``left`` seconds."""
    parts = {"connect": timeout.connect, "read": timeout.read, "write": timeout.write, "pool": timeout.pool}
    return {name: left if value is None else min(value, left) for name, value in parts.items()}
