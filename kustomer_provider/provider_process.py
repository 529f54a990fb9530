"""What the provider process shares between resources and threads: settings, one client, per-app locks.

The Pulumi host (``python -m pulumi.dynamic``) unpickles each resource's provider object and calls its
``configure`` with the stack config. Nothing secret may live on those objects (they are pickled into the
state), so ``configure`` hands the config to this module, which keeps it for the life of the process,
resolves the connection on first use, and builds a single :class:`KustomerClient` shared by the host's
worker threads (one connection pool, one set of rate-limit counters).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pulumi

from .answers import AvailableApp
from .connection import CONFIG_KEYS, Connection, oauth_endpoints, resolve_connection
from .errors import KustomerConfigError, KustomerError
from .input_validation import InputFailure
from .safe_text import safe_message
from .versions import at_least

if TYPE_CHECKING:  # the client (and httpx) load in the provider process only, on first use: see _default_client
    from .client import KustomerClient

__all__ = [
    "READ_MAX_AGE_SECONDS",
    "SOME_VERSION",
    "app_lock",
    "client",
    "configure",
    "connection",
    "connection_failures",
    "installed_version",
    "note_installed",
    "registered_before",
    "reset",
    "token_url",
]

#: A refresh reads every resource at once: they share one listing of the org if it is this fresh.
READ_MAX_AGE_SECONDS = 5.0

_lock = threading.Lock()
_config: dict[str, Any] = {}
#: Whether the host called ``configure``: only then is the stack config known (not in a unit test's direct call).
_configured = False
#: Whether a Check of this process has explained in full why the connection is unusable (once per operation).
_connection_explained = False
_connection: Connection | None = None
_client: KustomerClient | None = None
_app_locks: dict[str, threading.Lock] = {}
_client_factory: Callable[[Connection], KustomerClient] | None = None
#: ``installed_version``'s answer for an app known to be installed, at a version not known.
SOME_VERSION = "?"
#: App name -> a version seen installed in this process. Kustomer has no uninstall and only upgrades, so an
#: app seen installed stays installed: the secrets of an ``up`` check the install state once, not each.
_installed: dict[str, str] = {}
#: The org's registered versions as first listed by this process (``None``: not listed yet, or the listing failed).
_registered_before: list[AvailableApp] | None = None
_registered_before_taken = False
_registered_before_lock = threading.Lock()


class _PulumiLogHandler(logging.Handler):
    """Forward the client's log records (retries, adoptions) to the Pulumi CLI, made safe (redacted, escaped,
    capped: :func:`~kustomer_provider.safe_text.safe_message`)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a malformed record (arguments that do not fit its format): show what it has
            text = f"{record.msg} {record.args}"
        message = safe_message(text)
        if record.levelno >= logging.WARNING:
            pulumi.log.warn(message)
        else:
            pulumi.log.info(message)


def _install_log_handler() -> None:
    package_logger = logging.getLogger("kustomer_provider")
    if not any(isinstance(h, _PulumiLogHandler) for h in package_logger.handlers):
        package_logger.addHandler(_PulumiLogHandler())
        package_logger.setLevel(logging.INFO)
        package_logger.propagate = False


def configure(config: Any) -> None:
    """Keep this process's stack config (a ``pulumi.dynamic.Config`` or a mapping) for later resolution."""
    global _connection, _configured, _connection_explained
    values = {key: (config.get(key)) for key in CONFIG_KEYS}
    with _lock:
        if values != _config or not _configured:
            _config.clear()
            _config.update(values)
            _connection = None
            _connection_explained = False
        _configured = True
    _install_log_handler()


def _resolved() -> Connection:
    """The connection, resolved once (the caller holds ``_lock``); raises ``KustomerConfigError``."""
    global _connection
    if _connection is None:
        _connection = resolve_connection(_config)
    return _connection


def connection() -> Connection:
    """The resolved connection; raises ``KustomerConfigError`` naming what to set."""
    with _lock:
        return _resolved()


