"""The API client against scripted answers (``httpx.MockTransport``): errors, retries, paging, idempotency."""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from kustomer_provider.client import KustomerClient, RetryPolicy
from kustomer_provider.errors import (
    KustomerAuthError,
    KustomerConfigError,
    KustomerConflictError,
    KustomerInstallError,
    KustomerInvalidRequestError,
    KustomerMintUnreadableError,
    KustomerNotFoundError,
    KustomerOutdatedVersionError,
    KustomerPermissionError,
    KustomerRateLimitError,
    KustomerRedirectError,
    KustomerRolesChangedError,
    KustomerServerError,
    KustomerTransportError,
    KustomerUnexpectedAnswerError,
)
from tests.support.scripted_api import Handler, scripted_client
from tests.support.slow_servers import (
    Behaviour,
    MisbehavingServer,
    endless_body,
    serving,
    trickle_body,
    trickle_headers,
)

API_KEY = "test-api-key-0123456789"


def make_client(handler: Handler, *, attempts: int = 4) -> tuple[KustomerClient, list[float]]:
    slept: list[float] = []
    client = scripted_client(
        handler,
        api_key=API_KEY,
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

    client = scripted_client(handler, api_key=API_KEY, sleep=lambda s: None, clock=lambda: clock[0])
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


# -- every answer converted in one place ---------------------------------------------------------------

REGISTER = {"app": "my_app", "version": "1.0.0", "title": "t"}


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (httpx.Response(200, content=b""), "an empty body"),
        (httpx.Response(201, content=b"<html><body>Welcome</body></html>", headers={"Content-Type": "text/html"}), "text/html"),
        (httpx.Response(204), "no body"),
        (httpx.Response(200, json=[]), "unexpected shape"),
        (httpx.Response(200, json={"data": None}), "data"),
        (httpx.Response(200, json={"data": {"attributes": {"name": "my_app"}}}), "version"),
        (httpx.Response(200, content=b'{"data": {"attributes": {"name": "\xff\xfe"}}}', headers={"Content-Type": "application/json"}), "not UTF-8"),
        (httpx.Response(200, content=b'{"data": {"attrib', headers={"Content-Type": "application/json"}), "not valid JSON"),
        (httpx.Response(200, content=b'{"data": NaN}', headers={"Content-Type": "application/json"}), "not valid JSON"),
    ],
    ids=["empty", "html", "204", "list", "data-null", "missing-field", "bad-encoding", "truncated", "nan"],
)  # fmt: skip
def test_an_unusable_2xx_answer_is_an_unexpected_answer_error(answer: httpx.Response, says: str) -> None:
    client, slept = make_client(lambda request: answer)
    with pytest.raises(KustomerUnexpectedAnswerError) as info:
        client.register_version(REGISTER)
    message = str(info.value)
    assert f"POST /v1/apps/available answered {answer.status_code} with" in message
    assert says in message
    assert "kustomer:baseUrl" in message  # what to do
    assert info.value.__cause__ is None and info.value.__context__ is None  # no JSONDecodeError or ValidationError
    assert slept == []


def test_a_redirect_names_the_base_url_and_never_asks_to_fix_the_input() -> None:
    location = "https://login.example/sso?access_token=tok-0123456789abcdef&next=/v1"
    client, slept = make_client(lambda request: httpx.Response(302, headers={"Location": location}))
    with pytest.raises(KustomerRedirectError) as info:
        client.register_version(REGISTER)
    message = str(info.value)
    assert "POST /v1/apps/available answered 302, a redirect to https://login.example/sso" in message
    assert "kustomer:baseUrl" in message and "fix that input" not in message
    assert "tok-0123456789abcdef" not in message
    assert slept == []


def test_a_redirect_to_an_invalid_location_is_a_redirect_error() -> None:
    client, _ = make_client(lambda request: httpx.Response(301, headers={"Location": "A:0"}))
    with pytest.raises(KustomerRedirectError, match="not a valid URL"):
        client.list_available()


def test_a_401_that_speaks_of_a_role_names_the_missing_role() -> None:
    body = {"errors": [{"status": "401", "code": "unauthorized", "detail": "Missing required role(s): org.admin.apps"}]}
    client, _ = make_client(lambda request: httpx.Response(401, json=body))
    with pytest.raises(KustomerPermissionError) as info:
        client.register_version(REGISTER)
    assert info.value.status_code == 401
    assert "lacks the role org.admin.apps" in str(info.value)


def test_an_undocumented_status_is_not_blamed_on_the_input() -> None:
    client, _ = make_client(lambda request: httpx.Response(405, text="Method Not Allowed"))
    with pytest.raises(KustomerUnexpectedAnswerError) as info:
        client.register_version(REGISTER)
    assert "answered 405: Method Not Allowed" in str(info.value)
    assert "fix that input" not in str(info.value)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, content=b""),
        httpx.Response(200, json={"data": {"attributes": {"clientSecret": "rotated.made.up.0123456789"}}}),
        httpx.Response(200, content=b"<html>ok</html>", headers={"Content-Type": "text/html"}),
    ],
    ids=["empty", "no-client-id", "html"],
)
def test_an_unreadable_mint_says_the_secret_was_probably_rotated(answer: httpx.Response) -> None:
    client, _ = make_client(lambda request: answer)
    with pytest.raises(KustomerMintUnreadableError) as info:
        client.mint_secret(NAME)
    message = str(info.value)
    assert info.value.secret_probably_rotated
    assert "probably generated it anyway" in message and "revokes the app's previous secret" in message
    assert "Run `pulumi up` again: it mints a new secret" in message
    assert "rotated.made.up.0123456789" not in message + repr(info.value)


