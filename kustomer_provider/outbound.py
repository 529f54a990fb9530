"""The one outbound HTTP stack of the package: every network call goes through :class:`OutboundTransport`.

The Kustomer API client, the OAuth helper (Kustomer's flow and the other platforms') and the verification of a
``RegisteredOAuthClient`` all build their ``httpx.Client`` with :func:`outbound_client` (or wrap their transport
in :class:`OutboundTransport`), so the same rules and bounds hold for each request, whoever sends it.

Rules, checked on each request before anything is sent (:func:`url_refusal`, :func:`check_url`):

- **https only**, except to a loopback host: ``127.0.0.0/8``, ``::1`` or ``localhost``, where plain http
  serves a local simulator. ``0.0.0.0``, a private address or any other host over http is refused: a client
  secret, an API key or a token would cross a network in the clear. Any other scheme is refused.
- **No user info** (``user:password@host``) in a URL: the credentials of every call travel in a header or
  a form, and a password in a URL is printed wherever the URL is.

Bounds, on each request:

- **A per-attempt deadline** (:data:`ATTEMPT_DEADLINE_S`, 40 s; a caller may ask for less per request with
  the :data:`ATTEMPT_SECONDS` extension): from sending the request to the last byte of the answer. Every
  socket connect, read, write and TLS handshake of the default network stack gets at most the time left,
  so a server that trickles its headers or its body a byte at a time is cut at the deadline; a read
  timeout of httpx alone would not (each trickled byte restarts it). With an injected ``transport=`` (tests,
  recordings) the deadline is checked between body chunks only. Name resolution (DNS) cannot be
  interrupted.
- **An answer-size cap** (:data:`MAX_ANSWER_BYTES`, 4 MiB): the body is delivered up to the cap, then
  :class:`AnswerTooLarge` is raised, so an endless answer never fills memory. ``Accept-Encoding: identity``
  is sent, and an answer encoded all the same (``gzip``...) is refused with :class:`EncodedAnswer`: its
  decoded size would escape the cap.

Redirects are never followed (:func:`outbound_client`); each hop would be checked anyway, being a request.

Exceptions: a refused URL is :class:`OutboundURLError` (a :class:`~kustomer_provider.errors.KustomerConfigError`:
nothing was sent); a passed deadline is :class:`AttemptDeadline` (an ``httpx.TimeoutException``, like
httpx's own timeouts); :class:`AnswerTooLarge` and :class:`EncodedAnswer` are ``httpx.DecodingError``\\ s.
"""

from __future__ import annotations

import contextvars
import ipaddress
import re
import time
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final

import httpcore
import httpx

from .errors import KustomerConfigError
from .redaction import redact
from .safe_text import safe_text

__all__ = [
    "ATTEMPT_DEADLINE_S",
    "ATTEMPT_SECONDS",
    "MAX_ANSWER_BYTES",
    "AnswerTooLarge",
    "AttemptDeadline",
    "EncodedAnswer",
    "OutboundTransport",
    "OutboundURLError",
    "check_browser_url",
    "check_url",
    "failure_text",
    "is_loopback_host",
    "outbound_client",
    "shown_url",
    "url_refusal",
]

#: Seconds one attempt may take, from sending the request to the last byte of the answer.
ATTEMPT_DEADLINE_S: Final = 40.0
#: The largest answer body read (4 MiB): a page of 100 app versions is a few hundred KiB, a token answer < 10 KiB.
MAX_ANSWER_BYTES: Final = 4 * 1024 * 1024
#: A request extension: seconds this attempt may take, at most the transport's deadline (the Kustomer client
#: gives what is left of its call's total budget).
ATTEMPT_SECONDS: Final = "kustomer_provider.attempt_seconds"
#: The loopback host names: ``localhost`` only (any other name could resolve anywhere).
_LOOPBACK_NAMES: Final = frozenset({"localhost"})
_IPV4_LOOPBACK: Final = ipaddress.IPv4Network("127.0.0.0/8")
_IPV6_LOOPBACK: Final = ipaddress.IPv6Address("::1")
_SCHEMES: Final = frozenset({"https", "http"})
_USERINFO: Final = re.compile(r"(?i)^([a-z][a-z0-9+.-]*:/*)[^/?#]*@")


