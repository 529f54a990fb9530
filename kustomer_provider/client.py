"""The Kustomer Apps Platform API client: one small object over one ``httpx.Client``.

- Keyword-only constructor; timeouts and retry policy are named defaults; ``transport=`` is passed to
  httpx unchanged, which is how tests inject ``httpx.MockTransport`` or a recording.
- Thread-safe: the provider process shares one client between its worker threads (one connection pool).
- Every failure becomes an exception of :mod:`kustomer_provider.errors`, converted in one place
  (:meth:`KustomerClient._send`), with credentials redacted from every message.
- Retries with exponential backoff and full jitter for 429, 5xx and transport errors, honouring
  ``Retry-After`` and ``x-ratelimit-reset``, within a total time budget; never for 400/401/403/404/409.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import httpx

from . import assumptions
from .errors import (
    KustomerAPIError,
    KustomerAuthError,
    KustomerConflictError,
    KustomerInstallError,
    KustomerInvalidRequestError,
    KustomerNotFoundError,
    KustomerOutdatedVersionError,
    KustomerPermissionError,
    KustomerRateLimitError,
    KustomerRolesChangedError,
    KustomerServerError,
    KustomerTransportError,
)
from .models import NOT_INSTALLED, AvailableApp, InstalledApp, InstallRecord, MintedSecret, SemVer
from .pacing import InstallDurationEstimate, RateLimitGovernor
from .redaction import redact, register_secret

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "NO_RETRY",
    "ClientStats",
    "KustomerClient",
    "RetryPolicy",
]

__version__: Final = "0.1.0"

#: Connect quickly or fail; allow Kustomer time to answer a register or a mint.
DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)
#: Enough connections for the provider host's four worker threads, kept alive between requests.
DEFAULT_LIMITS: Final = httpx.Limits(max_connections=8, max_keepalive_connections=8, keepalive_expiry=30.0)
USER_AGENT: Final = f"kustomer-pulumi/{__version__} (+https://github.com/; pulumi dynamic provider)"

logger = logging.getLogger("kustomer_provider.client")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a request that failed in a way that may pass."""

    max_attempts: int = 8
    base_delay: float = 0.2
    max_delay: float = 10.0
    #: Seconds, from the first attempt, after which no retry starts.
    total_budget: float = 90.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full-jitter exponential backoff for the given attempt (1 = first retry)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return rng.uniform(ceiling / 2, ceiling)


DEFAULT_RETRY: Final = RetryPolicy()
NO_RETRY: Final = RetryPolicy(max_attempts=1)

# Status codes worth another try: rate limited, or Kustomer (or a proxy in front of it) failed.
_RETRY_STATUS: Final = frozenset({429, 500, 502, 503, 504})


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


