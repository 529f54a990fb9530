"""The loopback redirect server: receives the browser's ``?code=...&state=...`` on 127.0.0.1 only.

It answers the browser with a short HTML page naming the platform, logs nothing (the query holds the code),
and finishes at the first answer for its path that carries this login's ``state``. A request without it, or
with another (a stale tab, or any web page: an ``<img>`` pointed at the fixed loopback port is enough), gets an
error page and is ignored: the listener keeps waiting for the real answer until its timeout. An answer with
the right ``state`` ends the login: its code, ``error=access_denied``, or another error (its values shown
escaped and capped).

The port is bound with ``SO_REUSEADDR`` (POSIX), so a login can listen again right after the previous one
(whose closed connections leave the port in TIME-WAIT for a minute); two listeners still cannot share it
(Linux and the BSDs refuse a second bind while one listens; Windows gets ``SO_EXCLUSIVEADDRUSE`` instead).
"""

from __future__ import annotations

import html
import os
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Final
from urllib.parse import parse_qs, urlsplit, urlunsplit

from ..safe_text import safe_text
from .errors import OAuthCallbackError, OAuthInputError
from .pkce import same_state

__all__ = ["BIND_HOST", "LoopbackServer", "check_loopback_redirect_uri"]

#: Never a wildcard address: only this machine may deliver the code.
BIND_HOST: Final = "127.0.0.1"
_LOOPBACK_NAMES: Final = frozenset({"127.0.0.1", "localhost"})
_POLL_INTERVAL_S: Final = 0.05
_REQUEST_READ_TIMEOUT_S: Final = 10.0


def check_loopback_redirect_uri(redirect_uri: str) -> tuple[str, int, str]:
    """``(host, port, path)`` of a redirect URI the helper can serve, or an :class:`OAuthInputError`."""
    parts = urlsplit(redirect_uri)
    if parts.scheme != "http" or parts.hostname not in _LOOPBACK_NAMES:
        raise OAuthInputError(
            f"login needs a loopback redirect URI such as http://127.0.0.1:8765/callback (http, host 127.0.0.1 or "
            f"localhost) that the app registers; got {redirect_uri!r}. Add one to the app's redirectUris in the "
            "stack config, or pass it with --redirect-uri."
        )
    try:
        port = parts.port if parts.port is not None else 80
    except ValueError:
        raise OAuthInputError(f"The redirect URI's port is not a number: {redirect_uri!r}") from None
    return parts.hostname or BIND_HOST, port, parts.path or "/"


@dataclass(frozen=True)
class _Outcome:
    code: str | None
    error: OAuthCallbackError | None


_PAGE: Final = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title></head>
<body>
  <h1 id="result">{title}</h1>
  <p id="message">{message}</p>
