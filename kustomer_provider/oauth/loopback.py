"""The loopback redirect server: receives the browser's ``?code=...&state=...`` on 127.0.0.1 only.

It answers the browser with a short HTML page, checks ``state``, turns ``error=access_denied`` into a
clear failure, logs nothing (the query holds the code), and finishes at the first answer for its path.
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Final
from urllib.parse import parse_qs, urlsplit, urlunsplit

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
        if not same_state(owner.state, query.get("state")):
            self._page(400, "Authorization failed", "The state does not match this login. Start the login again.")
            owner.finish(
                _Outcome(
                    None,
                    OAuthCallbackError(
                        "The browser came back with a state that does not match this login (a stale tab, or a "
                        "forged request): refused. Run login again."
                    ),
                )
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
            description = query.get("error_description", "")
            self._page(400, "Authorization failed", f"Kustomer answered {error}. {description}".strip())
            owner.finish(_Outcome(None, OAuthCallbackError(f"Kustomer answered error={error}: {description}")))
            return
        code = query.get("code")
        if not code:
            self._page(400, "Authorization failed", "The answer has neither a code nor an error.")
            owner.finish(_Outcome(None, OAuthCallbackError("The browser came back without a code or an error.")))
            return
        self._page(200, "Authorized", "Kustomer authorized the app. You can close this tab and return to the terminal.")
        owner.finish(_Outcome(code, None))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: LoopbackServer


class LoopbackServer:
    """Listen on 127.0.0.1 at the redirect URI's port (0: a free one) until the browser answers.

    with LoopbackServer("http://127.0.0.1:8765/callback", state) as server:
        open_browser(authorize_url_with(server.redirect_uri))
        code = server.wait(timeout=300)
    """

    def __init__(self, redirect_uri: str, state: str) -> None:
        self._host_name, self._port, self.path = check_loopback_redirect_uri(redirect_uri)
        self._requested = urlsplit(redirect_uri)
        self.state = state
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
            server.allow_reuse_address = False  # two helpers must not share a port
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
            raise OAuthCallbackError(
                f"No answer from the browser within {timeout:g} s. Open the printed URL, approve, and make sure the "
                f"browser can reach {self.redirect_uri} (same machine); or raise --timeout."
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