def connection_failures() -> list[InputFailure]:
    """What the providers' Check reports when this process's stack config and environment give no usable
    connection: no API key, no org name or base URL, an org name that is not a Kustomer subdomain, a bad
    base URL or install timeout. Each message names the config key and the environment variable to set.

    So ``pulumi preview`` fails before anyone approves a change that ``up`` could not make. Resolving
    sends no request and builds no client. Before the host has called ``configure`` (a test calling a
    provider's ``check`` directly) nothing is known of the stack's config, and nothing is reported; the
    property ``""`` makes the engine show the message as the resource's problem, not an input's.

    One provider process serves one ``preview`` or ``up``: the first Check to find the problem (whichever of
    the host's worker threads) explains it in full; every later one refers to it in a short line naming the key.
    """
    global _connection_explained
    with _lock:
        if not _configured:
            return []
        try:
            _resolved()
        except KustomerConfigError as problem:
            if _connection_explained:
                return [InputFailure("", _see_above(problem))]
            _connection_explained = True
            return [InputFailure("", str(problem))]
    return []


def _see_above(problem: KustomerConfigError) -> str:
    """The short line for a problem already explained in full in this process."""
    named = f" ({problem.key})" if problem.key else ""
    return f"Kustomer connection not usable: see the first error of this run{named}"


def client() -> KustomerClient:
    """The process's shared client, built on first use."""
    global _client
    settings = connection()
    with _lock:
        if _client is None:
            factory = _client_factory or _default_client
            _client = factory(settings)
        return _client


def token_url() -> str:
    """The org's OAuth token endpoint, resolved as the program's ``tokenUrl`` output is."""
    settings = connection()
    return oauth_endpoints(settings.org_name, settings.base_url).token_url


def note_installed(app_name: str, version: str | None) -> None:
    """Remember that ``app_name`` has ``version`` installed (``None``: nothing to remember; the newest is kept)."""
    if not version:
        return
    with _lock:
        known = _installed.get(app_name)
        if known is None or _newer(version, known):
            _installed[app_name] = version


def _newer(version: str, than: str) -> bool:
    if SOME_VERSION in (version, than):
        return than == SOME_VERSION
    return not at_least(than, version)


def installed_version(app_name: str) -> str | None:
    """The newest version of ``app_name`` seen installed by this process (or :data:`SOME_VERSION`), if any.

    No request: what ``note_installed`` was told.
    """
    with _lock:
        return _installed.get(app_name)


def registered_before(client: KustomerClient) -> list[AvailableApp] | None:
    """Every version registered in the org before this process registered any: one listing per process.

    A create or update looks here for a version of its own (registered by a run interrupted before the state
    was saved) before it registers, and for the app's newest version (which says which resource manages the app
    now). That only needs what was registered before this ``pulumi up`` began, so the first caller lists once
    and every other create reuses it, whatever the process registers meanwhile. ``None`` when the listing
    failed: the register then decides alone (its 409 leads to the same checks), so a key that may not list
    fails with the register's own error.
    """
    global _registered_before, _registered_before_taken
    with _registered_before_lock:
        if not _registered_before_taken:
            _registered_before_taken = True
            try:
                _registered_before = client.list_available()
            except KustomerError:
                _registered_before = None
        return _registered_before


def _default_client(settings: Connection) -> KustomerClient:
    # Imported here: a Pulumi program imports the resource modules (and so this one) but never builds a
    # client, so it need not load httpx.
    from .client import KustomerClient

    return KustomerClient(base_url=settings.base_url, api_key=settings.api_key.get_secret_value())


_ORG_SUFFIX = re.compile(r"_[0-9a-f]{24}$")


def app_lock(app: str) -> threading.Lock:
    """A lock per app, so that two operations on one app (its version and its secret) never interleave.

    ``myapp`` and its namespaced name ``myapp_<orgId>`` share one lock.
    """
    key = _ORG_SUFFIX.sub("", app)
    with _lock:
        return _app_locks.setdefault(key, threading.Lock())


def reset(client_factory: Callable[[Connection], KustomerClient] | None = None) -> None:
    """Forget settings and the client (tests), optionally choosing how the next client is built."""
    global _connection, _client, _client_factory, _configured, _connection_explained
    with _lock:
        if _client is not None:
            _client.close()
        _configured = False
        _connection_explained = False
        _config.clear()
        _connection = None
        _client = None
        _client_factory = client_factory
        _app_locks.clear()
        _installed.clear()
    _forget_registered_before()


def _forget_registered_before() -> None:
    global _registered_before, _registered_before_taken
    with _registered_before_lock:
        _registered_before, _registered_before_taken = None, False
