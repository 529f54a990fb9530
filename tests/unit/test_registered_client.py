"""The platform records' requests and the resource's verification, with scripted answers (no server)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import httpx
import pytest

from kustomer_provider.platform_inputs import RegisteredClientInputs
from kustomer_provider.platforms import VERIFICATION_CODE, apply_endpoint_base_url, get_platform
from kustomer_provider.registered_client import RegisteredClientRejectedError, verify_client

SECRET = "unit-client-secret-5f1d3a77"
KOMERZA_SECRET = "unit-komerza-secret-".ljust(72, "k")


def inputs(platform: str, **changes: object) -> RegisteredClientInputs:
    base: dict[str, object] = {
        "platform": platform,
        "client_id": "unit-client",
        "client_secret": KOMERZA_SECRET if platform == "komerza" else SECRET,
        "redirect_uris": ["https://example.com/cb"],
        "endpoint_base_url": "http://127.0.0.1:8787",
    }
    if platform == "apaleo":
        base.update(client_code="UNIT", scopes=["openid"])
    return RegisteredClientInputs.model_validate({**base, **changes})


def scripted(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.MockTransport:
    return httpx.MockTransport(handler)


def test_the_endpoint_base_url_keeps_the_path_under_the_platform_prefix() -> None:
    real = "https://identity.apaleo.com/connect/token"
    assert apply_endpoint_base_url(real, "apaleo", None) == real
    assert (
        apply_endpoint_base_url(real, "apaleo", "http://127.0.0.1:8787/")
        == "http://127.0.0.1:8787/apaleo/connect/token"
    )


def test_each_platform_exchanges_a_code_its_own_way() -> None:
    teamwork = get_platform("teamwork").exchange_request(
        client_id="c", client_secret="s", code="k", redirect_uri="https://e/cb", origin="https://app.example.com"
    )
    assert (teamwork.method, teamwork.url) == ("POST", "https://www.teamwork.com/launchpad/v1/token.json")
    assert teamwork.json == {"code": "k", "redirect_uri": "https://e/cb", "client_id": "c", "client_secret": "s"}
    assert teamwork.headers["Origin"] == "https://app.example.com"

    komerza = get_platform("komerza").exchange_request(
        client_id="app 1", client_secret="s", code="k/1", redirect_uri="x"
    )
    assert (komerza.method, komerza.url) == ("GET", "https://api.komerza.com/oauth2/app%201/exchange/k%2F1")
    assert komerza.headers["X-Client-Secret"] == "s" and komerza.headers["User-Agent"]
    assert komerza.json is None and komerza.data is None

    apaleo = get_platform("apaleo").exchange_request(client_id="c:1", client_secret="s", code="k", redirect_uri="x")
    assert apaleo.data == {"grant_type": "authorization_code", "code": "k", "redirect_uri": "x"}
    scheme, encoded = apaleo.headers["Authorization"].split(" ")
    assert scheme == "Basic" and base64.b64decode(encoded).decode() == "c%3A1:s"  # RFC 6749 2.3.1
    assert "Basic" not in repr(apaleo) and "client_secret" not in repr(teamwork)  # repr hides headers and body


def test_verification_sends_the_made_up_code_and_reads_the_verdict() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(400, json={"error": "invalid_grant"})

    assert verify_client(inputs("apaleo"), transport=scripted(handler)) == "verified"
    assert len(seen) == 1 and seen[0].url.path == "/apaleo/connect/token"
    assert f"code={VERIFICATION_CODE}" in seen[0].content.decode()


@pytest.mark.parametrize(
    ("platform", "status", "body", "field"),
    [
        ("apaleo", 401, {"error": "invalid_client"}, "client_id or client_secret"),
        ("komerza", 401, {"success": False, "code": "invalid_client_secret", "message": "no"}, "client_secret"),
        ("komerza", 404, {"success": False, "code": "app_not_found", "message": "no"}, "client_id"),
    ],
)
def test_a_refused_client_fails_naming_the_platform_the_field_and_the_dashboard(
    platform: str, status: int, body: dict[str, object], field: str
) -> None:
    given = inputs(platform)
    echo = {**body, "message": f"you sent {given.client_secret}"}  # a careless server echoing the secret
    with pytest.raises(RegisteredClientRejectedError) as caught:
        verify_client(given, transport=scripted(lambda r: httpx.Response(status, json=echo)))
    message = str(caught.value)
    assert caught.value.field == field and caught.value.platform == platform
    title = get_platform(platform).title
    assert message.startswith(f"{title} rejects the {field}") and get_platform(platform).dashboard_url() in message
    assert given.client_secret not in message


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(500, text="upstream down"),
        httpx.Response(200, json={"access_token": "unit-token-never-issued"}),
        httpx.Response(400, text="<html>bad</html>"),
        httpx.Response(400, json={"error": "temporarily_unavailable"}),
        httpx.Response(400, json=["invalid_client"]),
    ],
)
def test_an_answer_that_does_not_tell_is_could_not_verify(answer: httpx.Response) -> None:
    result = verify_client(inputs("apaleo"), transport=scripted(lambda r: answer))
    assert result.startswith("could not verify: apaleo's token endpoint answered")


def test_an_unreachable_platform_is_could_not_verify_without_the_secret() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"refused while sending {request.headers['X-Client-Secret']}", request=request)

    result = verify_client(inputs("komerza"), transport=scripted(handler))
    assert result.startswith("could not verify: Komerza's token endpoint could not be reached (ConnectError")
    assert KOMERZA_SECRET not in result


def test_teamwork_sends_nothing_and_says_why() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("Teamwork was asked")

    result = verify_client(inputs("teamwork"), transport=scripted(handler))
    assert result.startswith("not possible: Teamwork does not document the errors of its token endpoint")


def test_the_secret_is_never_in_the_inputs_repr() -> None:
    assert SECRET not in repr(inputs("apaleo")) and json.dumps(SECRET) not in str(inputs("apaleo"))
