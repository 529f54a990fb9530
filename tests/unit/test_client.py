"""The API client against scripted answers (``httpx.MockTransport``): errors, retries, paging, idempotency."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from kustomer_provider.client import KustomerClient, RetryPolicy
from kustomer_provider.errors import (
    KustomerAuthError,
    KustomerConflictError,
    KustomerInstallError,
    KustomerInvalidRequestError,
    KustomerNotFoundError,
    KustomerOutdatedVersionError,
    KustomerPermissionError,
    KustomerRateLimitError,
    KustomerRolesChangedError,
    KustomerServerError,
    KustomerTransportError,
)

API_KEY = "test-api-key-0123456789"
Handler = Callable[[httpx.Request], httpx.Response]


def make_client(handler: Handler, *, attempts: int = 4) -> tuple[KustomerClient, list[float]]:
    slept: list[float] = []
    client = KustomerClient(
        base_url="https://acme.api.kustomerapp.com",
        api_key=API_KEY,
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(max_attempts=attempts, base_delay=0.01, max_delay=0.05, total_budget=30),
        sleep=slept.append,
        seed=1,
    )
    return client, slept


def available(name: str, version: str, **attributes: object) -> dict:
    return {
        "type": "available_app",
        "id": f"{name}-{version}",
        "attributes": {"name": name, "version": version, "clientId": "cid-1", "redirectUris": [], **attributes},
    }


FIRST_SHAPE_409 = {
    "errors": [
        {
            "code": "conflict",
            "message": "This version has already been registered. Please increment the version.",
            "meta": {},
        }
    ]
}


@pytest.mark.parametrize(
    ("status", "body", "error", "says"),
    [
        (401, {"errors": [{"status": "401", "code": "unauthorized", "title": "Unauthorized", "detail": "Invalid API key"}]},
         KustomerAuthError, "kustomer:apiKey"),
        (401, {"errors": [{"code": "unauthorized", "message": "API key is associated with pod prod2 but request is being handled by prod1", "meta": {}}]},
         KustomerAuthError, "another Kustomer region"),
        (403, {"errors": [{"status": "403", "code": "forbidden", "title": "Forbidden", "detail": "Missing required role(s): org.admin.apps"}]},
         KustomerPermissionError, "org.admin.apps"),
        (404, {"errors": [{"status": "404", "code": "not_found", "title": "Not Found", "detail": "No such app"}]},
         KustomerNotFoundError, "does not exist"),
        (409, FIRST_SHAPE_409, KustomerConflictError, "increment the version"),
        (400, {"errors": [{"code": "invalid_version", "message": "Cannot register outdated version. Version must be greater than 1.2.0.", "meta": {}}]},
         KustomerOutdatedVersionError, "greater than 1.2.0"),
        (400, {"errors": [{"code": "invalid_roles", "message": "Roles do not match that of the previous version, a major version bump is required", "meta": {}}]},
         KustomerRolesChangedError, "major version"),
        (400, {"errors": [{"status": "400", "code": "invalid", "title": "Bad Request", "detail": "unknown key colour", "source": {"pointer": "/colour"}}]},
         KustomerInvalidRequestError, "field /colour"),
    ],
)  # fmt: skip
def test_each_error_status_and_shape_maps_to_a_precise_exception(
    status: int, body: dict, error: type[Exception], says: str
) -> None:
    client, slept = make_client(lambda request: httpx.Response(status, json=body))
    with pytest.raises(error) as info:
        client.register_version({"app": "my_app", "version": "1.0.0", "title": "t"})
    assert says in str(info.value)
    assert "POST /v1/apps/available" in str(info.value)
    assert slept == []  # 4xx are never retried
    assert client.stats.requests["POST /v1/apps/available"] == 1


def test_5xx_and_429_are_retried_then_succeed_honouring_retry_after() -> None:
    answers = [
        httpx.Response(503, json={"errors": [{"code": "unavailable", "message": "busy"}]}),
        httpx.Response(502, text="<html>Bad Gateway</html>"),
        httpx.Response(429, headers={"Retry-After": "2", "x-ratelimit-reset": "2"}, json={"errors": []}),
        httpx.Response(201, json={"data": available("my_app_5f0c5f0c5f0c5f0c5f0c5f0c", "1.0.0")}),
    ]
    client, slept = make_client(lambda request: answers.pop(0), attempts=5)
    registered = client.register_version({"app": "my_app", "version": "1.0.0", "title": "t"})
    assert registered.name == "my_app_5f0c5f0c5f0c5f0c5f0c5f0c"
    assert len(slept) == 3 and slept[2] >= 2.0
    assert dict(client.stats.retries) == {"status:503": 1, "status:502": 1, "status:429": 1}


def test_retries_stop_after_the_policy_and_say_so() -> None:
    client, slept = make_client(lambda request: httpx.Response(500, text="oops"), attempts=3)
    with pytest.raises(KustomerServerError, match="retries are safe"):
        client.list_available()
    assert len(slept) == 2


def test_rate_limit_that_outlasts_the_budget_is_reported() -> None:
    client, _ = make_client(lambda request: httpx.Response(429, headers={"Retry-After": "600"}, json={}))
    with pytest.raises(KustomerRateLimitError, match="per-minute request budget"):
        client.list_available()


def test_transport_errors_are_converted_without_leaking_the_key() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"connection refused (Authorization: Bearer {API_KEY})", request=request)

    client, slept = make_client(handler, attempts=2)
    with pytest.raises(KustomerTransportError) as info:
        client.list_available()
    assert API_KEY not in str(info.value)
    assert info.value.ambiguous is False
    assert len(slept) == 1


def test_register_after_a_dropped_answer_adopts_the_identical_version() -> None:
    definition = {"app": "my_app", "version": "1.0.0", "title": "t", "visibility": "private", "redirectUris": []}
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if request.method == "POST" and len(calls) == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        if request.method == "POST":
            return httpx.Response(409, json=FIRST_SHAPE_409)
        return httpx.Response(
            200, json={"data": [available("my_app_5f0c5f0c5f0c5f0c5f0c5f0c", "1.0.0", title="t", visibility="private")]}
        )

    client, _ = make_client(handler)
    registered = client.register_version(definition)
    assert registered.id == "my_app_5f0c5f0c5f0c5f0c5f0c5f0c-1.0.0"
    assert calls == ["POST /v1/apps/available", "POST /v1/apps/available", "GET /v1/apps/available"]


def test_a_plain_409_is_not_adopted_by_the_client() -> None:
    client, _ = make_client(lambda request: httpx.Response(409, json=FIRST_SHAPE_409))
    with pytest.raises(KustomerConflictError):
        client.register_version({"app": "my_app", "version": "1.0.0", "title": "t"})


def test_listing_follows_links_next_to_the_end() -> None:
    pages = {
        "/v1/apps/available": {"data": [available("a_5f0c5f0c5f0c5f0c5f0c5f0c", "1.0.0")], "links": {"next": "/v1/apps/available?page=2&pageSize=1"}},
        "/v1/apps/available?page=2&pageSize=1": {"data": [available("b_5f0c5f0c5f0c5f0c5f0c5f0c", "1.0.0")], "links": {"next": "/v1/apps/available?page=3&pageSize=1"}},
        "/v1/apps/available?page=3&pageSize=1": {"data": [available("a_5f0c5f0c5f0c5f0c5f0c5f0c", "1.1.0")], "links": {}},
    }  # fmt: skip

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.raw_path.decode()])

    client, _ = make_client(handler)
    assert [a.id for a in client.list_available()] == [
        "a_5f0c5f0c5f0c5f0c5f0c5f0c-1.0.0",
        "b_5f0c5f0c5f0c5f0c5f0c5f0c-1.0.0",
        "a_5f0c5f0c5f0c5f0c5f0c5f0c-1.1.0",
    ]
    assert [a.version for a in client.versions_of("a")] == ["1.0.0", "1.1.0"]
    assert [a.version for a in client.versions_of("a_5f0c5f0c5f0c5f0c5f0c5f0c")] == ["1.0.0", "1.1.0"]


def test_a_next_link_to_another_host_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"data": [], "links": {"next": "https://evil.example/v1/apps/available?page=2"}}
        )

    client, _ = make_client(handler)
    with pytest.raises(Exception, match="another host"):
        client.list_available()


ORG = "5f0c5f0c5f0c5f0c5f0c5f0c"
NAME = f"my_app_{ORG}"


def mint_handler(seen: list[str], missing_form: str) -> Handler:
    """A Kustomer with versions 1.0.0 and 1.1.0 of my_app, where one mint path form answers 404."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.method == "GET":
            return httpx.Response(200, json={"data": [available(NAME, "1.0.0"), available(NAME, "1.1.0")]})
        assert json.loads(request.content) == {}
        versioned = "-" in request.url.path.rsplit("/", 2)[-2]
        if (missing_form == "versioned") == versioned:
            return httpx.Response(404, json={"errors": [{"status": "404", "detail": "no"}]})
        return httpx.Response(200, json={"data": available(NAME, "1.1.0", clientSecret="s3cret-abcdefgh")})

    return handler


