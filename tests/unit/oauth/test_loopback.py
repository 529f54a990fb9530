"""The loopback server: 127.0.0.1 only, the state checked, the code handed over once, errors reported."""

from __future__ import annotations

import socket

import httpx
import pytest

from kustomer_provider.oauth.errors import OAuthCallbackError, OAuthInputError
from kustomer_provider.oauth.loopback import LoopbackServer


def test_loopback_binds_127_0_0_1_only_and_hands_over_the_code() -> None:
    with LoopbackServer("http://127.0.0.1:0/callback", "the-state") as server:
        host, port = server.address
        assert host == "127.0.0.1" and port > 0
        assert server.redirect_uri == f"http://127.0.0.1:{port}/callback"
        other = httpx.get(f"http://127.0.0.1:{port}/favicon.ico", timeout=5)
        assert other.status_code == 404 and not server.finished
        page = httpx.get(f"{server.redirect_uri}?code=the-code&state=the-state", timeout=5)
        assert page.status_code == 200 and "Authorized" in page.text
        assert page.headers["cache-control"] == "no-store"
        assert server.wait(1) == "the-code"
        again = httpx.get(f"{server.redirect_uri}?code=other&state=the-state", timeout=5)
        assert again.status_code == 409  # the first answer counts
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass  # closed: the port is released


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("error=access_denied&state=s", 200, r"denied in the browser \(error=access_denied\)"),
        ("error=server_error&error_description=boom&state=s", 400, "error=server_error: boom"),
        ("state=s", 400, "without a code"),
    ],
)
def test_loopback_refuses_wrong_state_and_reports_errors(query: str, status: int, message: str) -> None:
    with LoopbackServer("http://localhost:0/cb", "s") as server:
        page = httpx.get(f"http://127.0.0.1:{server.address[1]}/cb?{query}", timeout=5)
        assert page.status_code == status and "<!doctype html>" in page.text
        with pytest.raises(OAuthCallbackError, match=message):
            server.wait(1)


def test_loopback_rejects_what_it_cannot_serve() -> None:
    for uri in ("https://127.0.0.1:8765/cb", "http://example.com:8765/cb", "http://[::1]:8765/cb"):
        with pytest.raises(OAuthInputError, match="loopback redirect URI"):
            LoopbackServer(uri, "s")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(OAuthInputError, match=rf"Cannot listen on 127\.0\.0\.1:{port}"):
            LoopbackServer(f"http://127.0.0.1:{port}/cb", "s").start()
    with LoopbackServer("http://127.0.0.1:0/cb", "s") as server, pytest.raises(OAuthCallbackError, match=r"0\.1 s"):
        server.wait(0.1)


@pytest.mark.parametrize("forged", ["code=forged", "code=forged&state=another", "state=&code=x", "error=access_denied"])
def test_a_request_without_this_logins_state_is_refused_and_the_login_keeps_waiting(forged: str) -> None:
    """Any page can make the browser request the loopback port (an ``<img>`` is enough): such a request gets an
    error page and is ignored; the real answer that follows still ends the login."""
    with LoopbackServer("http://127.0.0.1:0/cb", "the-state") as server:
        page = httpx.get(f"{server.redirect_uri}?{forged}", timeout=5)
        assert page.status_code == 400 and "ignored" in page.text and "keeps waiting" in page.text
        assert not server.finished and server.ignored == 1
        real = httpx.get(f"{server.redirect_uri}?code=the-code&state=the-state", timeout=5)
        assert real.status_code == 200
        assert server.wait(1) == "the-code"


def test_a_timeout_says_how_many_requests_were_ignored() -> None:
    with LoopbackServer("http://127.0.0.1:0/cb", "s") as server:
        for _ in range(2):
            httpx.get(f"{server.redirect_uri}?code=x&state=wrong", timeout=5)
        with pytest.raises(OAuthCallbackError, match="2 requests without this login's state were ignored"):
            server.wait(0.2)


def test_the_pages_name_the_platform_that_authorizes() -> None:
    with LoopbackServer("http://127.0.0.1:0/cb", "s", platform_title="Komerza") as server:
        page = httpx.get(f"{server.redirect_uri}?code=c&state=s", timeout=5)
        assert "Komerza authorized the app" in page.text and "Kustomer" not in page.text
    with LoopbackServer("http://127.0.0.1:0/cb", "s", platform_title="apaleo") as server:
        page = httpx.get(f"{server.redirect_uri}?error=server_error&error_description=%1B%5B2Jboom&state=s", timeout=5)
        assert "apaleo answered server_error" in page.text
        with pytest.raises(OAuthCallbackError) as failure:
            server.wait(1)
        assert str(failure.value) == "apaleo answered error=server_error: \\x1b[2Jboom"  # escaped, not acted on


def test_a_login_listens_again_right_after_the_previous_one_on_the_same_port() -> None:
    """The previous login's closed connections leave its port in TIME-WAIT for a minute; the next login binds it
    all the same (SO_REUSEADDR), while two listeners at once still cannot share it."""
    with LoopbackServer("http://127.0.0.1:0/cb", "first") as server:
        port = server.address[1]
        assert httpx.get(f"{server.redirect_uri}?code=c1&state=first", timeout=5).status_code == 200
        assert server.wait(1) == "c1"
    # The listener closed the connection first: that side of it is in TIME-WAIT on this port now.
    with LoopbackServer(f"http://127.0.0.1:{port}/cb", "second") as again:
        assert again.address[1] == port
        assert httpx.get(f"{again.redirect_uri}?code=c2&state=second", timeout=5).status_code == 200
        assert again.wait(1) == "c2"
        with pytest.raises(OAuthInputError, match=rf"Cannot listen on 127\.0\.0\.1:{port}.*another login running"):
            LoopbackServer(f"http://127.0.0.1:{port}/cb", "third").start()