def _error_fields(response: httpx.Response) -> tuple[str | None, str | None, str | None]:
    """(code, detail, pointer) from either of Kustomer's error shapes, or from a non-JSON body."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        text = " ".join(response.text.split())[:200]
        return None, (text or None), None
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        first = body["errors"][0]
        if isinstance(first, dict):
            detail = first.get("detail") or first.get("message") or first.get("title")
            source = first.get("source") if isinstance(first.get("source"), dict) else {}
            code = first.get("code")
            return (
                str(code) if code is not None else None,
                str(detail) if detail is not None else None,
                source.get("pointer") if source else None,
            )
    if isinstance(body, dict) and "error" in body:  # OAuth shape
        return str(body["error"]), body.get("error_description"), None
    return None, json.dumps(body)[:200], None


def _retry_after_seconds(response: httpx.Response) -> float | None:
    """Seconds Kustomer asked us to wait: ``Retry-After``, else ``x-ratelimit-reset`` on a 429."""
    for header in ("retry-after", "x-ratelimit-reset"):
        if header == "x-ratelimit-reset" and response.status_code != 429:
            continue
        value = response.headers.get(header)
        if value is None:
            continue
        try:
            seconds = float(value)
        except ValueError:
            continue
        if assumptions.RATE_LIMIT_RESET_UNIT_SECONDS or header == "retry-after":
            return max(0.0, seconds)
    return None


def _api_error(response: httpx.Response, method: str, path: str) -> KustomerAPIError:
    """Turn an error answer into the matching exception, with a message that says what to do."""
    status = response.status_code
    code, detail, pointer = _error_fields(response)
    detail = redact(detail) if detail else None
    said = f": {detail.rstrip('.')}" if detail else ""
    where = f"{method} {path} answered {status}{said}"
    kwargs: dict[str, Any] = {
        "method": method,
        "path": path,
        "status_code": status,
        "code": code,
        "detail": detail,
        "pointer": pointer,
        "retry_after": _retry_after_seconds(response),
    }
    lowered = (detail or "").lower()
    if status == 401:
        if "pod" in lowered:
            hint = (
                "The API key belongs to another Kustomer region. Use the per-org host "
                "https://<org>.api.kustomerapp.com (kustomer:baseUrl unset and kustomer:orgName set), "
                "which routes to the right region."
            )
        else:
            hint = (
                "Kustomer rejected the API key. Check that kustomer:apiKey (or KUSTOMER_API_KEY) holds a "
                "valid, unrevoked key of this org and region."
            )
        return KustomerAuthError(f"{where}. {hint}", **kwargs)
    if status == 403:
        return KustomerPermissionError(
            f"{where}. The API key lacks a role this call needs: registering, installing and minting "
            "secrets need org.admin.apps and org.permission.apps. Create a key with those roles (the "
            "roles of a key cannot be edited later) and set it as kustomer:apiKey.",
            **kwargs,
        )
    if status == 404:
        return KustomerNotFoundError(f"{where}. The app or version does not exist in this org.", **kwargs)
    if status == 409:
        return KustomerConflictError(f"{where}.", **kwargs)
    if status == 429:
        return KustomerRateLimitError(
            f"{where}. The org's per-minute request budget (shared by every key of the org) stayed "
            "spent through our retries. Run again in a minute, or lower the parallelism "
            "(`pulumi up --parallel 2`).",
            **kwargs,
        )
    if status >= 500:
        return KustomerServerError(
            f"{where}. Kustomer failed and our retries did not get through. Run `pulumi up` again: "
            "retries are safe, nothing is duplicated.",
            **kwargs,
        )
    if status == 400 and ("outdated" in lowered or code == "invalid_version"):
        return KustomerOutdatedVersionError(f"{where}. Set `version` above the latest registered version.", **kwargs)
    if status == 400 and "roles do not match" in lowered:
        return KustomerRolesChangedError(
            f"{where}. A change of `definition.roles` needs the next major version (x.0.0).", **kwargs
        )
    field_note = f" (field {pointer})" if pointer else ""
    return KustomerInvalidRequestError(
        f"{where}{field_note}. Kustomer rejected the request; fix that input and run again.", **kwargs
    )


class KustomerClient:
    """A client of the Kustomer Apps Platform API for one org and one API key.

    Use it as a context manager, or call :meth:`close`. Safe to share between threads.
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
    ) -> None:
        register_secret(api_key)
        self.base_url = base_url.rstrip("/")
        self.retry = retry
        self.stats = ClientStats()
        self._sleep = sleep
        self._clock = clock
        self.governor = RateLimitGovernor(clock=clock, sleep=sleep)
        self.install_durations = InstallDurationEstimate()
        # Listings kept for a few seconds so that a refresh of many resources reads the org once.
        self._snapshots: dict[str, tuple[float, list[dict[str, Any]]]] = {}
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
                "User-Agent": USER_AGENT,
            },
            timeout=timeout,
            limits=limits,
            transport=transport,
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

    # -- the one place where requests are sent and failures converted ---------------------------------

    def _send(
        self, method: str, path: str, *, json_body: Any = None, params: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """Send with retries; return a 2xx response or raise a :class:`KustomerError`."""
        started = self._clock()
        attempt = 0
        ambiguous_before = False
        while True:
            attempt += 1
            if waited := self.governor.before_request():
                logger.info("the org's request budget is nearly spent: waited %.1fs for it to renew", waited)
            self.stats.count_request(f"{method} {path.split('?')[0]}")
            failure: KustomerAPIError | KustomerTransportError
            try:
                response = self._http.request(method, path, json=json_body, params=params)
            except httpx.TransportError as exc:
                # Not sent at all (connect failed) is safe; anything later may have reached Kustomer.
                ambiguous = not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
                failure = KustomerTransportError(
                    f"{method} {path} failed before an answer: {type(exc).__name__}: {redact(str(exc))}. "
                    f"Check that {self.base_url} is reachable.",
                    method=method,
                    path=path,
                    ambiguous=ambiguous,
                )
                reason, wait_hint = f"transport:{type(exc).__name__}", None
            else:
                self.governor.observe(response.headers)
                if assumptions.is_success(response.status_code):
                    if method != "GET":
                        self._forget_snapshots()
                    return response
                failure = _api_error(response, method, path)
                if response.status_code not in _RETRY_STATUS:
                    failure.retried_after_ambiguous = ambiguous_before
                    raise failure
                reason, wait_hint = f"status:{response.status_code}", failure.retry_after
                ambiguous = response.status_code >= 500

            ambiguous_before = ambiguous_before or (ambiguous and method != "GET")
            elapsed = self._clock() - started
            with self._rng_lock:
                delay = self.retry.backoff(attempt, self._rng)
            if wait_hint is not None:
                delay = max(delay, wait_hint)
            if attempt >= self.retry.max_attempts or elapsed + delay > self.retry.total_budget:
                failure.retried_after_ambiguous = ambiguous_before
                raise failure from None
            self.stats.count_retry(reason)
            logger.info(
                "retrying %s %s after %s (attempt %d of %d, waiting %.2fs)",
                method, path, reason, attempt + 1, self.retry.max_attempts, delay,
            )  # fmt: skip
            self._sleep(delay)

    def _get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        return self._send("GET", path, params=params).json()

    def _paged(self, path: str) -> Iterator[dict[str, Any]]:
        """Every resource of a list endpoint, following ``links.next`` until it is absent."""
        origin = httpx.URL(self.base_url)
        next_path: str | None = path
        seen: set[str] = set()
        while next_path:
            if next_path in seen:  # a server bug must not loop forever
                break
            seen.add(next_path)
            body = self._get_json(next_path)
            yield from body.get("data") or []
            link = (body.get("links") or {}).get("next")
            if not link:
                break
            url = origin.join(link)
            # Never send the API key to another host, whatever a response says.
            if (url.scheme, url.host, url.port) != (origin.scheme, origin.host, origin.port):
                raise KustomerAPIError(
                    f"GET {path} returned a next-page link to another host ({url.host}); refusing to follow it.",
                    method="GET",
                    path=path,
                    status_code=200,
                )
            next_path = url.raw_path.decode()

    def _listing(self, path: str, max_age: float) -> list[dict[str, Any]]:
        """Every resource of a list endpoint; reused for ``max_age`` s, fetched once for concurrent callers."""
        if max_age <= 0:
            return list(self._paged(path))
        with self._snapshots_lock:
            lock = self._snapshot_locks.setdefault(path, threading.Lock())
        with lock:
            cached = self._snapshots.get(path)
            if cached is not None and self._clock() - cached[0] <= max_age:
                return cached[1]
            resources = list(self._paged(path))
            self._snapshots[path] = (self._clock(), resources)
            return resources

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
            body = self._send("POST", "/v1/apps/available", json_body=dict(definition)).json()
        except KustomerConflictError as exc:
            if exc.retried_after_ambiguous:
                existing = self.find_version(str(definition["app"]), str(definition["version"]))
                if existing is not None and existing.matches_definition(definition):
                    logger.info("register of %s was committed before a dropped answer; adopting it", existing.id)
                    return existing
            raise
        return AvailableApp.from_resource(body["data"])

    def list_available(self, *, max_age: float = 0.0) -> list[AvailableApp]:
        """Every app version the org may install (``GET /v1/apps/available``, all pages).

        ``max_age``: reuse a listing fetched at most that many seconds ago (and not since a write).
        """
        return [AvailableApp.from_resource(r) for r in self._listing("/v1/apps/available", max_age)]

    def versions_of(self, app: str, *, max_age: float = 0.0) -> list[AvailableApp]:
        """The registered versions of one app, by bare (``myapp``) or namespaced name, oldest first."""
        return [a for a in self.list_available(max_age=max_age) if _same_app(a, app)]

    def find_version(self, app: str, version: str) -> AvailableApp | None:
        """One registered version of an app, or ``None``."""
        return next((a for a in self.versions_of(app) if a.version == version), None)

    def list_installed(self, *, max_age: float = 0.0) -> list[InstalledApp]:
        """The org's installed apps with their installed version and newest install state."""
        return [InstalledApp.model_validate(r.get("attributes") or {}) for r in self._listing("/v1/apps", max_age)]

    def installed_app(self, app_name: str, *, max_age: float = 0.0) -> InstalledApp | None:
        """The install state of one app (namespaced name), or ``None`` if it was never installed."""
        return next((i for i in self.list_installed(max_age=max_age) if i.name == app_name), None)

    def install(self, app_name: str, version: str) -> InstallRecord:
        """Start installing one version (``POST /v1/apps/install``); returns the install's record."""
        self._install_started[(app_name, version)] = self._clock()
        body = self._send("POST", "/v1/apps/install", json_body=assumptions.install_request_body(app_name, version))
        return InstallRecord.model_validate(body.json()["data"]["attributes"])

    def install_status(self, app_name: str, version: str) -> InstallRecord | None:
        """The newest install of one version, or ``None`` if it was never installed."""
        records = self._get_json(assumptions.install_status_path(app_name, version)).get("data") or []
        return InstallRecord.model_validate(records[0]["attributes"]) if records else None

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
        while True:
            remaining = deadline - self._clock()
            if remaining > 0:
                self._sleep(min(self.install_durations.next_wait(self._clock() - started), remaining))
            last = self.install_status(app_name, version)
            if last is not None and last.status in assumptions.INSTALL_TERMINAL_STATUSES:
                self.install_durations.observe(still_running_at, self._clock() - started)
                break
            still_running_at = self._clock() - started
            if self._clock() >= deadline:
                status = last.status if last else "not started"
                raise KustomerInstallError(
                    f"The install of {app_name} {version} did not finish within {timeout:.0f}s (last "
                    f"status: {status}). Kustomer may still finish it; raise kustomer:installTimeoutSeconds "
                    "or run `pulumi up` again later.",
                    app_name=app_name,
                    version=version,
                    status=status,
                )
        if last.status == assumptions.INSTALL_FAILED:
            reason = redact(last.error) if last.error else "Kustomer gave no reason"
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
        while True:
            listing = {entry.name: entry for entry in self.list_installed()}
            now = self._clock()
            finished_at: list[float] = []
            running_at: list[float] = []
            lower_bounds: list[float] = []
            for name, version in installs.items():
                if name in done or name in failed:
                    continue
                entry = last[name] = listing.get(name)
                elapsed = now - started[name]
                state = entry.state_of(version) if entry is not None else None
                if entry is not None and state == assumptions.INSTALLED:
                    done[name] = entry
                    finished_at.append(elapsed)
                    lower_bounds.append(seen_running_at.get(name, 0.0))
                elif entry is not None and state == assumptions.INSTALL_FAILED:
                    failed[name] = entry  # the newest attempt, which is the one asked for, failed
                else:
                    running_at.append(elapsed)
                    seen_running_at[name] = elapsed
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
                raise KustomerInstallError(
                    f"The install of {running} did not finish within {timeout:.0f}s. Kustomer may still finish "
                    "it; raise kustomer:installTimeoutSeconds or run `pulumi up` again later.",
                    app_name=first,
                    version=installs[first],
                    status=_status_of(last[first]),
                )
            wait = min(self.install_durations.next_wait(now - started[name]) for name in pending)
            self._sleep(min(wait, remaining))
        if failed:
            reasons = "; ".join(
                f"{name} {installs[name]}: {redact(entry.error) if entry.error else 'Kustomer gave no reason'}"
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

    def mint_secret(self, app_name: str, version: str | None = None) -> MintedSecret:
        """Mint a new client secret for an app. Kustomer shows it once; a new mint may revoke the last.

        Tries one path form and falls back to the other on 404 (the docs disagree on the form), but never
        mints for another version than the one asked for: a 404 for a version that is not registered is
        reported as such.
        """
        path, fallback = assumptions.mint_secret_paths(app_name, version)
        try:
            body = self._mint_request(path, app_name, version).json()
        except KustomerNotFoundError as missing:
            versions = self.versions_of(app_name)
            if not versions:
                raise
            if version is not None:
                if all(v.version != version for v in versions):
                    raise KustomerNotFoundError(
                        f"Version {version} of {app_name} is not registered, so no secret can be minted "
                        f"through it (registered: {', '.join(v.version for v in versions)}).",
                        method=missing.method,
                        path=missing.path,
                        status_code=404,
                    ) from None
                path = fallback or path
            else:
                latest = max(versions, key=lambda v: SemVer.parse(v.version))
                path = assumptions.versioned_mint_path(latest.name, latest.version)
            body = self._mint_request(path, app_name, version).json()
        attributes = body["data"].get("attributes") or {}
        secret = attributes.get("clientSecret")
        client_id = attributes.get("clientId")
        if not secret or not client_id:
            raise KustomerAPIError(
                f"POST {path} answered without a clientId or clientSecret; nothing to store.",
                method="POST",
                path=path,
                status_code=200,
            )
        register_secret(secret)
        return MintedSecret(app=AvailableApp.from_resource(body["data"]), client_id=client_id, client_secret=secret)

    # -- the install-before-mint order and the dead-secret probe (kept together, self-contained) --------

    def _mint_request(self, path: str, app_name: str, version: str | None) -> httpx.Response:
        """``POST path`` of a mint; Kustomer's refusal of a mint for an app not installed becomes an install error."""
        try:
            return self._send("POST", path, json_body={})
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
            response = self._http.send(request)
        except httpx.HTTPError as exc:
            logger.warning("could not check a client secret at %s: %s", target.path, type(exc).__name__)
            return "unknown"
        error: str | None = None
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            error = body["error"]
        verdict = assumptions.secret_verdict(error) if 400 <= response.status_code < 500 else "unknown"
        if verdict == "unknown":
            logger.warning(
                "could not check a client secret: POST %s answered %d%s",
                target.path, response.status_code, f" {redact(error)}" if error else "",
            )  # fmt: skip
        return verdict


def _status_of(entry: InstalledApp | None) -> str:
    return (entry.status or "unknown") if entry is not None else "not started"


def _same_app(available: AvailableApp, app: str) -> bool:
    """Whether a registered version belongs to ``app`` (bare or namespaced name)."""
    if available.name == app:
        return True
    org_id = assumptions.org_id_from_name(app, available.name)
    return org_id is not None and re.match(assumptions.ORG_ID_PATTERN, org_id) is not None