def test_mint_uses_the_seed_path_and_falls_back_to_the_latest_versioned_one() -> None:
    seen: list[str] = []
    client, _ = make_client(mint_handler(seen, missing_form="seed"))
    minted = client.mint_secret(NAME)
    assert minted.client_id == "cid-1"
    assert minted.client_secret.get_secret_value() == "s3cret-abcdefgh"
    assert "s3cret-abcdefgh" not in repr(minted)
    assert seen == [
        f"POST /v1/apps/available/{NAME}/secret/",
        "GET /v1/apps/available",
        f"POST /v1/apps/available/{NAME}-1.1.0/secret",
    ]


def test_mint_of_a_named_version_falls_back_to_the_seed_path_only_if_the_version_exists() -> None:
    seen: list[str] = []
    client, _ = make_client(mint_handler(seen, missing_form="versioned"))
    assert client.mint_secret(NAME, "1.0.0").client_id == "cid-1"
    assert seen == [
        f"POST /v1/apps/available/{NAME}-1.0.0/secret",
        "GET /v1/apps/available",
        f"POST /v1/apps/available/{NAME}/secret/",
    ]
    seen.clear()
    with pytest.raises(KustomerNotFoundError, match=r"Version 9\.9\.9 .* is not registered"):
        client.mint_secret(NAME, "9.9.9")
    assert seen == [f"POST /v1/apps/available/{NAME}-9.9.9/secret", "GET /v1/apps/available"]  # nothing minted


