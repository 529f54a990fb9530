"""Generated inputs of ``RegisteredOAuthClient``: Check passes or fails naming the field, sends nothing, never shows
the secret, and the stack config's ``kustomer:registeredClients`` gives the same verdict on the same values."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic.alias_generators import to_camel

from kustomer_provider.errors import KustomerConfigError
from kustomer_provider.platforms import PLATFORM_NAMES
from kustomer_provider.registered_client import RegisteredClientProvider
from kustomer_provider.stack_config import load_registered_clients

#: Every generated secret holds this, so that a leak into a message is seen whatever else it holds.
MARK = "zq9sec"
SECRET_KEY = "kustomer:theSecret"
INPUTS = (
    "platform",
    "client_id",
    "client_secret",
    "redirect_uris",
    "scopes",
    "site",
    "origin",
    "client_code",
    "secret_created_on",
    "rotate_after_days",
    "rotation_due_fails",
    "endpoint_base_url",
)

visible = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=0, max_size=20)
anything = st.text(max_size=12)
secrets = st.one_of(
    st.builds(lambda a, b: f"{a}{MARK}{b}", visible, visible),
    st.builds(lambda a: f"{MARK}{a}".ljust(72, "x")[:72], visible),  # Komerza's 72 characters
    st.builds(lambda a, b: f"{a} {MARK}\n{b}", anything, anything),
)
uris = st.sampled_from(
    [
        "https://example.com/oauth/callback",
        "https://example.com/oauth/callback/",
        "http://127.0.0.1:8765/callback",
        "http://localhost/cb",
        "http://[::1]:9000/cb",
        "http://example.com/cb",
        "customprotocolapp://whatever",
        "chrome-extension://abcdefghijklmnop/cb",
        "com.example.app:/oauth2redirect",
        "javascript:alert(1)",
        "https://exa mple.com/cb",
        "https://example.com/cb#top",
        "https://user:pw@example.com/cb",
        "ftp:",
        "",
    ]
)
optional = st.none
fields: dict[str, st.SearchStrategy[Any]] = {
    "platform": st.one_of(
        st.sampled_from(PLATFORM_NAMES), st.sampled_from(["kustomer", "Teamwork", ""]), st.integers()
    ),
    "client_id": st.one_of(st.sampled_from(["sim-dev-client", "714e6facf170413489dfab7a07c9"]), anything),
    "client_secret": st.one_of(secrets, optional()),
    "redirect_uris": st.one_of(st.lists(st.one_of(uris, anything), max_size=12), optional(), st.just("https://x.y/")),
    "scopes": st.one_of(
        st.lists(st.sampled_from(["openid", "offline_access", "account.read", "stores.read", "a b", 'q"', ""])),
        optional(),
    ),
    "site": st.one_of(optional(), st.sampled_from(["acme", "Acme", "acme.teamwork.com", "a-b", "-x"])),
    "origin": st.one_of(
        optional(), st.sampled_from(["https://app.example.com", "https://app.example.com/x", "http://a.b"])
    ),
    "client_code": st.one_of(optional(), st.sampled_from(["SIMDEV", "my app", "X" * 70, "A.b-c_1"])),
    "client_kind": st.one_of(optional(), st.sampled_from(["connect", "simple", "Simple", "", 3])),
    "secret_created_on": st.one_of(
        optional(), st.sampled_from(["2026-01-15", "2025-02-29", "2026-13-01", "26-1-1", "2999-01-01", "2026-01-15\n"])
    ),
    "rotate_after_days": st.one_of(optional(), st.sampled_from([1, 3650, 36500, 0, "90", 90.0, 90.5, True])),
    "rotation_due_fails": st.one_of(optional(), st.sampled_from([False, "false", "yes", 1])),
    "endpoint_base_url": st.one_of(
        optional(),
        st.sampled_from(["http://127.0.0.1:8787", "https://sim.example.com/", "http://sim.example.com", "https://h/p"]),
    ),
}
extras = st.one_of(
    st.just({}), st.just({}), st.just({}), st.dictionaries(st.sampled_from(["bogus", "colour"]), st.just("x"))
)


#: A valid client of each platform, which the examples start from before some fields are redrawn.
VALID: dict[str, dict[str, Any]] = {
    "teamwork": {
        "platform": "teamwork",
        "client_id": "714e6facf170413489dfab7a07c943f8ecf4622a",
        "redirect_uris": ["https://example.com/oauth/callback", "customprotocolapp://whatever"],
        "site": "acme",
    },
    "komerza": {
        "platform": "komerza",
        "client_id": "sim-dev-komerza-client",
        "redirect_uris": ["http://127.0.0.1:8765/callback"],
        "scopes": ["stores.read"],
    },
    "apaleo": {
        "platform": "apaleo",
        "client_id": "SIMDEV-SP",
        "client_code": "SIMDEV",
        "redirect_uris": ["https://example.com/oauth/callback"],
        "scopes": ["openid", "offline_access"],
        "secret_created_on": "2026-01-15",
        "rotate_after_days": 3650,
    },
}


@st.composite
def inputs(draw: st.DrawFn) -> dict[str, Any]:
    """A property bag as the engine would pass to Check: a valid client of a platform, some of its fields
    redrawn from anything (valid or not), removed or ``None``, sometimes with a key that is no input."""
    platform = draw(st.sampled_from(PLATFORM_NAMES))
    news = dict(VALID[platform])
    length = 72 if platform == "komerza" else draw(st.integers(8, 60))
    news["client_secret"] = draw(visible.map(lambda a: f"{MARK}{a}".ljust(length, "x")[:length]))
    for name in draw(st.lists(st.sampled_from(sorted(fields)), max_size=3, unique=True)):
        value = draw(fields[name])
        if value is None and draw(st.booleans()):
            news.pop(name, None)
        else:
            news[name] = value
    return {**news, **draw(extras)}


@pytest.fixture(autouse=True, scope="module")
def no_requests() -> Iterator[None]:
    """Any HTTP request fails the test: Check must judge the values alone."""
    original = httpx.HTTPTransport.handle_request

    def refuse(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"Check sent a request: {request.method} {request.url}")

    httpx.HTTPTransport.handle_request = refuse  # type: ignore[method-assign]
    yield
    httpx.HTTPTransport.handle_request = original  # type: ignore[method-assign]


def _root(path: str) -> str:
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def _input_of(failure: Any) -> str:
    """The input a check failure is about: its property's, or, for the secret reported as the resource's problem
    (property ``""``, so that the engine prints no value), the one whose path leads the reason."""
    if failure.property:
        return _root(failure.property)
    assert failure.reason.startswith("client_secret"), failure
    return "client_secret"


def _config_roots(error: KustomerConfigError) -> set[str]:
    """The input each problem line of a stack config error is about (``redirectUris[1]`` -> ``redirect_uris``)."""
    roots = set()
    for line in str(error).splitlines()[1:]:
        line = line.strip()
        if line.startswith(f"{SECRET_KEY} "):
            roots.add("client_secret")
            continue
        match = re.match(r"kustomer:registeredClients\[0\]\.([A-Za-z]+)", line)
        assert match, line
        key = match.group(1)
        roots.add("client_secret" if key == "clientSecretKey" else re.sub(r"([A-Z])", r"_\1", key).lower())
    return roots


@given(inputs())
def test_check_names_the_field_sends_nothing_and_agrees_with_the_stack_config(news: dict[str, Any]) -> None:
    result = RegisteredClientProvider().check({}, news)
    failures = [f for f in result.failures if "due for rotation" not in f.reason]
    for failure in failures:
        root = _input_of(failure)
        assert root in INPUTS or root in news, failure
        assert failure.reason.startswith(failure.property), failure
        assert MARK not in failure.reason, "a client secret leaked into a check failure"
        assert root != "client_secret" or failure.property == "", "the engine would print the secret's value"

    secret = news.get("client_secret")
    item = {to_camel(k): v for k, v in news.items() if k != "client_secret" and v is not None}
    item.update(name="c", clientSecretKey=SECRET_KEY)
    try:
        load_registered_clients(
            lambda key: [item] if key == "registeredClients" else None,
            lambda key: (secret if isinstance(secret, str) else None, True),
        )
    except KustomerConfigError as exc:
        assert failures, f"the stack config refuses what Check accepts: {exc}"
        assert MARK not in str(exc), "a client secret leaked into a stack config error"
        assert _config_roots(exc) == {_input_of(f) for f in failures}
    else:
        assert not failures, f"Check refuses what the stack config accepts: {failures}"
