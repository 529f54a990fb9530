"""Choosing between the loopback listener and a pasted answer, and reading the pasted answer (``oauth/paste.py``)."""

from __future__ import annotations

import io
import os
import threading

import pytest

from kustomer_provider.oauth.errors import OAuthCallbackError, OAuthHelperError, OAuthInputError
from kustomer_provider.oauth.paste import RedirectTarget, choose_redirect, code_from_answer, read_pasted_answer

LOOPBACK = "http://127.0.0.1:8765/callback"
HTTPS = "https://app.example.com/cb"
STATE = "st" * 22


def choose(
    uris: list[str], *, given: bool = False, paste: bool = False, port: int | None = None, https_only: bool = False
) -> RedirectTarget:
    return choose_redirect(uris, given=given, paste=paste, port=port, https_only=https_only, title="apaleo")


def test_the_listener_where_it_can_serve_the_uri_else_the_paste() -> None:
    assert choose([HTTPS, LOOPBACK]) == RedirectTarget(LOOPBACK, True)  # a registered loopback URI is preferred
    assert choose([HTTPS]) == RedirectTarget(HTTPS, False)
    assert choose([HTTPS], given=True) == RedirectTarget(HTTPS, False)
    assert choose(["http://[::1]:9/cb"], given=True) == RedirectTarget("http://[::1]:9/cb", False)  # not served
    assert choose(["customprotocolapp://whatever"]) == RedirectTarget("customprotocolapp://whatever", False)
    assert choose([LOOPBACK], paste=True) == RedirectTarget(LOOPBACK, False)  # --paste
    assert choose([LOOPBACK], port=0) == RedirectTarget("http://127.0.0.1:0/callback", True)


def test_https_only_never_gets_an_http_uri_and_port_needs_a_listener() -> None:
    assert choose([LOOPBACK, HTTPS], https_only=True) == RedirectTarget(HTTPS, False)
    with pytest.raises(OAuthInputError, match=r"apaleo takes https redirect URIs only.*got http://127\.0\.0\.1:8765"):
        choose([LOOPBACK], given=True, https_only=True)
    with pytest.raises(OAuthInputError, match="got none"):
        choose([], https_only=True)
    with pytest.raises(OAuthInputError, match="--port is for the loopback listener"):
        choose([HTTPS], port=8000)
    with pytest.raises(OAuthInputError, match="registers no redirect URI"):
        choose([])


@pytest.mark.parametrize(
    "text",
    [
        f"{HTTPS}?code=abc&state={STATE}",
        f"?code=abc&state={STATE}",
        f"code=abc&state={STATE}",
        f"  {HTTPS}?state={STATE}&code=abc \n",
    ],
)
def test_an_address_or_its_query_gives_the_code(text: str) -> None:
    assert code_from_answer(text, state=STATE, redirect_uri=HTTPS, title="apaleo") == "abc"


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", OAuthInputError, "Nothing was pasted"),
        ("abc", OAuthInputError, "not the code alone"),
        (f"{HTTPS}?code=abc", OAuthCallbackError, "has no state"),
        (f"{HTTPS}?code=abc&state=other", OAuthCallbackError, "does not match this login"),
        (f"{HTTPS}?code=abc&state={STATE}&state={STATE}", OAuthCallbackError, "more than once"),
        (f"{HTTPS}?state={STATE}", OAuthCallbackError, "no code"),
        (f"{HTTPS}?error=access_denied&state={STATE}", OAuthCallbackError, "denied in the browser"),
        (
            f"{HTTPS}?error=invalid_scope&error_description=no&state={STATE}",
            OAuthCallbackError,
            "error=invalid_scope: no",
        ),
        (f"https://evil.example/cb?code=abc&state={STATE}", OAuthInputError, "is not the redirect URI"),
        (f"{HTTPS}:99999?code=abc&state={STATE}", OAuthInputError, "is not the redirect URI"),
        (f"{HTTPS}#code=abc&state={STATE}", OAuthCallbackError, "fragment"),
        (f"?code=a%ffb&state={STATE}", OAuthInputError, "cannot be read"),
        (f"?code=a%01b&state={STATE}", OAuthCallbackError, "control characters"),
        ("code=a\x1b[2Jb&state=x", OAuthInputError, "control or invisible characters"),
        ("x" * 20000, OAuthInputError, "longer than"),
    ],
)
def test_what_is_not_this_logins_answer_is_refused_with_what_to_do(
    text: str, error: type[OAuthHelperError], message: str
) -> None:
    with pytest.raises(error, match=message) as raised:
        code_from_answer(text, state=STATE, redirect_uri=HTTPS, title="apaleo")
    assert "abc" not in str(raised.value)  # the pasted code is never repeated


def test_reading_stdin_skips_blank_lines_and_says_when_nothing_comes() -> None:
    assert read_pasted_answer(io.StringIO("\n  \nthe address\n"), timeout=5) == "the address\n"
    with pytest.raises(OAuthInputError, match="stdin ended"):
        read_pasted_answer(io.StringIO(""), timeout=5)
    with pytest.raises(OAuthInputError, match="has none"):
        read_pasted_answer(None, timeout=5)
    with pytest.raises(OAuthInputError, match="could not be read as text"):
        read_pasted_answer(io.TextIOWrapper(io.BytesIO(b"\xff\xfe\xfa\n"), encoding="utf-8"), timeout=5)


def test_nothing_pasted_in_time_is_an_error() -> None:
    read_end, write_end = os.pipe()
    stream = open(read_end, encoding="utf-8")  # closed below, once the reader thread is released
    try:
        with pytest.raises(OAuthCallbackError, match=r"Nothing was pasted within 0\.2 s"):
            read_pasted_answer(stream, timeout=0.2)
    finally:
        os.write(write_end, b"late\n")  # releases the reader thread, which holds the stream's lock
        os.close(write_end)
    for thread in threading.enumerate():
        if thread.name == "paste-reader":
            thread.join(10)
    stream.close()