def test_a_mint_whose_answer_is_lost_says_the_secret_may_be_rotated() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client, _ = make_client(handler, attempts=1)
    with pytest.raises(KustomerTransportError) as info:
        client.mint_secret(NAME)
    assert info.value.ambiguous and info.value.secret_probably_rotated
    assert "may have reached Kustomer" in str(info.value)


def test_a_mint_refused_before_it_was_sent_is_not_a_rotation() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client, _ = make_client(handler, attempts=1)
    with pytest.raises(KustomerTransportError) as info:
        client.mint_secret(NAME)
    assert not info.value.ambiguous and not info.value.secret_probably_rotated


def test_pages_end_at_a_null_next_link() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        page = int(request.url.params.get("page", "1"))
        meta = {"page": page, "pageSize": 1, "total": 2, "totalPages": 2}
        links = {"self": f"/v1/apps/available?page={page}&pageSize=1", "prev": None, "next": None}
        if page == 1:
            links["next"] = "/v1/apps/available?page=2&pageSize=1"
        return httpx.Response(200, json={"data": [available(f"a{page}_{ORG}", "1.0.0")], "meta": meta, "links": links})

    client, _ = make_client(handler)
    assert [a.name for a in client.list_available()] == [f"a1_{ORG}", f"a2_{ORG}"]
    assert seen == ["/v1/apps/available", "/v1/apps/available?page=2&pageSize=1"]


def test_a_next_link_carrying_a_token_is_never_printed() -> None:
    link = "https://evil.example/v1/apps/available?page=2&access_token=tok-0123456789abcdef"
    client, _ = make_client(lambda request: httpx.Response(200, json={"data": [], "links": {"next": link}}))
    with pytest.raises(KustomerUnexpectedAnswerError) as info:
        client.list_available()
    assert "another host (evil.example)" in str(info.value)
    assert "tok-0123456789abcdef" not in str(info.value)


@pytest.mark.parametrize(
    ("base_url", "api_key", "says"),
    [
        ("https://user:hunter2-password@acme.api.kustomerapp.com", API_KEY, "must not contain a user name or password"),
        ("https://acme.api.kustomerapp.com\n", API_KEY, "control characters"),
        ("https://acmé.api.kustomerapp.com", API_KEY, "xn--"),
        ("https://acme.api.kustomerapp.com:99999", API_KEY, "port"),
        ("https://acme.api.kustomerapp.com", "key-with-zero-width\u200b-space", "invisible"),
        ("https://acme.api.kustomerapp.com", "kéy-0123456789", "non-ASCII"),
    ],
)
def test_a_bad_base_url_or_key_is_a_config_error_that_shows_no_secret(base_url: str, api_key: str, says: str) -> None:
    with pytest.raises(KustomerConfigError, match=says) as info:
        KustomerClient(base_url=base_url, api_key=api_key)
    assert "hunter2-password" not in str(info.value)
    assert api_key not in str(info.value)


# -- a hard deadline per attempt and a cap on the answer, against a real socket server ------------------

QUICK = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02, total_budget=1.5, attempt_deadline=0.5)
#: Slack for a loaded machine (two cores shared by four developers) over the 1.5 s budget.
SLACK = 1.5


@pytest.fixture
def serve() -> Iterator[Callable[[Behaviour], MisbehavingServer]]:
    with ExitStack() as servers:
        yield lambda behaviour: servers.enter_context(serving(behaviour))


def deadline_client(url: str, **kwargs: Any) -> KustomerClient:
    return KustomerClient(base_url=url, api_key=API_KEY, retry=QUICK, seed=1, **kwargs)


@pytest.mark.parametrize("behaviour", [trickle_headers(), trickle_body()], ids=["headers", "body"])
def test_a_trickling_server_fails_within_the_budget(serve: Any, behaviour: Any) -> None:
    server = serve(behaviour)
    with deadline_client(server.url) as client:
        started = time.monotonic()
        with pytest.raises(KustomerTransportError, match="no complete answer within its deadline") as info:
            client.list_available()
        took = time.monotonic() - started
    assert took < QUICK.total_budget + SLACK, took
    assert took >= QUICK.attempt_deadline  # it did wait for the server, up to the deadline
    assert server.connections >= 2  # a GET that timed out is retried within the budget
    assert not info.value.retried_after_ambiguous  # a GET changes nothing


def test_a_trickled_post_is_an_ambiguous_failure(serve: Any) -> None:
    server = serve(trickle_headers())
    with deadline_client(server.url) as client:
        with pytest.raises(KustomerTransportError) as info:
            client.register_version(REGISTER)
    assert info.value.ambiguous and info.value.retried_after_ambiguous


def test_an_endless_body_stops_at_the_cap_with_bounded_memory(serve: Any) -> None:
    server = serve(endless_body)
    cap = 1024 * 1024
    with deadline_client(server.url, max_answer_bytes=cap) as client:
        tracemalloc.start()
        try:
            started = time.monotonic()
            with pytest.raises(KustomerUnexpectedAnswerError, match=r"larger than the 1 MiB") as info:
                client.list_available()
            took = time.monotonic() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert took < QUICK.total_budget + SLACK
    assert server.sent > cap  # the server kept sending; the client read up to the cap and hung up
    assert peak < 4 * cap, f"peak {peak} bytes for a cap of {cap}"
    assert info.value.status_code == 200