</body>
</html>
"""


class _Handler(BaseHTTPRequestHandler):
    """One browser request; the server it belongs to is a :class:`_Server`."""

    server: _Server
    timeout = _REQUEST_READ_TIMEOUT_S  # a browser's idle speculative connection must not hold a thread forever
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the request line holds the authorization code."""

    def _page(self, status: int, title: str, message: str) -> None:
        body = _PAGE.format(title=html.escape(title), message=html.escape(message)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        owner = self.server.owner
        if parts.path != owner.path:
            self._page(404, "Not found", "This is the Kustomer OAuth helper's redirect listener.")
            return
        if owner.finished:
            self._page(409, "Already finished", "This login already received its answer. You can close this tab.")
            return
        query = {key: values[0] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        title = owner.platform_title
        if not same_state(owner.state, query.get("state")):
            # Not this login's answer: a stale tab, or any page that made the browser request this port. Ignored,
            # so that it cannot end the login; the real answer may still come.
            owner.ignore()
            self._page(
                400,
                "Not this login's answer",
                "This request does not carry the state of the login waiting here (a stale tab, or a request made "
                "by another page): it is ignored, and the login keeps waiting for its own answer.",
            )
            return
        error = query.get("error")
        if error == "access_denied":
            self._page(200, "Authorization denied", "You denied access. You can close this tab.")
            owner.finish(
                _Outcome(None, OAuthCallbackError("Authorization was denied in the browser (error=access_denied)."))
            )
            return
        if error is not None:
            error, description = safe_text(error, limit=100), safe_text(query.get("error_description", ""))
            self._page(400, "Authorization failed", f"{title} answered {error}. {description}".strip())
            owner.finish(_Outcome(None, OAuthCallbackError(f"{title} answered error={error}: {description}")))
            return
        code = query.get("code")
        if not code:
            self._page(400, "Authorization failed", "The answer has neither a code nor an error.")
            owner.finish(_Outcome(None, OAuthCallbackError("The browser came back without a code or an error.")))
            return
        self._page(200, "Authorized", f"{title} authorized the app. You can close this tab and return to the terminal.")
        owner.finish(_Outcome(code, None))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # POSIX: a port in TIME-WAIT (the previous login's closed connections) can be bound again at once, while a
    # port another socket listens on still cannot. Windows' SO_REUSEADDR would let a second listener take the
    # port, so there it stays off and SO_EXCLUSIVEADDRUSE is set (see server_bind).
    allow_reuse_address = os.name != "nt"
    owner: LoopbackServer

    def server_bind(self) -> None:
        exclusive = getattr(socket, "SO_EXCLUSIVEADDRUSE", None)
        if exclusive is not None:
            self.socket.setsockopt(socket.SOL_SOCKET, exclusive, 1)
        super().server_bind()


class LoopbackServer:
    """Listen on 127.0.0.1 at the redirect URI's port (0: a free one) until the browser brings this login's answer.

    with LoopbackServer("http://127.0.0.1:8765/callback", state) as server:
        open_browser(authorize_url_with(server.redirect_uri))
        code = server.wait(timeout=300)
    """

    def __init__(self, redirect_uri: str, state: str, *, platform_title: str = "Kustomer") -> None:
        self._host_name, self._port, self.path = check_loopback_redirect_uri(redirect_uri)
        self._requested = urlsplit(redirect_uri)
        self.state = state
        #: Who authorizes, named on the browser's pages ("Komerza authorized the app").
        self.platform_title = platform_title
        #: Requests to the redirect path without this login's state, ignored so far.
        self.ignored = 0
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._outcome: _Outcome | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._bound: tuple[str, int] | None = None

    @property
    def finished(self) -> bool:
        """Whether an answer arrived."""
        return self._done.is_set()

    def ignore(self) -> None:
        """Count a request that did not carry this login's state."""
        with self._lock:
            self.ignored += 1

    def finish(self, outcome: _Outcome) -> None:
        """Keep the first answer only."""
        with self._lock:
            if self._outcome is None:
                self._outcome = outcome
                self._done.set()

    def start(self) -> LoopbackServer:
        """Bind and serve in a background thread."""
        try:
            server = _Server((BIND_HOST, self._port), _Handler, bind_and_activate=False)
            server.server_bind()
            server.server_activate()
        except OSError as exc:
            raise OAuthInputError(
                f"Cannot listen on {BIND_HOST}:{self._port} for the redirect URI ({exc.strerror or exc}): is another "
                "login running? Free the port, or use another registered loopback redirect URI (--redirect-uri)."
            ) from None
        server.owner = self
        self._server = server
        host, port = server.server_address[:2]
        self._bound = (str(host), int(port))
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": _POLL_INTERVAL_S}, daemon=True
        )
        self._thread.start()
        return self

    @property
    def address(self) -> tuple[str, int]:
        """The bound ``(host, port)``."""
        if self._bound is None:
            raise RuntimeError("not started")
        return self._bound

    @property
    def redirect_uri(self) -> str:
        """The redirect URI to send to authorize: the given one, with the bound port if it asked for 0."""
        port = self.address[1]
        parts = self._requested
        if parts.port == 0:
            netloc = f"{self._host_name}:{port}"
            return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
        return urlunsplit(parts)

    def wait(self, timeout: float) -> str:
        """The authorization code; :class:`OAuthCallbackError` on denial, wrong state or no answer in time."""
        if not self._done.wait(timeout):
            ignored = (
                f" {self.ignored} request{'s' if self.ignored != 1 else ''} without this login's state "
                f"{'were' if self.ignored != 1 else 'was'} ignored (a stale tab, or another page)."
                if self.ignored
                else ""
            )
            raise OAuthCallbackError(
                f"No answer from the browser within {timeout:g} s.{ignored} Open the printed URL, approve, and make "
                f"sure the browser can reach {self.redirect_uri} (same machine); or raise --timeout."
            )
        outcome = self._outcome
        assert outcome is not None  # set before the event
        if outcome.error is not None:
            raise outcome.error
        assert outcome.code is not None
        return outcome.code

    def close(self) -> None:
        """Stop serving and release the port."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
