"""The Kustomer Apps Platform API client: one small object over one ``httpx.Client``.

- Keyword-only constructor; timeouts, deadlines, the answer size cap and the retry policy are named
  defaults; ``transport=`` (how tests inject ``httpx.MockTransport`` or a recording) sends inside the
  package's one outbound transport (:mod:`kustomer_provider.outbound`), which applies its URL rules,
  deadline and cap to it too.
- Thread-safe: the provider process shares one client between its worker threads (one connection pool).
- **One place for every answer.** Every request goes through :meth:`KustomerClient._call`, which sends
  it (with retries), reads the answer within a deadline and a size cap, and turns it into a result or
  an exception of :mod:`kustomer_provider.errors`: status (3xx, 4xx, 5xx, undocumented codes), headers
  (``Retry-After``, rate limits, ``Content-Type``), body decoding (empty, not JSON, bad encoding, too
  large) and shape (validated by the pydantic models of the answers). A caller never sees a
  ``JSONDecodeError``, ``KeyError``, ``ValidationError`` or ``httpx`` exception. Messages name the
  method, the path, the status and what to do, with every credential redacted
  (:mod:`kustomer_provider.redaction`).
- Retries with exponential backoff and full jitter (:mod:`kustomer_provider.retry`) for 429, 5xx and
  transport errors, honouring ``Retry-After`` (seconds or an HTTP-date) and ``x-ratelimit-reset``; never
  for 3xx or 400/401/403/404/409.

Time and size bounds (:class:`RetryPolicy`, constructor arguments; the outbound transport enforces them):

- each attempt, from sending the request to the last byte of the answer, ends at its deadline:
  ``attempt_deadline`` = **40 s** (headers trickled byte by byte included: every socket read and write
  of the default transport gets at most the time left), and never later than the total budget;
- a single read or connect waits at most ``DEFAULT_TIMEOUT`` (30 s, connect 10 s);
- all attempts of one call end within ``total_budget`` = **90 s** (plus the last backoff never starts
  past it); a timed-out attempt counts as an ambiguous transport failure for a non-GET request (it may
  have reached Kustomer);
- an answer body is read up to ``max_answer_bytes`` = **4 MiB** (:data:`DEFAULT_MAX_ANSWER_BYTES`),
  ample for a page of 100 app versions; a larger 2xx answer is refused, a larger error answer is cut
  there. ``Accept-Encoding: identity`` is asked for, and an answer encoded anyway is refused, so the cap
  bounds the decoded body.

Limits of the deadline: name resolution (DNS) is not interruptible, and with a ``transport=`` given only
the time between body chunks is checked.

The client's parts live beside it: :mod:`~kustomer_provider.outbound` (the transport every call shares),
:mod:`~kustomer_provider.retry` (the policy and the server's wait hints), :mod:`~kustomer_provider.envelopes`
(the answers' shapes and parse functions), :mod:`~kustomer_provider.error_mapping` (an error answer -> its
exception) and :mod:`~kustomer_provider.install_progress`; this module re-exports the public names.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

import httpx

from . import assumptions
from ._version import __version__
from .answers import NOT_INSTALLED, AvailableApp, InstalledApp, InstallRecord, MintedSecret
from .connection import check_api_key, check_base_url
from .envelopes import (
    Answer,
    Page,
    Resource,
    UnusableAnswer,
    available_app,
    available_from_resource,
    decode_json,
    excerpt,
    install_record,
    installed_from_resource,
    minted_secret,
    newest_install,
    register_secrets_in,
    shape_problem,
)
from .error_mapping import api_error, redirect_error
from .errors import (
    KustomerAPIError,
    KustomerConfigError,
    KustomerConflictError,
    KustomerError,
    KustomerInstallError,
    KustomerMintUnreadableError,
    KustomerNotFoundError,
    KustomerRedirectError,
    KustomerTransportError,
    KustomerUnexpectedAnswerError,
)
from .install_progress import InstallProgress
from .outbound import ATTEMPT_SECONDS, MAX_ANSWER_BYTES, AnswerTooLarge, AttemptDeadline, OutboundTransport
from .pacing import InstallDurationEstimate, RateLimitGovernor
from .redaction import install_log_redaction, register_secret
from .retry import DEFAULT_RETRY, NO_RETRY, RETRY_STATUS, RetryPolicy
from .safe_text import safe_text
from .versions import SemVer

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_ANSWER_BYTES",
    "DEFAULT_PROGRESS_EVERY",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "NO_RETRY",
    "ClientStats",
    "KustomerClient",
    "RetryPolicy",
]

#: Connect quickly or fail; allow Kustomer time to answer a register or a mint (per read).
DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)
#: Enough connections for the provider host's four worker threads, kept alive between requests.
DEFAULT_LIMITS: Final = httpx.Limits(max_connections=8, max_keepalive_connections=8, keepalive_expiry=30.0)
#: The largest answer body read (4 MiB, the outbound transport's cap): a page of 100 app versions is a few
#: hundred KiB.
DEFAULT_MAX_ANSWER_BYTES: Final = MAX_ANSWER_BYTES
#: Names the installed version (``kustomer_provider.__version__``), so Kustomer support can tell releases apart.
USER_AGENT: Final = f"kustomer-pulumi/{__version__} (+https://github.com/; pulumi dynamic provider)"
#: While installs are awaited, a progress line at least this often (seconds); a status change is told at once.
DEFAULT_PROGRESS_EVERY: Final = 10.0
#: The shortest slice a pause between polls is cut into (seconds).
_SHORTEST_PAUSE: Final = 0.05
#: A listing longer than this many pages is a server bug (a next link that never ends).
_MAX_PAGES: Final = 1000

logger = logging.getLogger("kustomer_provider.client")

T = TypeVar("T")


@dataclass
class ClientStats:
    """What a client did: requests sent, retries by reason. Thread-safe counters."""

    requests: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_request(self, key: str) -> None:
        """Count one request sent."""
        with self._lock:
            self.requests[key] += 1

    def count_retry(self, reason: str) -> None:
        """Count one retry and why."""
        with self._lock:
            self.retries[reason] += 1


class KustomerClient:
    """A client of the Kustomer Apps Platform API for one org and one API key.

    Use it as a context manager, or call :meth:`close`. Safe to share between threads.

    ``base_url`` and ``api_key`` are checked like ``kustomer:baseUrl`` and ``kustomer:apiKey``
    (:func:`kustomer_provider.connection.check_base_url`): a base URL with a user or password, or a value
    with control or non-ASCII characters, raises :class:`KustomerConfigError` before anything is sent.
    ``max_answer_bytes`` caps the body read from one answer; ``retry`` bounds attempts, each attempt's
    time and the whole call's (see the module's docstring for the figures). While installs are awaited,
    a progress line is logged at every status change and at least every ``progress_every`` seconds.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        limits: httpx.Limits = DEFAULT_LIMITS,
        retry: RetryPolicy = DEFAULT_RETRY,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        seed: int | None = None,
        max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
        progress_every: float = DEFAULT_PROGRESS_EVERY,
    ) -> None:
        register_secret(api_key)
        install_log_redaction()
        check_api_key(api_key, "the API key given to KustomerClient")
        self.base_url = check_base_url(base_url, "the base URL given to KustomerClient (kustomer:baseUrl)")
        self.retry = retry
        self.max_answer_bytes = max_answer_bytes
        #: While installs are awaited, a progress line at least this often (seconds).
        self.progress_every = progress_every
        self.stats = ClientStats()
        self._timeout = timeout
        self._sleep = sleep
        self._clock = clock
        self.governor = RateLimitGovernor(clock=clock, sleep=sleep)
        self.install_durations = InstallDurationEstimate()
        # Listings kept for a few seconds so that a refresh of many resources reads the org once.
        self._snapshots: dict[str, tuple[float, list[Any]]] = {}
        self._snapshot_locks: dict[str, threading.Lock] = {}
        self._snapshots_lock = threading.Lock()
        self._install_started: dict[tuple[str, str], float] = {}
        self._rng = random.Random(seed)  # noqa: S311 - jitter, not security
        self._rng_lock = threading.Lock()
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
                "Accept-Encoding": "identity",
                "User-Agent": USER_AGENT,
            },
            timeout=timeout,
            # Every request through the package's one outbound transport: the URL rules, the attempt deadline
            # and the answer cap; an injected transport (a test's MockTransport, a recording) sends.
            transport=OutboundTransport(
                transport=transport,
                limits=limits,
                attempt_deadline=retry.attempt_deadline,
                max_answer_bytes=max_answer_bytes,
            ),
            follow_redirects=False,
        )

    # -- lifecycle -----------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> KustomerClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"KustomerClient(base_url={self.base_url!r})"

    # -- the one place where requests are sent and answers converted -----------------------------------

    def _call(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], T],
        *,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        authenticated: bool = True,
        mints_secret: bool = False,
    ) -> T:
        """Send a request (with retries) and return ``parse(<the answer's JSON body>)``, or raise a KustomerError.

        Every method of the API goes through here. ``parse`` validates the body's shape (with the
        models of the answers) and builds the result; any ``ValueError`` (pydantic's ``ValidationError``
        included), ``TypeError``, ``LookupError`` or ``AttributeError`` it raises becomes a
        :class:`KustomerUnexpectedAnswerError` (raise :class:`UnusableAnswer` to word the problem).
        ``form`` sends a form body instead of JSON; ``authenticated=False`` leaves out the API key (for
        the OAuth endpoints). ``mints_secret=True`` marks a request that generates a secret in Kustomer:
        an unreadable answer raises :class:`KustomerMintUnreadableError`, and a failure after the request
        may have reached Kustomer carries ``secret_probably_rotated``.
        """
        shown = safe_text(path)
        try:
            answer = self._exchange(
                method, path, json_body=json_body, form=form, params=params, authenticated=authenticated
            )
        except KustomerTransportError as failure:
            if not (mints_secret and failure.ambiguous):
                raise
            lost = failure
        else:
            return self._read(answer, method, shown, parse, mints_secret=mints_secret)
        rotated = KustomerTransportError(
            f"{lost} The mint may have reached Kustomer, which then generated a new client secret and revoked the "
            "previous one. Run `pulumi up` again: it mints a new secret and stores it.",
            method=lost.method,
            path=lost.path,
            ambiguous=True,
        )
        rotated.secret_probably_rotated = True
        rotated.retried_after_ambiguous = lost.retried_after_ambiguous
        raise rotated

    def _read(self, answer: Answer, method: str, shown: str, parse: Callable[[Any], T], *, mints_secret: bool) -> T:
        """Turn a 2xx answer into ``parse(body)`` or a :class:`KustomerUnexpectedAnswerError` (raised outside
        any ``except`` block, so that no chained exception carries the body)."""
        body, problem = decode_json(answer)
        if problem is None:
            try:
                if mints_secret:
                    register_secrets_in(body)
                return parse(body)
            except (ValueError, TypeError, LookupError, AttributeError, RecursionError) as exc:
                problem = shape_problem(exc)
        if mints_secret:
            raise KustomerMintUnreadableError(
                f"{method} {shown} answered {answer.status} with {problem}, so the new client secret could not be "
                "read. Kustomer has probably generated it anyway, which revokes the app's previous secret: "
                "consumers still using it may be refused. Run `pulumi up` again: it mints a new secret and "
                "stores it.",
                method=method,
                path=shown,
                status_code=answer.status,
            )
        raise KustomerUnexpectedAnswerError(
            f"{method} {shown} answered {answer.status} with {problem}, not the answer Kustomer documents. Check "
            "that kustomer:baseUrl is the Kustomer API host (https://<org>.api.kustomerapp.com, or unset with "
            "kustomer:orgName set) and run again.",
            method=method,
            path=shown,
            status_code=answer.status,
        )

    def _exchange(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        authenticated: bool = True,
    ) -> Answer:
        """Send with retries, each attempt within its deadline; return a 2xx answer or raise a KustomerError."""
        shown = safe_text(path)
        started = self._clock()
        attempt = 0
        ambiguous_before = False
        problem: str | None = None
        try:
            request = self._http.build_request(method, path, json=json_body, data=form, params=params)
        except (httpx.InvalidURL, UnicodeError, TypeError, ValueError) as exc:
            problem = type(exc).__name__
        if problem is not None:
            raise KustomerConfigError(f"{method} {shown}: the request cannot be built ({problem}); nothing was sent.")
        if not authenticated:
            del request.headers["Authorization"]
        while True:
            attempt += 1
            if waited := self.governor.before_request():
                logger.info("the org's request budget is nearly spent: waited %.1fs for it to renew", waited)
            self.stats.count_request(f"{method} {path.split('?')[0]}")
            deadline = min(self._clock() + self.retry.attempt_deadline, started + self.retry.total_budget)
            failure: KustomerError
            try:
                answer = self._attempt(request, deadline)
            except (httpx.TransportError, AttemptDeadline) as exc:
                # Not sent at all (connect failed) is safe; anything later may have reached Kustomer.
                ambiguous = not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
                timed_out = isinstance(exc, AttemptDeadline) or self._clock() >= deadline
                if timed_out:
                    what, name = "got no complete answer within its deadline", "Timeout"
                else:
                    what, name = "failed before an answer", type(exc).__name__
                detail = excerpt(str(exc)) if not isinstance(exc, AttemptDeadline) else ""
                failure = KustomerTransportError(
                    f"{method} {shown} {what}: {name}{': ' + detail if detail else ''}. "
                    f"Check that {self.base_url} is reachable and answers promptly.",
                    method=method,
                    path=shown,
                    ambiguous=ambiguous,
                )
                reason, wait_hint = f"transport:{name}", None
            except httpx.InvalidURL:  # httpx reads a redirect's Location even when not following it
                raise KustomerRedirectError(
                    f"{method} {shown} answered a redirect to a location that is not a valid URL. The client never "
                    "follows redirects. Check kustomer:baseUrl: it should be the org's API host "
                    "https://<org>.api.kustomerapp.com, or unset with kustomer:orgName set.",
                    method=method,
                    path=shown,
                    status_code=0,
                ) from None
            except httpx.HTTPError as exc:  # a body that cannot be decoded (bad content encoding)
                raise KustomerUnexpectedAnswerError(
                    f"{method} {shown} answered with a body that cannot be decoded ({type(exc).__name__}). Check "
                    "that kustomer:baseUrl is the Kustomer API host and run again.",
                    method=method,
                    path=shown,
                    status_code=0,
                ) from None
            else:
                self.governor.observe(answer.headers)
                if assumptions.is_success(answer.status):
                    if method != "GET":
                        self._forget_snapshots()
                    return answer
                if 300 <= answer.status <= 399:
                    failure = redirect_error(answer, method, shown)
                else:
                    failure = api_error(answer, method, shown)
                if answer.status not in RETRY_STATUS:
                    failure.retried_after_ambiguous = ambiguous_before
                    raise failure
                assert isinstance(failure, KustomerAPIError)
                reason, wait_hint = f"status:{answer.status}", failure.retry_after
                ambiguous = answer.status >= 500

            ambiguous_before = ambiguous_before or (ambiguous and method != "GET")
            elapsed = self._clock() - started
            with self._rng_lock:
                delay = self.retry.backoff(attempt, self._rng)
            if wait_hint is not None:
                delay = max(delay, wait_hint)
            if attempt >= self.retry.max_attempts or elapsed + delay >= self.retry.total_budget:
                failure.retried_after_ambiguous = ambiguous_before
                raise failure from None
            self.stats.count_retry(reason)
            logger.info(
                "retrying %s %s after %s (attempt %d of %d, waiting %.2fs)",
                method, shown, reason, attempt + 1, self.retry.max_attempts, delay,
            )  # fmt: skip
            self._sleep(delay)

    def _attempt(self, request: httpx.Request, deadline: float) -> Answer:
        """One try: send, read the answer up to the size cap, all before ``deadline`` (the client's clock)."""
        left = max(deadline - self._clock(), 0.001)
        # The transport ends the attempt at its deadline and delivers the body up to the cap.
        request.extensions[ATTEMPT_SECONDS] = left
        request.extensions["timeout"] = self._timeout.as_dict()  # the transport lowers it to the time left
        response = self._http.send(request, stream=True)
        chunks: list[bytes] = []
        truncated = False
        try:
            for chunk in response.iter_bytes():
                chunks.append(chunk)
        except AnswerTooLarge:
            truncated = True  # a 2xx answer is then refused, an error answer cut (see _read and api_error)
        finally:
            response.close()
        return Answer(response.status_code, response.headers, b"".join(chunks), truncated)

    def _send(
        self, method: str, path: str, *, json_body: Any = None, params: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """The answer of a request as a read ``httpx.Response`` (2xx only; errors raised as by :meth:`_call`).

        Kept for code written before :meth:`_call`; new methods should use :meth:`_call` with a parse
        function, so that their answers are converted in the one place.
        """
        answer = self._exchange(method, path, json_body=json_body, params=params)
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body)

    def _paged(self, path: str, item: Callable[[Resource], T]) -> Iterator[T]:
        """Every resource of a list endpoint, each through ``item``, following ``links.next`` until it is null."""
        origin = httpx.URL(self.base_url)

        def page(body: Any) -> tuple[list[T], str | None]:
            parsed = Page.model_validate(body)
            items = [item(resource) for resource in parsed.data]
            link = parsed.links.next if parsed.links is not None else None
            if not link:
                return items, None
            try:
                url = origin.join(link)
            except (httpx.InvalidURL, ValueError, TypeError):
                raise UnusableAnswer("a links.next that is not a URL") from None
            # Never send the API key to another host, whatever a response says.
            if (url.scheme, url.host, url.port) != (origin.scheme, origin.host, origin.port):
                raise UnusableAnswer(f"a next-page link to another host ({safe_text(url.host)}); refusing to follow it")
            return items, url.raw_path.decode("ascii", errors="replace")

        next_path: str | None = path
        seen: set[str] = set()
        while next_path:
            if next_path in seen:  # a server bug must not loop forever
                break
            if len(seen) >= _MAX_PAGES:
                raise KustomerUnexpectedAnswerError(
                    f"GET {safe_text(path)} went on for more than {_MAX_PAGES} pages; stopping. Run again later.",
                    method="GET",
                    path=safe_text(path),
                    status_code=200,
                )
            seen.add(next_path)
            items, next_path = self._call("GET", next_path, page)
            yield from items

    def _listing(self, path: str, max_age: float, item: Callable[[Resource], T]) -> list[T]:
        """Every resource of a list endpoint; reused for ``max_age`` s, fetched once for concurrent callers.

        One path is always read with the same ``item`` function, so a cached listing has one type.
        """
        if max_age <= 0:
            return list(self._paged(path, item))
        with self._snapshots_lock:
            lock = self._snapshot_locks.setdefault(path, threading.Lock())
        with lock:
            cached = self._snapshots.get(path)
            if cached is not None and self._clock() - cached[0] <= max_age:
                return list(cached[1])
            resources = list(self._paged(path, item))
            self._snapshots[path] = (self._clock(), resources)
            return list(resources)

    def _forget_snapshots(self) -> None:
        # Any write may change what a listing shows.
        self._snapshots.clear()

    # -- the API ---------------------------------------------------------------------------------------

    def register_version(self, definition: Mapping[str, Any]) -> AvailableApp:
        """Register one version of an app (``POST /v1/apps/available``).

        Idempotent: when a retry after an ambiguous failure meets 409, the stored version is compared
        with ``definition`` and returned if it is the same (our first attempt had committed).
        """
        try:
            return self._call("POST", "/v1/apps/available", available_app, json_body=dict(definition))
        except KustomerConflictError as exc:
            if not exc.retried_after_ambiguous:
                raise
            conflict = exc
        existing = self.find_version(str(definition["app"]), str(definition["version"]))
        if existing is not None and existing.matches_definition(definition):
            logger.info("register of %s was committed before a dropped answer; adopting it", existing.id)
            return existing
        raise conflict

    def list_available(self, *, max_age: float = 0.0) -> list[AvailableApp]:
        """Every app version the org may install (``GET /v1/apps/available``, all pages).

        ``max_age``: reuse a listing fetched at most that many seconds ago (and not since a write).
        """
        return self._listing("/v1/apps/available", max_age, available_from_resource)

    def versions_of(self, app: str, *, max_age: float = 0.0) -> list[AvailableApp]:
        """The registered versions of one app, by bare (``myapp``) or namespaced name, oldest first."""
        return [a for a in self.list_available(max_age=max_age) if a.belongs_to(app)]

    def find_version(self, app: str, version: str) -> AvailableApp | None:
        """One registered version of an app, or ``None``."""
        return next((a for a in self.versions_of(app) if a.version == version), None)

    def list_installed(self, *, max_age: float = 0.0) -> list[InstalledApp]:
        """The org's installed apps with their installed version and newest install state."""
        return self._listing("/v1/apps", max_age, installed_from_resource)

    def installed_app(self, app_name: str, *, max_age: float = 0.0) -> InstalledApp | None:
        """The install state of one app (namespaced name), or ``None`` if it was never installed."""
        return next((i for i in self.list_installed(max_age=max_age) if i.name == app_name), None)

    def install(self, app_name: str, version: str) -> InstallRecord:
        """Start installing one version (``POST /v1/apps/install``); returns the install's record."""
        self._install_started[(app_name, version)] = self._clock()
        body = assumptions.install_request_body(app_name, version)
        return self._call("POST", "/v1/apps/install", install_record, json_body=body)

    def install_status(self, app_name: str, version: str) -> InstallRecord | None:
        """The newest install of one version, or ``None`` if it was never installed."""
        return self._call("GET", assumptions.install_status_path(app_name, version), newest_install)

    def wait_for_install(
        self, app_name: str, version: str, *, timeout: float, started: float | None = None
    ) -> InstallRecord:
        """Poll until the install of ``version`` is final; raise if it failed or took too long.

        ``started`` (the client's clock when the install was requested) times the polls from what earlier
        installs took: the first read comes when this one should be done, not on a fixed beat.
        """
        if started is None:
            started = self._install_started.get((app_name, version), self._clock())
        deadline = started + timeout
        last: InstallRecord | None = None
        still_running_at = 0.0
        progress = InstallProgress({app_name: version}, {app_name: started}, self._clock, self.progress_every)
        progress.observe({app_name: assumptions.INSTALLING})  # requested and not final (else no wait), until read
        while True:
            remaining = deadline - self._clock()
            if remaining > 0:
                self._pause(min(self.install_durations.next_wait(self._clock() - started), remaining), progress)
            last = self.install_status(app_name, version)
            progress.observe({app_name: last.status if last is not None else NOT_INSTALLED})
            if last is not None and last.status in assumptions.INSTALL_TERMINAL_STATUSES:
                self.install_durations.observe(still_running_at, self._clock() - started)
                break
            still_running_at = self._clock() - started
            if self._clock() >= deadline:
                status = last.status if last else "not started"
                progress.finish(f"; stopped at the {timeout:.0f} s limit")
                raise KustomerInstallError(
                    f"The install of {app_name} {version} did not finish within {timeout:.0f}s (last "
                    f"status: {status}). Kustomer may still finish it; raise kustomer:installTimeoutSeconds "
                    "or run `pulumi up` again later.",
                    app_name=app_name,
                    version=version,
                    status=status,
                )
        progress.finish()
        if last.status == assumptions.INSTALL_FAILED:
            reason = safe_text(last.error) if last.error else "Kustomer gave no reason"
            raise KustomerInstallError(
                f"Kustomer could not install {app_name} {version}: {reason}. The previously installed "
                "version (if any) stays installed.",
                app_name=app_name,
                version=version,
                status=last.status,
            )
        return last

    def wait_for_installs(self, installs: Mapping[str, str], *, timeout: float) -> dict[str, InstalledApp]:
        """Poll the org's installed list until every install of ``installs`` (app name -> version) is final.

        One listing per round answers for all of them, so fifty installs cost what one does. Rounds are
        timed like :meth:`wait_for_install`'s polls, from the earliest expected end among those still
        running; installs this client started carry their start time, others count from this call.
        Returns each app's entry once its version (or a newer one) is the installed one; raises
        :class:`KustomerInstallError` naming every install that failed, or every one still running at
        the deadline.
        """
        called = self._clock()
        deadline = called + timeout
        started = {name: self._install_started.get((name, version), called) for name, version in installs.items()}
        done: dict[str, InstalledApp] = {}
        failed: dict[str, InstalledApp] = {}
        last: dict[str, InstalledApp | None] = {}
        seen_running_at: dict[str, float] = {}
        progress = InstallProgress(installs, started, self._clock, self.progress_every)
        while True:
            listing = {entry.name: entry for entry in self.list_installed()}
            now = self._clock()
            finished_at: list[float] = []
            running_at: list[float] = []
            lower_bounds: list[float] = []
            round_states: dict[str, str] = {}
            for name, version in installs.items():
                if name in done or name in failed:
                    continue
                entry = last[name] = listing.get(name)
                elapsed = now - started[name]
                state = entry.state_of(version) if entry is not None else None
                round_states[name] = state or NOT_INSTALLED
                if entry is not None and state == assumptions.INSTALLED:
                    done[name] = entry
                    finished_at.append(elapsed)
                    lower_bounds.append(seen_running_at.get(name, 0.0))
                elif entry is not None and state == assumptions.INSTALL_FAILED:
                    failed[name] = entry  # the newest attempt, which is the one asked for, failed
                else:
                    running_at.append(elapsed)
                    seen_running_at[name] = elapsed
            progress.observe(round_states)
            if finished_at:
                # Installs seen running (now, or by the last round) and installs just seen done bracket how
                # long one takes; with no install seen running there is no bracket, only a weak upper bound.
                shortest_done = min(finished_at)
                longest_running = max((e for e in running_at + lower_bounds if e < shortest_done), default=0.0)
                if longest_running > 0:
                    self.install_durations.observe(longest_running, shortest_done)
            pending = [name for name in installs if name not in done and name not in failed]
            if not pending:
                break
            remaining = deadline - now
            if remaining <= 0:
                running = ", ".join(
                    f"{name} {installs[name]} (last status: {_status_of(last[name])})" for name in sorted(pending)
                )
                first = sorted(pending)[0]
                progress.finish(f"; stopped at the {timeout:.0f} s limit")
                raise KustomerInstallError(
                    f"The install of {running} did not finish within {timeout:.0f}s. Kustomer may still finish "
                    "it; raise kustomer:installTimeoutSeconds or run `pulumi up` again later.",
                    app_name=first,
                    version=installs[first],
                    status=_status_of(last[first]),
                )
            wait = min(self.install_durations.next_wait(now - started[name]) for name in pending)
            self._pause(min(wait, remaining), progress)
        progress.finish()
        if failed:
            reasons = "; ".join(
                f"{name} {installs[name]}: {safe_text(entry.error) if entry.error else 'Kustomer gave no reason'}"
                for name, entry in sorted(failed.items())
            )
            first = min(failed)
            raise KustomerInstallError(
                f"Kustomer could not install {len(failed)} of {len(installs)} apps ({reasons}). The previously "
                "installed version of each (if any) stays installed.",
                app_name=first,
                version=installs[first],
                status=assumptions.INSTALL_FAILED,
            )
        return done

    def _pause(self, seconds: float, progress: InstallProgress) -> None:
        """Sleep ``seconds`` between polls, in slices short enough for ``progress`` to log a line when one is due."""
        remaining = seconds
        while remaining > 0:
            step = min(remaining, max(progress.seconds_to_next_line(), _SHORTEST_PAUSE))
            self._sleep(step)
            remaining -= step
            progress.tick()

    def mint_secret(self, app_name: str, version: str | None = None) -> MintedSecret:
        """Mint a new client secret for an app. Kustomer shows it once; a new mint may revoke the last.

        Tries one path form and falls back to the other on 404 (the docs disagree on the form), but never
        mints for another version than the one asked for: a 404 for a version that is not registered is
        reported as such. An answer that cannot be read raises :class:`KustomerMintUnreadableError`
        (``secret_probably_rotated``): Kustomer probably generated a secret, which the next ``up`` replaces.
        """
        path, fallback = assumptions.mint_secret_paths(app_name, version)
        try:
            return self._mint_request(path, app_name, version)
        except KustomerNotFoundError as exc:
            missing = exc
        versions = self.versions_of(app_name)
        if not versions:
            raise missing
        if version is not None:
            if all(v.version != version for v in versions):
                raise KustomerNotFoundError(
                    f"Version {version} of {app_name} is not registered, so no secret can be minted "
                    f"through it (registered: {', '.join(v.version for v in versions)}).",
                    method=missing.method,
                    path=missing.path,
                    status_code=404,
                )
            path = fallback or path
        else:
            latest = max(versions, key=lambda v: SemVer.parse(v.version))
            path = assumptions.versioned_mint_path(latest.name, latest.version)
        return self._mint_request(path, app_name, version)

    # -- the install-before-mint order and the dead-secret probe (kept together, self-contained) --------

    def _mint_request(self, path: str, app_name: str, version: str | None) -> MintedSecret:
        """``POST path`` of a mint; Kustomer's refusal of a mint for an app not installed becomes an install error."""
        try:
            return self._call("POST", path, minted_secret, json_body={}, mints_secret=True)
        except KustomerAPIError as refused:
            text = f"{refused.code or ''} {refused.detail or ''}"
            if not assumptions.mint_refused_as_not_installed(refused.status_code, text):
                raise
            said = f": {refused.detail.rstrip('.')}" if refused.detail else ""
            raise KustomerInstallError(
                f"POST {path} answered {refused.status_code}{said}. {app_name} is not installed in the org, and "
                "a client secret is generated only for an installed app (the tutorial: install the app, then "
                "generate its secret). Install it: install=True on its KustomerPrivateApp (the default), or a "
                "KustomerAppInstalls that waits for it, then run `pulumi up` again. No secret was minted; the "
                "previous one, if any, still works.",
                app_name=app_name,
                version=version or "",
                status=NOT_INSTALLED,
            ) from None

    def probe_client_secret(self, client_id: str, secret: str, *, token_url: str) -> assumptions.SecretVerdict:
        """Whether a client secret still works: ``"live"``, ``"dead"`` (revoked or never valid) or ``"unknown"``.

        Kustomer has no API to read a secret, but its token endpoint authenticates the client before it looks
        at the grant: one ``POST token_url`` with a grant that cannot succeed (see
        ``assumptions.CLIENT_SECRET_PROBE_REFRESH_TOKEN``) answers ``invalid_grant`` for a live secret and
        ``invalid_client`` for a dead one. Nothing is minted, no token is issued. One attempt, no retry: a
        failure or an unexpected answer is ``"unknown"``, logged without the secret. The API key is not sent.
        """
        register_secret(secret)
        form = {
            "grant_type": assumptions.CLIENT_SECRET_PROBE_GRANT_TYPE,
            "refresh_token": assumptions.CLIENT_SECRET_PROBE_REFRESH_TOKEN,
            "client_id": client_id,
            "client_secret": secret,
        }
        target = httpx.URL(token_url)
        self.stats.count_request(f"POST {target.path} (secret probe)")
        try:
            request = self._http.build_request("POST", target, data=form)
            del request.headers["Authorization"]  # the token endpoint gets the client's credentials, never the key
            # One attempt, within the same deadline and size cap as every other request.
            answer = self._attempt(request, self._clock() + self.retry.attempt_deadline)
        except (httpx.HTTPError, AttemptDeadline) as exc:
            logger.warning("could not check a client secret at %s: %s", target.path, type(exc).__name__)
            return "unknown"
        body, _problem = decode_json(answer)
        error = body["error"] if isinstance(body, dict) and isinstance(body.get("error"), str) else None
        status = answer.status
        verdict = assumptions.secret_verdict(error) if 400 <= status < 500 else "unknown"
        if verdict == "unknown":
            logger.warning(
                "could not check a client secret: POST %s answered %d%s",
                target.path, status, f" {safe_text(error)}" if error else "",
            )  # fmt: skip
        return verdict


def _status_of(entry: InstalledApp | None) -> str:
    return (entry.status or "unknown") if entry is not None else "not started"
