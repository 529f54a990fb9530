"""The other platforms' token endpoints under generated requests: a token or a documented error, never a 500.

Teamwork's JSON `POST /launchpad/v1/token.json`, Komerza's `GET /oauth2/{appId}/exchange/{code}` and apaleo's
form `POST /connect/token` get bodies, headers and credentials mixed from real values (a fresh code, the dev
client's secret) and noise; the app runs in-process, so the profile's full number of examples runs quickly.
The documented errors are written out here, from docs/simulator.md, not read from the simulator.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from kustomer_provider.platforms import path_segment
from kustomer_provider.simulator import SimulatorSettings, create_app
from tests.support.rfc6749 import RFC_TOKEN_ERRORS
from tests.support.simulator_client import CONTROL_TOKEN, DEV, DEV_REDIRECTS, TestClient

# docs/simulator.md: Teamwork's errors are ours; Komerza's four documented ones plus ours for a missing
# User-Agent; apaleo's are RFC 6749 §5.2's.
TEAMWORK_ERRORS = {"invalid_request", "invalid_client", "origin_not_allowed", "invalid_code", "redirect_uri_mismatch"}
KOMERZA_ERRORS = {"invalid_code", "code_expired", "invalid_client_secret", "app_not_found", "user_agent_required"}
REAL = "<real>"
MISSING = "<missing>"

noise = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30)
anything = st.one_of(st.just(REAL), noise, st.just(""))


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    """One in-process simulator that consents at once."""
    app = create_app(SimulatorSettings(auto_consent=True, control_token=CONTROL_TOKEN))
    with TestClient(app, base_url="http://127.0.0.1", follow_redirects=False, raise_server_exceptions=False) as http:
        yield http


def fresh_code(client: TestClient, platform: str) -> str:
    paths = {"teamwork": "/teamwork/launchpad/login", "komerza": "/komerza/auth/authorize"}
    query = {"client_id": DEV[platform][0], "redirect_uri": DEV_REDIRECTS[platform]}
    path = paths.get(platform, "/apaleo/connect/authorize")
    if platform == "apaleo":
        query.update(response_type="code", scope="openid offline_access account.read")
    location = client.get(path, params=query).headers["location"]
    return parse_qs(urlsplit(location).query)["code"][0]


def fresh_refresh_token(client: TestClient) -> str:
    """A live refresh token of the apaleo dev client."""
    form = {
        "grant_type": "authorization_code",
        "code": fresh_code(client, "apaleo"),
        "redirect_uri": DEV_REDIRECTS["apaleo"],
    }
    answer = client.post("/apaleo/connect/token", data=form, auth=DEV["apaleo"])
    token: str = answer.json()["refresh_token"]
    return token


def resolve(value: Any, real: str) -> Any:
    return real if value == REAL else value


# Mostly the real value, so that every check is reached, not only the first one.
field_value = st.one_of(st.just(REAL), st.just(REAL), st.just(REAL), st.just(MISSING), noise, st.integers(), st.none())


@given(
    fields=st.fixed_dictionaries(
        {name: field_value for name in ("code", "client_id", "client_secret", "redirect_uri")}
    ),
    extra=st.dictionaries(noise, noise, max_size=2),
    content_type=st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", None]),
    raw=st.one_of(st.none(), st.none(), st.none(), st.binary(max_size=40)),
    origin=st.one_of(st.none(), noise),
)
def test_teamwork_exchange(
    client: TestClient,
    fields: dict[str, Any],
    extra: dict[str, str],
    content_type: str | None,
    raw: bytes | None,
    origin: str | None,
) -> None:
    real = {"code": fresh_code(client, "teamwork"), "redirect_uri": DEV_REDIRECTS["teamwork"]}
    real.update(zip(("client_id", "client_secret"), DEV["teamwork"], strict=True))
    sent = {**extra, **{k: resolve(v, real[k]) for k, v in fields.items() if v != MISSING}}
    body = raw if raw is not None else json.dumps(sent).encode()
    headers = {k: v for k, v in (("Content-Type", content_type), ("Origin", origin)) if v is not None}
    response = client.post("/teamwork/launchpad/v1/token.json", content=body, headers=headers)
    data = response.json()
    if response.status_code == 200:
        assert data["status"] == "ok" and data["access_token"].startswith("tkn.v1_")
        event("token")
    else:
        assert response.status_code in (400, 401, 403) and data["status"] == "error"
        assert data["code"] in TEAMWORK_ERRORS
        event(data["code"])


@given(
    app_id=st.one_of(
        st.just(REAL), st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=20)
    ),
    code=st.one_of(st.just(REAL), noise.filter(bool)),
    secret=st.one_of(st.just(REAL), st.none(), noise),
    user_agent=st.one_of(st.just("helper/1"), st.just(""), st.just(" "), noise),
)
def test_komerza_exchange(client: TestClient, app_id: str, code: str, secret: str | None, user_agent: str) -> None:
    real_id, real_secret = DEV["komerza"]
    path_code = path_segment(resolve(code, fresh_code(client, "komerza")))  # as the OAuth helper sends it
    headers = {"User-Agent": user_agent}
    if secret is not None:
        headers["X-Client-Secret"] = resolve(secret, real_secret)
    response = client.get(f"/komerza/oauth2/{resolve(app_id, real_id)}/exchange/{path_code}", headers=headers)
    data = response.json()
    assert set(data) == {"success", "message", "code", "data"}
    if response.status_code == 200:
        assert data["success"] is True and data["data"].count(".") == 2
        event("key")
    else:
        assert response.status_code in (400, 401, 404) and data["success"] is False
        assert data["code"] in KOMERZA_ERRORS
        event(data["code"])


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


@given(
    grant_type=st.sampled_from(
        ["authorization_code", "authorization_code", "refresh_token", "client_credentials", MISSING]
    )
    | noise,
    fields=st.fixed_dictionaries(
        {
            name: st.one_of(st.just(REAL), st.just(REAL), st.just(MISSING), st.just(MISSING), noise)
            for name in (
                "code",
                "redirect_uri",
                "client_id",
                "client_secret",
                "refresh_token",
                "scope",
                "code_verifier",
            )
        }
    ),
    repeated=st.lists(st.tuples(st.sampled_from(["code", "scope", "grant_type"]), noise), max_size=1),
    authorization=st.one_of(
        st.none(),
        st.just("basic-real"),
        st.just("basic-real"),
        st.just("basic-wrong"),
        st.sampled_from(["Basic", "Basic !!!", "Bearer x", "Basic " + base64.b64encode(b"no-colon").decode()]),
    ),
    content_type=st.sampled_from(["application/x-www-form-urlencoded"] * 4 + ["application/json", None]),
)
def test_apaleo_token(
    client: TestClient,
    grant_type: str,
    fields: dict[str, str],
    repeated: list[tuple[str, str]],
    authorization: str | None,
    content_type: str | None,
) -> None:
    client_id, secret = DEV["apaleo"]
    real = {
        "code": fresh_code(client, "apaleo"),
        "redirect_uri": DEV_REDIRECTS["apaleo"],
        "client_id": client_id,
        "client_secret": secret,
        "scope": "account.read",
        "refresh_token": fresh_refresh_token(client),
        "code_verifier": "v" * 50,
    }
    form = [(name, resolve(value, real[name])) for name, value in fields.items() if value != MISSING]
    if grant_type != MISSING:
        form.append(("grant_type", grant_type))
    form += repeated
    headers = {} if content_type is None else {"Content-Type": content_type}
    if authorization == "basic-real":
        headers["Authorization"] = _basic(client_id, secret)
    elif authorization == "basic-wrong":
        headers["Authorization"] = _basic(client_id, "wrong")
    elif authorization is not None:
        headers["Authorization"] = authorization
    response = client.post("/apaleo/connect/token", content=urlencode(form), headers=headers)
    data = response.json()
    assert response.headers["cache-control"] == "no-store"
    if response.status_code == 200:
        assert data["token_type"] == "Bearer" and data["expires_in"] == 3600
        event("token")
    else:
        assert response.status_code in (400, 401) and data["error"] in RFC_TOKEN_ERRORS
        event(data["error"])
