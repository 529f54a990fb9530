"""``KustomerClient.probe_client_secret`` and the mint's refusal before an install, against a mock transport."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import parse_qs

import httpx
import pytest

from kustomer_provider.client import NO_RETRY, KustomerClient
from kustomer_provider.errors import KustomerInstallError, KustomerNotFoundError
from tests.support.scripted_api import scripted_client

API_KEY = "made-up-api-key-for-probe-tests"
SECRET = "made-up-client-secret-0123456789abcdef"
TOKEN_URL = "https://acme.api.kustomerapp.com/oauth/token"


def client_answering(answer: Callable[[httpx.Request], httpx.Response], seen: list[httpx.Request]) -> KustomerClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(request)

    return scripted_client(handler, api_key=API_KEY, retry=NO_RETRY, sleep=lambda _s: None)


@pytest.mark.parametrize(
    ("status", "body", "verdict"),
    [
        (400, {"error": "invalid_grant", "error_description": "Invalid refresh token"}, "live"),
        (400, {"error": "unauthorized_client"}, "live"),
        (401, {"error": "invalid_client", "error_description": "Invalid client secret"}, "dead"),
        (400, {"error": "invalid_client", "error_description": "Invalid Client"}, "dead"),
        (200, {"access_token": "x"}, "unknown"),
        (500, {"error": "server_error"}, "unknown"),
        (400, {"error": "invalid_request"}, "unknown"),
        (400, ["not", "an", "object"], "unknown"),
    ],
)
def test_the_answer_decides_the_verdict(status: int, body: object, verdict: str) -> None:
    seen: list[httpx.Request] = []
    client = client_answering(lambda _r: httpx.Response(status, json=body), seen)
    assert client.probe_client_secret("client-1", SECRET, token_url=TOKEN_URL) == verdict
    (request,) = seen
    assert (request.method, str(request.url)) == ("POST", TOKEN_URL)
    form = parse_qs(request.content.decode())
    assert form["grant_type"] == ["refresh_token"] and form["client_id"] == ["client-1"]
    assert form["client_secret"] == [SECRET] and form["refresh_token"][0] != SECRET
    assert "authorization" not in request.headers  # the API key never goes to the token endpoint


def test_a_page_that_is_not_json_is_unknown() -> None:
    client = client_answering(lambda _r: httpx.Response(502, text="<html>Bad Gateway</html>"), [])
    assert client.probe_client_secret("client-1", SECRET, token_url=TOKEN_URL) == "unknown"


def test_a_transport_failure_is_unknown_and_logged_without_the_secret(caplog: pytest.LogCaptureFixture) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"connection refused while sending {SECRET}", request=request)

    client = client_answering(refuse, [])
    with caplog.at_level(logging.INFO, logger="kustomer_provider"):
        assert client.probe_client_secret("client-1", SECRET, token_url=TOKEN_URL) == "unknown"
    assert caplog.records and all(SECRET not in r.getMessage() for r in caplog.records)


def test_an_answer_echoing_the_secret_is_logged_redacted(caplog: pytest.LogCaptureFixture) -> None:
    client = client_answering(lambda _r: httpx.Response(400, json={"error": f"weird {SECRET}"}), [])
    with caplog.at_level(logging.INFO, logger="kustomer_provider"):
        assert client.probe_client_secret("client-1", SECRET, token_url=TOKEN_URL) == "unknown"
    assert caplog.records and all(SECRET not in r.getMessage() for r in caplog.records)


def mint_refusal(
    status: int, detail: str, code: str = "app_not_installed"
) -> Callable[[httpx.Request], httpx.Response]:
    body = {"errors": [{"status": str(status), "code": code, "title": "Refused", "detail": detail}]}
    return lambda _r: httpx.Response(status, json=body)


@pytest.mark.parametrize("status", [409, 400])
def test_a_mint_refused_before_the_install_is_an_install_error_naming_the_app(status: int) -> None:
    detail = "App my_app_0123 is not installed in this org. Install it first."
    client = client_answering(mint_refusal(status, detail), [])
    with pytest.raises(KustomerInstallError) as caught:
        client.mint_secret("my_app_0123")
    message = str(caught.value)
    assert caught.value.app_name == "my_app_0123" and caught.value.status == "not_installed"
    assert "my_app_0123 is not installed" in message and "install=True" in message and "KustomerAppInstalls" in message
    assert "No secret was minted" in message


def test_other_mint_errors_keep_their_class() -> None:
    client = client_answering(mint_refusal(400, "The request body is invalid", code="invalid_json"), [])
    with pytest.raises(Exception) as caught:
        client.mint_secret("my_app_0123")
    assert not isinstance(caught.value, KustomerInstallError)
    missing = client_answering(lambda _r: httpx.Response(404, json={"errors": [{"status": "404", "detail": "x"}]}), [])
    with pytest.raises(KustomerNotFoundError):
        missing.mint_secret("my_app_0123")
