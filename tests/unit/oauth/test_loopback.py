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
        ("code=c&state=forged", 400, "does not match this login"),
        ("code=c", 400, "does not match this login"),
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
