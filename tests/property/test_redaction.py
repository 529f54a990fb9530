"""Property: a secret planted in an answer never reaches an exception (message, repr, attributes, chained
causes) or a log record of the root, ``httpx``, ``httpcore`` or ``kustomer_provider`` loggers.

Two kinds of planted secret, as the provider meets them:

- **known**: a value the process has seen (its API key, or a secret the client minted a moment before),
  planted anywhere: free text, any JSON key or nesting, a query string, a header, a ``Location``, a next link;
- **unknown**: a value never seen, planted under a key that looks secret, in any spelling (``secret``,
  ``ClientSecret``, ``client-secret``, ``X_API_KEY``, ``access.token``...): in a JSON body at any nesting, a
  JSON text inside a message, a query string or form body, a ``key: value`` header line.

An unknown value in free text, with nothing saying it is secret, cannot be told from prose: not claimed.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from kustomer_provider.client import KustomerClient, RetryPolicy
from kustomer_provider.errors import KustomerError

ORG = "5f0c5f0c5f0c5f0c5f0c5f0c"
NAME = f"my_app_{ORG}"
BASE_URL = "https://acme.api.kustomerapp.com"
TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-"

secrets_ = st.text(alphabet=TOKEN_CHARS, min_size=12, max_size=40).map(lambda s: f"plant{s}")

WORDS = (
    "secret",
    "token",
    "password",
    "key",
    "apiKey",
    "api_key",
    "clientSecret",
    "client_secret",
    "accessToken",
    "refresh_token",
    "authorization",
    "code_verifier",
    "credential",
)


@st.composite
def secret_keys(draw: st.DrawFn) -> str:
    """A key that looks secret, in any case and with any separator."""
    prefix = draw(st.sampled_from(["", "client", "x", "x-api", "access", "app", "new"]))
    separator = draw(st.sampled_from(["", "_", "-", "."]))
    word = draw(st.sampled_from(WORDS))
    key = f"{prefix}{separator}{word}" if prefix else word
    case = draw(st.sampled_from(["as is", "lower", "upper", "title", "swap"]))
    return {
        "as is": key,
        "lower": key.lower(),
        "upper": key.upper(),
        "title": key.title(),
        "swap": key.swapcase(),
    }[case]


plain_keys = st.sampled_from(["meta", "detail", "data", "info", "items", "cause", "context"])
prose = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40)


@st.composite
def nested(draw: st.DrawFn, leaf: Any) -> Any:
    """``leaf`` at a random depth of objects and lists, beside some noise."""
    value = leaf
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            value = [draw(prose), value][:: draw(st.sampled_from([1, -1]))]
        else:
            value = {draw(plain_keys): value, "note": draw(prose)}
    return value


@st.composite
def unknown_plantings(draw: st.DrawFn, secret: str) -> tuple[str, Any]:
    """Where an unknown secret goes: ``("json", value)`` for a JSON slot, or ``("text", str)`` for a text slot."""
    key = draw(secret_keys())
    place = draw(st.sampled_from(["json", "json-text", "repr-text", "query", "form", "header-line"]))
    if place == "json":
        return "json", draw(nested({key: secret}))
    text = {
        "json-text": json.dumps(draw(nested({key: secret}))),
        "repr-text": repr(draw(nested({key: secret}))),
        "query": f"see https://cb.example/back?state=1&{key}={secret}&x=y",
        "form": f"grant_type=refresh_token&{key}={secret}",
        "header-line": f"{key}: {secret}",
    }[place]
    return "text", f"{draw(prose)} {text} {draw(prose)}"


@st.composite
def known_plantings(draw: st.DrawFn, secret: str) -> tuple[str, Any]:
    """Where a known secret goes: anywhere, free text included."""
    if draw(st.booleans()):
        return "json", draw(nested({draw(plain_keys | secret_keys()): secret}))
    before, after = draw(prose), draw(prose)
    return "text", draw(st.sampled_from([f"{before}{secret}{after}", f"{before} {secret} {after}", f"?q={secret}"]))


@st.composite
def answers(draw: st.DrawFn, secret: str, known: bool) -> tuple[int, dict[str, str], bytes]:
    """An answer carrying ``secret`` in one of its slots."""
    slot, planted = draw(known_plantings(secret) if known else unknown_plantings(secret))
    status = draw(st.sampled_from([400, 401, 403, 404, 409, 422, 429, 500, 503, 302, 405, 200]))
    headers = {"Content-Type": "application/json"}
    as_text = planted if slot == "text" else json.dumps(planted)
    shape = draw(st.sampled_from(["jsonapi", "first", "oauth", "bare", "html", "location", "next"]))
    if shape == "jsonapi":
        entry = {"status": str(status), "code": "invalid", "title": "Bad", "detail": planted}
        if draw(st.booleans()):
            entry = {"status": str(status), "code": "invalid", "detail": draw(prose), "meta": planted}
        body: Any = {"errors": [entry]}
    elif shape == "first":
        body = {"errors": [{"code": "conflict", "message": planted, "meta": {}}]}
    elif shape == "oauth":
        body = {"error": "invalid_client", "error_description": planted}
    elif shape == "bare":
        body = planted
    elif shape == "html":
        headers["Content-Type"] = "text/html"
        return status, headers, f"<html><body><pre>{as_text}</pre></body></html>".encode()
    elif shape == "location":
        query = as_text if slot == "text" and "=" in as_text else f"state={secret}"
        if not known:
            query = f"{draw(secret_keys())}={secret}"
        headers["Location"] = f"https://login.example/sso?{query}"
        return draw(st.sampled_from([301, 302, 303, 307, 308])), headers, b""
    else:  # a next link carrying the secret in its query, on a page
        key = draw(secret_keys()) if not known else draw(plain_keys | secret_keys())
        host = draw(st.sampled_from(["", "https://evil.example"]))
        return (
            200,
            headers,
            json.dumps({"data": [], "links": {"next": f"{host}/v1/apps/available?{key}={secret}"}}).encode(),
        )
    return status, headers, json.dumps(body).encode()


def minted(secret: str) -> httpx.Response:
    attributes = {"name": NAME, "version": "1.0.0", "clientId": "cid-1", "clientSecret": secret}
    return httpx.Response(
        200, json={"data": {"type": "available_app", "id": f"{NAME}-1.0.0", "attributes": attributes}}
    )


CALLS: dict[str, Callable[[KustomerClient], Any]] = {
    "register_version": lambda c: c.register_version({"app": "my_app", "version": "1.0.0", "title": "t"}),
    "list_available": lambda c: c.list_available(),
    "install": lambda c: c.install(NAME, "1.0.0"),
    "mint_secret": lambda c: c.mint_secret(NAME, "1.0.0"),
}


class Capture(logging.Handler):
    """Every record, formatted as a handler would show it (traceback text included)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))


