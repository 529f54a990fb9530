"""Generated invalid client secrets: Check refuses each, and the check failure as the CLI prints it never shows it.

The engine prints the value of the input a check failure names, with Go's ``%v``, which shows a secret's
plaintext (``issueCheckFailures``): a failure about a secret input must name no property (the resource's problem,
the input's name leading the reason), and its reason must not quote the value. Each value goes through the real
provider host's Check over gRPC; the failures are rendered as the rehearsal renders the engine's words
(:func:`~kustomer_provider.rehearsal.diagnostics.check_failure_message`), with the secret wrapped as the engine
holds it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pulumi.dynamic.dynamic import serialize_provider

from kustomer_provider.registered_client import RegisteredClientProvider
from kustomer_provider.rehearsal.diagnostics import check_failure_message
from kustomer_provider.rehearsal.provider_server import ProviderServer
from kustomer_provider.rehearsal.values import wrap_secret
from tests.support.rendering import REGISTERED_CLIENT

#: Every generated secret holds this, so that a leak of any part of it that holds the mark is seen.
MARK = "zq9sec"
URN = f"urn:pulumi:dev::kustomer::{REGISTERED_CLIENT}::client"
PROVIDER = serialize_provider(RegisteredClientProvider())
#: A valid Komerza client (whose secrets are 72 characters: a rule of its own besides the common ones).
KOMERZA = {
    "platform": "komerza",
    "client_id": "sim-dev-komerza-client",
    "redirect_uris": ["http://127.0.0.1:8765/callback"],
    "scopes": ["stores.read"],
}
APALEO = {
    "platform": "apaleo",
    "client_id": "SIMDEV-SP",
    "client_code": "SIMDEV",
    "redirect_uris": ["https://example.com/oauth/callback"],
    "scopes": ["openid"],
}

visible = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=80)
anything = st.text(max_size=40)


def _marked(text: str, at: int) -> str:
    at %= len(text) + 1
    return f"{text[:at]}{MARK}{text[at:]}"


#: Secrets that break a rule: a Komerza secret of another length, a character that is not visible ASCII (space,
#: line break, control, bidi, any other script), more than 512 characters.
invalid_secrets = st.one_of(
    st.builds(_marked, visible, st.integers(0, 80)).filter(lambda s: len(s) != 72).map(lambda s: ("komerza", s)),
    st.builds(
        lambda a, b, odd, at: _marked(f"{a}{odd}{b}", at),
        visible,
        anything,
        st.characters(exclude_categories=["Cs"]).filter(lambda c: not "\x21" <= c <= "\x7e"),
        st.integers(0, 120),
    ).map(lambda s: ("apaleo", s)),
    st.builds(lambda a, n: _marked(a + "x" * n, 0), visible, st.integers(513, 700)).map(lambda s: ("apaleo", s)),
)


@pytest.fixture(scope="module")
def host() -> Iterator[ProviderServer]:
    """The SDK's provider host, configured as for a stack (this resource needs no Kustomer connection)."""
    with ProviderServer() as server:
        server.configure({})
        yield server


@given(invalid_secrets)
def test_the_rendered_check_failure_never_shows_an_invalid_secret(host: ProviderServer, case: tuple[str, str]) -> None:
    platform, secret = case
    news: dict[str, Any] = {**(KOMERZA if platform == "komerza" else APALEO), "client_secret": secret}
    failures = host.check(URN, {}, {**news, "__provider": PROVIDER}).failures
    assert failures, f"Check accepted an invalid secret ({len(secret)} characters)"
    # As the engine holds the program's inputs: the secret wrapped (it prints its plaintext all the same).
    inputs = {**news, "client_secret": wrap_secret(secret)}
    rendered = "\n".join(check_failure_message(REGISTERED_CLIENT, "client", p, r, inputs) for p, r in failures)
    assert MARK not in rendered and secret not in rendered, "the CLI would print the secret"
    assert any(prop == "" and reason.startswith("client_secret ") for prop, reason in failures), failures