def test_install_waits_until_installed_and_reports_failure_reasons() -> None:
    statuses = ["installing", "installing", "installed"]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            assert json.loads(request.content) == {"app": "my_app_5f0c5f0c5f0c5f0c5f0c5f0c", "version": "1.0.0"}
            return httpx.Response(
                202,
                json={
                    "data": {
                        "attributes": {
                            "name": "my_app_5f0c5f0c5f0c5f0c5f0c5f0c",
                            "version": "1.0.0",
                            "status": "installing",
                        }
                    }
                },
            )
        status = statuses.pop(0)
        return httpx.Response(200, json={"data": [{"attributes": {"name": "my_app_5f0c5f0c5f0c5f0c5f0c5f0c", "version": "1.0.0", "status": status}}]})  # fmt: skip

    client, slept = make_client(handler)
    assert client.install("my_app_5f0c5f0c5f0c5f0c5f0c5f0c", "1.0.0").status == "installing"
    assert client.wait_for_install("my_app_5f0c5f0c5f0c5f0c5f0c5f0c", "1.0.0", timeout=30).status == "installed"
    assert slept[0] <= 0.1  # the first poll comes soon

    def failing(request: httpx.Request) -> httpx.Response:
        record = {
            "name": "my_app_5f0c5f0c5f0c5f0c5f0c5f0c",
            "version": "1.0.0",
            "status": "install_failed",
            "error": "hook rejected",
        }
        return httpx.Response(200, json={"data": [{"attributes": record}]})

    client, _ = make_client(failing)
    with pytest.raises(KustomerInstallError, match="hook rejected") as info:
        client.wait_for_install("my_app_5f0c5f0c5f0c5f0c5f0c5f0c", "1.0.0", timeout=30)
    assert info.value.status == "install_failed"


def test_install_timeout_reports_the_last_status() -> None:
    clock = [0.0]

    def handler(request: httpx.Request) -> httpx.Response:
        clock[0] += 1.0
        return httpx.Response(200, json={"data": [{"attributes": {"name": "n", "version": "1.0.0", "status": "installing"}}]})  # fmt: skip

    client = KustomerClient(
        base_url="https://acme.api.kustomerapp.com",
        api_key=API_KEY,
        transport=httpx.MockTransport(handler),
        sleep=lambda s: None,
        clock=lambda: clock[0],
    )
    with pytest.raises(KustomerInstallError, match="last status: installing"):
        client.wait_for_install("n", "1.0.0", timeout=5)


def test_the_client_sends_the_key_as_bearer_and_never_shows_it() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json={"data": []})

    client, _ = make_client(handler)
    client.list_installed()
    assert seen == [f"Bearer {API_KEY}"]
    assert API_KEY not in repr(client)
