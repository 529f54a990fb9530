"""The simulator's token endpoint under generated requests: a token or an RFC 6749 §5.2 error, nothing else.

Bodies (form pairs, repeated names, raw bytes, other content types) and `Authorization` headers (Basic
with real, wrong or garbled credentials, other schemes, noise) are generated; the app runs in-process
(`fastapi.testclient.TestClient`), so the profile's full number of examples runs in seconds.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from kustomer_provider.simulator import SimulatorSettings, create_app
from tests.support.rfc6749 import RFC_TOKEN_ERRORS
from tests.support.simulator_client import ADMIN, REDIRECT, TestClient

REAL = "<real>"  # placeholder replaced by a fresh value of the named kind


@dataclass
class Setup:
    client: TestClient
    client_id: str
    client_secret: str

    def fresh_code(self) -> str:
        """A fresh authorization code (no PKCE) from the auto-consent redirect."""
        query = {
            "client_id": self.client_id,
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "scope": "org.permission.apps.read offline_access",
        }
        location = self.client.get("/oauth/authorize", params=query).headers["location"]
        return parse_qs(urlsplit(location).query)["code"][0]

    def fresh_refresh_token(self) -> str:
        form = {
            "grant_type": "authorization_code",
            "code": self.fresh_code(),
            "redirect_uri": REDIRECT,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        token: str = self.client.post("/oauth/token", data=form).json()["refresh_token"]
        return token


@pytest.fixture(scope="module")
def setup() -> Iterator[Setup]:
    """One in-process simulator with an installed app and its secret (auto-consent, instant installs)."""
    app = create_app(SimulatorSettings(install_ms=0, auto_consent=True))
    with TestClient(app, base_url="http://127.0.0.1", follow_redirects=False, raise_server_exceptions=False) as client:
        definition = {"app": "prop", "version": "1.0.0", "title": "Property app", "redirectUris": [REDIRECT]}
        assert client.post("/v1/apps/available", json=definition, headers=ADMIN).status_code == 201
        assert client.post("/v1/apps/install", json={"app": "prop", "version": "1.0.0"}, headers=ADMIN).is_success
        minted = client.post("/v1/apps/available/prop/secret/", json={}, headers=ADMIN).json()["data"]["attributes"]
        yield Setup(client, minted["clientId"], minted["clientSecret"])


text = st.text(max_size=40)
ascii_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
field_names = st.sampled_from(
    ["grant_type", "code", "refresh_token", "client_id", "client_secret", "redirect_uri", "code_verifier", "scope"]
)
field_values: dict[str, st.SearchStrategy[str]] = {
    "grant_type": st.sampled_from(["authorization_code", "refresh_token", "password", "client_credentials", ""]) | text,
    "client_id": st.sampled_from([REAL, "f" * 24, ""]) | text,
    "client_secret": st.sampled_from([REAL, "wrong"]) | text,
    "code": st.sampled_from([REAL]) | text,
    "refresh_token": st.sampled_from([REAL]) | text,
    "redirect_uri": st.sampled_from([REDIRECT, "https://other.example/cb"]) | text,
    "code_verifier": st.sampled_from(["v" * 43, "v" * 10]) | text,
    "scope": st.sampled_from(["org.permission.apps.read", "org.admin.apps"]) | text,
}


@st.composite
def form_pairs(draw: st.DrawFn) -> list[tuple[str, str]]:
    """Known fields with likely or random values, sometimes repeated, plus unknown fields."""
    names = draw(st.lists(field_names | text, max_size=9))
    return [(name, draw(field_values.get(name, text))) for name in names]


basic_parts = st.tuples(st.sampled_from([REAL, "f" * 24]) | text, st.sampled_from([REAL, "wrong"]) | text)
authorization = st.one_of(
    st.none(),
    basic_parts.map(lambda parts: ("basic", parts)),
    ascii_text.map(lambda value: ("raw", value)),
    st.binary(max_size=40).map(lambda raw: ("raw", "Basic " + base64.b64encode(raw).decode())),
)
bodies = st.one_of(
    form_pairs().map(lambda pairs: ("form", pairs)),
    st.binary(max_size=200).map(lambda raw: ("bytes", raw)),
)
content_types = st.sampled_from(
    ["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8", "application/json",
     "text/plain", None]
)  # fmt: skip


Request = tuple[tuple[str, Any], tuple[str, Any] | None, str | None]


@st.composite
def random_requests(draw: st.DrawFn) -> Request:
    """Anything: random bodies, headers and content types."""
    return draw(bodies), draw(authorization), draw(content_types)


@st.composite
def plausible_requests(draw: st.DrawFn) -> Request:
    """Near-valid requests (real credentials, real codes or refresh tokens), sometimes spoiled a little."""
    grant = draw(st.sampled_from(["authorization_code", "refresh_token"]))
    pairs = [("grant_type", grant)]
    if grant == "authorization_code":
        pairs += [
            ("code", REAL),
            ("redirect_uri", draw(st.sampled_from([REDIRECT, REDIRECT, "https://other.example/cb"]))),
        ]
    else:
        pairs += [("refresh_token", REAL)]
        scope = draw(st.sampled_from([None, "org.permission.apps.read", "org.admin.apps", ""]))
        if scope is not None:
            pairs.append(("scope", scope))
    secret = draw(st.sampled_from([REAL, REAL, REAL, "wrong"]))
    auth: tuple[str, Any] | None = None
    if draw(st.booleans()):
        pairs += [("client_id", REAL), ("client_secret", secret)]
    else:
        auth = ("basic", (REAL, secret))
    pairs += draw(st.lists(st.tuples(field_names, st.sampled_from([REAL, "", "x"])), max_size=1))  # a spoiler
    return ("form", pairs), auth, "application/x-www-form-urlencoded"


def _real(setup: Setup, name: str, value: str) -> str:
    if value != REAL:
        return value
    if name == "code":
        return setup.fresh_code()
    if name == "refresh_token":
        return setup.fresh_refresh_token()
    return setup.client_secret if name in ("client_secret", "secret") else setup.client_id


@given(request=st.one_of(random_requests(), plausible_requests()))
def test_token_endpoint_answers_a_token_or_an_rfc_error(setup: Setup, request: Request) -> None:
    body, auth, content_type = request
    headers: dict[str, str] = {}
    if content_type is not None:
        headers["content-type"] = content_type
    if auth is not None:
        kind, value = auth
        if kind == "basic":
            client_id, secret = _real(setup, "client_id", value[0]), _real(setup, "secret", value[1])
            headers["authorization"] = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        else:
            headers["authorization"] = value
    kind, payload = body
    content = urlencode([(n, _real(setup, n, v)) for n, v in payload]).encode() if kind == "form" else payload

    response = setup.client.post("/oauth/token", content=content, headers=headers)

    assert response.status_code in (200, 400, 401), (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store" and response.headers["pragma"] == "no-cache"
    answer = response.json()
    assert isinstance(answer, dict)
    if response.status_code == 200:
        assert answer["token_type"] == "bearer" and answer["expires_in"] == 86400
        assert isinstance(answer["access_token"], str) and answer["access_token"]
    else:
        assert answer["error"] in RFC_TOKEN_ERRORS, answer
        assert isinstance(answer.get("error_description", ""), str)
    if response.status_code == 401:
        assert response.headers["www-authenticate"].lower().startswith("basic")
    event(f"{response.status_code} {answer.get('error', 'token')}")  # the spread, with --hypothesis-show-statistics