@contextmanager
def captured_logs() -> Iterator[Capture]:
    capture = Capture()
    loggers = [logging.getLogger(name) for name in ("", "httpx", "httpcore", "kustomer_provider")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(capture)
        logger.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(capture)
            logger.setLevel(level)


def exception_texts(error: BaseException) -> list[str]:
    """Message, repr and attributes of an exception and of every exception chained to it."""
    texts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    pending = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        texts += [str(current), repr(current), repr(vars(current))]
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
    return texts


@given(
    secret=secrets_,
    who=st.sampled_from(["unknown", "api key", "minted"]),
    call=st.sampled_from(sorted(CALLS)),
    data=st.data(),
)
def test_a_planted_secret_never_reaches_an_exception_or_a_log(secret: str, who: str, call: str, data: Any) -> None:
    status, headers, body = data.draw(answers(secret, known=who != "unknown"))
    script = [minted(secret)] if who == "minted" else []
    script.append(httpx.Response(status, headers=headers, content=body))
    turns = itertools.cycle(script)
    api_key = secret if who == "api key" else "property-api-key-0123456789"
    with captured_logs() as logs:
        with KustomerClient(
            base_url=BASE_URL,
            api_key=api_key,
            transport=httpx.MockTransport(lambda request: next(turns)),
            retry=RetryPolicy(max_attempts=2, base_delay=0.0, max_delay=0.0, total_budget=1e6),
            sleep=lambda seconds: None,
            seed=0,
        ) as client:
            if who == "minted":
                assert client.mint_secret(NAME).client_secret.get_secret_value() == secret
            texts: list[str] = []
            try:
                result = CALLS[call](client)
            except KustomerError as error:
                texts = exception_texts(error)
            else:
                texts = [repr(result)]
    for text in texts + logs.texts:
        assert secret not in text, text
