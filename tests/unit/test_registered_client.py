"""The resource's verification of a registered client, with scripted answers (no server)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from kustomer_provider.platforms import VERIFICATION_CODE, get_platform
from kustomer_provider.registered_client import RegisteredClientRejectedError, verify_client
from tests.support.registered_clients import KOMERZA_SECRET, inputs


def scripted(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.MockTransport:
    return httpx.MockTransport(handler)


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
