"""The helper's flow for the other platforms (``PlatformFlow``), against ``httpx.MockTransport``: the
simulator's endpoint base read back from a stack's URL, PKCE only where it is used, token answers read into a
token set, refusals explained, and the client checked without a user."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from kustomer_provider.oauth.errors import OAuthEndpointError
from kustomer_provider.oauth.platform_flow import PlatformFlow, endpoint_base_from_url
from kustomer_provider.oauth.tokens import TokenSet
from kustomer_provider.platforms import VERIFICATION_CODE, apply_endpoint_base_url, get_platform
from kustomer_provider.redaction import register_secret

BASE = "http://127.0.0.1:8787"
APALEO_TOKEN = "https://identity.apaleo.com/connect/token"


@pytest.mark.parametrize("platform", ["teamwork", "komerza", "apaleo"])
def test_the_endpoint_base_is_read_back_from_a_url_the_stack_gives(platform: str) -> None:
    real = get_platform(platform).token_url("cid")
    assert endpoint_base_from_url(real, real, platform) is None  # the real host: no base
    assert endpoint_base_from_url(apply_endpoint_base_url(real, platform, BASE), real, platform) == BASE
    assert endpoint_base_from_url("https://elsewhere.example/token", real, platform) is None


def test_the_endpoint_base_of_the_apaleo_token_url() -> None:
    assert endpoint_base_from_url(f"{BASE}/apaleo/connect/token", APALEO_TOKEN, "apaleo") == BASE
    assert endpoint_base_from_url(f"{APALEO_TOKEN}/", APALEO_TOKEN, "apaleo") is None


def authorize_query(flow: PlatformFlow) -> dict[str, str]:
    url = flow.authorize_url(
        client_id="cid", redirect_uri=f"{BASE}/cb", scopes=["openid"], state="st", code_challenge="challenge-1"
    )
    return dict(httpx.URL(url).params)


def test_only_apaleo_sends_a_pkce_challenge() -> None:
    apaleo = authorize_query(PlatformFlow(get_platform("apaleo"), BASE))
    assert apaleo["code_challenge"] == "challenge-1" and apaleo["code_challenge_method"] == "S256"
    for platform in ("teamwork", "komerza"):
        query = authorize_query(PlatformFlow(get_platform(platform), BASE))
        assert "code_challenge" not in query and query["state"] == "st"


def answering(status: int, body: object, seen: list[httpx.Request] | None = None) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, json=body)

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_an_apaleo_exchange_sends_the_verifier_and_reads_the_tokens() -> None:
    seen: list[httpx.Request] = []
    answer = {"access_token": "made-up-access-1", "refresh_token": "made-up-refresh-1", "expires_in": 3600}
    flow = PlatformFlow(get_platform("apaleo"), BASE)
    with answering(200, answer, seen) as http:
        tokens = flow.exchange_code(
            http,
            client_id="cid",
            client_secret="made.up.platform.flow.secret.4e1f",
            code="code-1",
            redirect_uri=f"{BASE}/cb",
            code_verifier="verifier-1",
            origin=None,
        )
    assert str(seen[0].url) == f"{BASE}/apaleo/connect/token"
    form = dict(httpx.QueryParams(seen[0].content.decode()))
    assert form["code_verifier"] == "verifier-1" and form["code"] == "code-1"
    assert (tokens.access_token, tokens.refresh_token, tokens.expires_in) == (
        "made-up-access-1",
        "made-up-refresh-1",
        3600,
    )
    assert tokens.platform == "apaleo" and tokens.client_id == "cid"
    assert tokens.token_url == f"{BASE}/apaleo/connect/token"
    assert tokens.api_base_url == BASE  # the API check's origin under the same base


def test_a_refused_exchange_names_the_platform_the_error_and_what_to_do() -> None:
    register_secret("made.up.platform.flow.secret.4e1f")  # as the helper's inputs do with the secret they read
    flow = PlatformFlow(get_platform("apaleo"), BASE)
    body = {"error": "invalid_client", "error_description": "bad secret made.up.platform.flow.secret.4e1f"}
    with answering(400, body) as http, pytest.raises(OAuthEndpointError) as info:
        flow.exchange_code(
            http,
            client_id="cid",
            client_secret="made.up.platform.flow.secret.4e1f",
            code="c",
            redirect_uri="x",
            code_verifier=None,
            origin=None,
        )
    assert info.value.status_code == 400 and info.value.error == "invalid_client"
    text = str(info.value)
    assert text.startswith("apaleo refused the code exchange: 400 invalid_client")
    assert "dashboard" in text and "made.up.platform.flow.secret.4e1f" not in text


def test_an_answer_without_the_token_is_an_endpoint_error_listing_what_came() -> None:
    flow = PlatformFlow(get_platform("apaleo"), BASE)
    with (
        answering(200, {"token_type": "Bearer"}) as http,
        pytest.raises(OAuthEndpointError, match=r"with an object with token_type: no access_token or refresh_token"),
    ):
        flow.exchange_code(
            http, client_id="c", client_secret="s", code="c", redirect_uri="x", code_verifier=None, origin=None
        )


def saved_tokens(refresh_token: str | None) -> TokenSet:
    return TokenSet(
        access_token="made-up-access-0",
        refresh_token=refresh_token,
        token_type="Bearer",
        scope="openid offline_access",
        expires_in=60,
        obtained_at=datetime(2026, 1, 1, tzinfo=UTC),
        client_id="cid",
        token_url=f"{BASE}/apaleo/connect/token",
        api_base_url="https://api.example.test",
        platform="apaleo",
    )


def test_a_refresh_keeps_the_saved_api_base_and_the_old_refresh_token_when_none_comes_back() -> None:
    flow = PlatformFlow(get_platform("apaleo"), BASE)
    with answering(200, {"access_token": "made-up-access-2"}) as http:
        fresh = flow.refresh(http, saved_tokens("made-up-refresh-0"), client_id="cid", client_secret="s")
    assert fresh.access_token == "made-up-access-2" and fresh.refresh_token == "made-up-refresh-0"
    assert fresh.api_base_url == "https://api.example.test" and fresh.scope == "openid offline_access"


def test_a_refresh_without_a_refresh_token_says_which_scope_gives_one() -> None:
    flow = PlatformFlow(get_platform("apaleo"), BASE)
    with httpx.Client(transport=httpx.MockTransport(lambda r: pytest.fail("sent"))) as http:
        with pytest.raises(OAuthEndpointError, match=r"has no refresh token.*Run login --scopes"):
            flow.refresh(http, saved_tokens(None), client_id="cid", client_secret="s")


@pytest.mark.parametrize(
    ("status", "body", "passed", "says"),
    [
        (400, {"error": "invalid_grant"}, True, "client id and secret accepted"),
        (401, {"error": "invalid_client"}, False, "is wrong"),
        (503, {"error": "unavailable"}, None, "could not tell: apaleo answered 503"),
    ],
)
def test_the_client_check_sends_the_made_up_code_and_reads_the_verdict(
    status: int, body: dict[str, str], passed: bool | None, says: str
) -> None:
    seen: list[httpx.Request] = []
    flow = PlatformFlow(get_platform("apaleo"), BASE)
    with answering(status, body, seen) as http:
        check = flow.check_client(
            http, client_id="cid", client_secret="made.up.platform.flow.secret.4e1f", redirect_uri=f"{BASE}/cb"
        )
    assert VERIFICATION_CODE in seen[0].content.decode()
    assert check.ok is passed and says in check.message and "made.up.platform.flow.secret.4e1f" not in check.message


def test_teamwork_is_not_checked_and_nothing_is_sent() -> None:
    flow = PlatformFlow(get_platform("teamwork"), BASE)
    with httpx.Client(transport=httpx.MockTransport(lambda r: pytest.fail("sent"))) as http:
        check = flow.check_client(http, client_id="cid", client_secret="s", redirect_uri="x")
    assert check.ok is None and check.message.startswith("not checked: ")


def test_a_token_the_api_refuses_says_to_refresh_where_the_platform_has_refresh_tokens() -> None:
    flow = PlatformFlow(get_platform("apaleo"), BASE)
    with answering(401, {"error": "invalid_token", "message": "expired"}) as http:
        check = flow.check_token(http, saved_tokens("r"))
    assert check.ok is False and "answered 401 invalid_token: expired" in check.message
    assert "(expired by this machine's clock)" in check.message and "run refresh" in check.message