class OutboundURLError(KustomerConfigError):
    """A URL the outbound rules refuse (plain http to a host that is not loopback, user info, another scheme);
    nothing was sent."""

    def __init__(self, message: str, *, source: str, reason: str) -> None:
        super().__init__(redact(message))
        #: Where the URL came from: a flag, a config key, a file's field, a platform's endpoint.
        self.source = source
        #: What the rules refuse in it.
        self.reason = reason


class AttemptDeadline(httpx.TimeoutException):
    """The attempt's deadline passed before its answer was read to the end."""


class AnswerTooLarge(httpx.DecodingError):
    """The answer's body is larger than the cap; the bytes up to the cap were delivered before this was raised."""

    def __init__(self, message: str, *, request: httpx.Request, cap: int) -> None:
        super().__init__(message, request=request)
        #: The cap, in bytes.
        self.cap = cap


class EncodedAnswer(httpx.DecodingError):
    """The answer carries a ``Content-Encoding`` although ``identity`` was asked for: its decoded size is unbounded."""


# ---------------------------------------------------------------------------------------------------
# The rules


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (a URL's host, IPv6 without brackets, any case) is this machine's loopback interface:
    ``localhost``, an IPv4 address in ``127.0.0.0/8`` or ``::1``. ``0.0.0.0`` is not (it may reach other
    machines' services), nor is an IPv4-mapped ``::ffff:127.0.0.1`` or a name that merely resolves there."""
    lowered = host.lower()
    if lowered in _LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(lowered)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return address in _IPV4_LOOPBACK
    return address == _IPV6_LOOPBACK


def _parsed(url: str | httpx.URL) -> httpx.URL | None:
    """The URL as httpx reads it (the reading the request is sent with), or ``None`` if httpx cannot read it."""
    if isinstance(url, httpx.URL):
        return url
    try:
        return httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError, UnicodeError):
        return None


def url_refusal(url: str | httpx.URL) -> str | None:
    """Why the outbound rules refuse ``url``, or ``None`` when it may be sent to.

    The verdict is taken on httpx's reading of the URL, the one the request goes out with: its scheme, its
    user info and its host (``raw_host``: IDNA-encoded, IPv6 without brackets).
    """
    parsed = _parsed(url)
    if parsed is None:
        return "it is not a URL httpx can send to"
    if parsed.scheme not in _SCHEMES:
        return "only https URLs are sent to (plain http only to a loopback host)"
    if parsed.userinfo or (isinstance(url, str) and "@" in _authority(url)):
        return "a URL must not carry a user name or password (user:password@host)"
    host = parsed.raw_host.decode("ascii", errors="replace")
    if not host:
        return "it has no host"
    if parsed.scheme == "http" and not is_loopback_host(host):
        return (
            "plain http is allowed only to a loopback host (127.0.0.0/8, ::1, localhost), where a local simulator "
            "runs; anywhere else the credentials would cross the network in the clear: use https"
        )
    return None


def _authority(url: str) -> str:
    """The authority part of ``url`` as written (between ``scheme://`` and the path), for the user-info check."""
    after = url.split("://", 1)[1] if "://" in url else ""
    return re.split(r"[/?#]", after, maxsplit=1)[0]


def shown_url(url: str | httpx.URL) -> str:
    """``url`` for a message: any user info replaced, redacted, cut to a readable length."""
    text = str(url)
    return safe_text(_USERINFO.sub(r"\1[REDACTED]@", text), limit=300)


def check_url(url: str | httpx.URL, *, source: str, fix: str) -> str:
    """``url`` if the outbound rules allow it; else :class:`OutboundURLError` naming ``source`` and ``fix``."""
    reason = url_refusal(url)
    if reason is not None:
        raise OutboundURLError(
            f"{source} is refused: {reason}; got {shown_url(url)!r}. {fix}", source=source, reason=reason
        )
    return str(url)


def failure_text(exc: httpx.HTTPError) -> str:
    """What went wrong with one request, to follow ``METHOD url`` in a message (redacted, one line, short)."""
    said = safe_text(" ".join(str(exc).split()), limit=200)
    if isinstance(exc, AnswerTooLarge):
        return f"answered with a body larger than the {_size(exc.cap)} cap, which was dropped"
    if isinstance(exc, EncodedAnswer):
        return f"answered unusably: {said}"
    if isinstance(exc, httpx.TimeoutException):
        return f"got no complete answer within its deadline ({type(exc).__name__})"
    return f"failed: {type(exc).__name__}{': ' + said if said else ''}"


def _size(size: int) -> str:
    return f"{size / (1024 * 1024):.3g} MiB" if size >= 1024 * 1024 else f"{size} bytes"


def check_browser_url(url: str, *, hosts: Collection[str], source: str, fix: str) -> str:
    """``url`` if a browser may open it: the outbound rules, and its host one of ``hosts`` or a loopback host.

    An entry of ``hosts`` starting with a dot allows that domain's subdomains (``.kustomerapp.com``). A
    ``javascript:``, ``file:`` or ``data:`` URL, or an https page on a host nobody configured, is refused.
    """
    check_url(url, source=source, fix=fix)
    parsed = _parsed(url)
    assert parsed is not None  # check_url refuses what httpx cannot read
    host = parsed.raw_host.decode("ascii", errors="replace").lower()
    allowed = {h.lower() for h in hosts}
    if host in allowed or is_loopback_host(host) or any(h.startswith(".") and host.endswith(h) for h in allowed):
        return url
    expected = ", ".join(sorted(h if not h.startswith(".") else f"*{h}" for h in allowed)) or "a loopback host"
    reason = f"a browser is opened only on the platform's or the configured host ({expected})"
    raise OutboundURLError(f"{source} is refused: {reason}; got the host {host!r}. {fix}", source=source, reason=reason)


# ---------------------------------------------------------------------------------------------------
# The attempt deadline inside the HTTP stack: every socket operation of the current attempt gets at most
# the time left, so neither trickled headers nor a slow body outlast it.

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("kustomer_attempt_deadline", default=None)


@contextmanager
def _deadline_at(at: float) -> Iterator[None]:
    """Within the block, socket operations of this thread (this context) end at ``at`` (``time.monotonic()``)."""
    token = _deadline.set(at)
    try:
        yield
    finally:
        _deadline.reset(token)


def _time_left(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` lowered to the time left before the current attempt's deadline (raise ``error`` if none)."""
    at = _deadline.get()
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


def _deadline_transport(limits: httpx.Limits) -> httpx.HTTPTransport:
    """httpx's default transport, its connection pool using :class:`_DeadlineBackend`."""
    transport = httpx.HTTPTransport(limits=limits)
    pool = getattr(transport, "_pool", None)
    # httpx builds its pool without a way to pass a network backend: swap it in (checked by the tests with a
    # server that trickles its headers).
    if isinstance(pool, httpcore.ConnectionPool):
        pool._network_backend = _DeadlineBackend(pool._network_backend)
    return transport


def _timeout_within(timeout: Mapping[str, float | None], left: float) -> dict[str, float]:
    """httpx's per-request timeout extension, each part at most ``left`` seconds."""
    parts = {name: timeout.get(name) for name in ("connect", "read", "write", "pool")}
    return {name: left if value is None else min(value, left) for name, value in parts.items()}


# ---------------------------------------------------------------------------------------------------
# The transport


class _BoundedStream(httpx.SyncByteStream):
    """An answer's body, read within the attempt's deadline and up to the cap."""

    def __init__(self, inner: httpx.SyncByteStream, *, at: float, cap: int, request: httpx.Request) -> None:
        self._inner = inner
        self._at = at
        self._cap = cap
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._inner)
        size = 0
        while True:
            with _deadline_at(self._at):
                chunk = next(chunks, None)
            if chunk is None:
                return
            room = self._cap - size
            if len(chunk) > room:
                if room:
                    yield chunk[:room]
                raise AnswerTooLarge(
                    f"the answer is larger than the {_size(self._cap)} cap; it was read up to the cap",
                    request=self._request,
                    cap=self._cap,
                )
            size += len(chunk)
            yield chunk
            if time.monotonic() >= self._at:
                raise AttemptDeadline("the attempt's deadline passed while the answer was read", request=self._request)

    def close(self) -> None:
        self._inner.close()


class OutboundTransport(httpx.BaseTransport):
    """The package's transport: the URL rules, the per-attempt deadline and the answer cap around another one.

    ``transport`` is the one that sends (default: httpx's, its sockets bounded by the deadline); tests give an
    ``httpx.MockTransport``, which gets the same rules and cap, and the deadline between body chunks.
    """

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        limits: httpx.Limits | None = None,
        attempt_deadline: float = ATTEMPT_DEADLINE_S,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
    ) -> None:
        if attempt_deadline <= 0 or max_answer_bytes <= 0:
            raise ValueError("attempt_deadline and max_answer_bytes must be above 0")
        self._inner = transport if transport is not None else _deadline_transport(limits or httpx.Limits())
        self.attempt_deadline = attempt_deadline
        self.max_answer_bytes = max_answer_bytes

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        reason = url_refusal(request.url)
        if reason is not None:
            raise OutboundURLError(
                f"A request to {shown_url(request.url)!r} was refused before it was sent: {reason}.",
                source="a request",
                reason=reason,
            )
        asked = request.extensions.pop(ATTEMPT_SECONDS, None)
        seconds = self.attempt_deadline if asked is None else max(min(float(asked), self.attempt_deadline), 0.001)
        at = time.monotonic() + seconds
        request.extensions["timeout"] = _timeout_within(request.extensions.get("timeout", {}), seconds)
        request.headers["Accept-Encoding"] = "identity"
        with _deadline_at(at):
            response = self._inner.handle_request(request)
        try:
            if time.monotonic() >= at:
                raise AttemptDeadline("the attempt's deadline passed before the answer's headers", request=request)
            encoding = response.headers.get("content-encoding", "identity").strip().lower()
            if encoding not in ("", "identity"):
                raise EncodedAnswer(
                    f"the answer is {safe_text(encoding, limit=40)}-encoded although identity was asked for; its "
                    "decoded size would escape the answer cap",
                    request=request,
                )
        except httpx.HTTPError:
            response.close()
            raise
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_BoundedStream(response.stream, at=at, cap=self.max_answer_bytes, request=request),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._inner.close()


def outbound_client(
    *,
    timeout: httpx.Timeout,
    transport: httpx.BaseTransport | None = None,
    attempt_deadline: float = ATTEMPT_DEADLINE_S,
    max_answer_bytes: int = MAX_ANSWER_BYTES,
    limits: httpx.Limits | None = None,
    base_url: str = "",
    headers: Mapping[str, str] | None = None,
) -> httpx.Client:
    """An ``httpx.Client`` whose every request goes through an :class:`OutboundTransport`; never follows redirects.

    ``transport`` (tests: ``httpx.MockTransport``) is wrapped, not used alone.
    """
    return httpx.Client(
        base_url=base_url,
        headers=dict(headers or {}),
        timeout=timeout,
        follow_redirects=False,
        transport=OutboundTransport(
            transport=transport, limits=limits, attempt_deadline=attempt_deadline, max_answer_bytes=max_answer_bytes
        ),
    )
