"""No secret in any message: every error path is provoked and every message and log line is searched.

Secrets: the API key, client secrets, OAuth access and refresh tokens, authorization codes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import httpx
import pytest

from kustomer_provider.client import NO_RETRY, KustomerClient, RetryPolicy
from kustomer_provider.connection import resolve_connection
from kustomer_provider.errors import KustomerError
from kustomer_provider.simulator import SimulatorProcess, SimulatorSettings
from tests.support.scripted_api import scripted_client as scripted_api_client

API_KEY = "hygiene-api-key-7f3a9c2e"
CLIENT_SECRET = "hygiene-client-secret-41d8cd98f00b"
ACCESS_TOKEN = "hygiene-access-token-e3b0c442"
REFRESH_TOKEN = "hygiene-refresh-token-9e107d9d"
CODE = "hygiene-auth-code-a87ff679"
SECRETS = (API_KEY, CLIENT_SECRET, ACCESS_TOKEN, REFRESH_TOKEN, CODE)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG):
        yield caplog


def assert_clean(texts: list[str]) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"a secret leaked into: {text[:200]}"


def messages_of(error: BaseException) -> list[str]:
    texts = [str(error), repr(error)]
    for attribute in ("detail", "path"):
        value = getattr(error, attribute, None)
        if value:
            texts.append(str(value))
    return texts


# An answer that echoes every secret back, in the body and the headers, as a careless server might.
ECHO = {
    "errors": [
        {
            "status": "400",
            "code": "bad",
            "title": "Bad",
            "detail": (
                f"got Authorization: Bearer {API_KEY} and clientSecret {CLIENT_SECRET}; "
                f'{{"clientSecret": "{CLIENT_SECRET}", "access_token": "{ACCESS_TOKEN}", '
                f'"refresh_token": "{REFRESH_TOKEN}"}} redirect https://app.example/cb?code={CODE}&state=x'
            ),
        }
    ]
}


def scripted_client(handler: Callable[[httpx.Request], httpx.Response]) -> KustomerClient:
    """A client whose every answer comes from ``handler``; one retry, no waiting."""
    return scripted_api_client(handler, api_key=API_KEY, retry=RetryPolicy(max_attempts=2), sleep=lambda s: None)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 429, 500, 502, 503])
def test_echoed_secrets_are_redacted_from_api_errors(status: int, logs: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if status == 502:
            return httpx.Response(502, text=f"<html>upstream said Bearer {API_KEY} code={CODE}</html>")
        return httpx.Response(status, json=ECHO, headers={"Retry-After": "0"})

    client = scripted_client(handler)
    with client, pytest.raises(KustomerError) as info:
        client.register_version({"app": "a", "version": "1.0.0", "title": "t", "secretish": CLIENT_SECRET})
    assert_clean(messages_of(info.value) + [r.getMessage() for r in logs.records])


@pytest.mark.parametrize(
    "exception",
    [httpx.ConnectError, httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.WriteError, httpx.PoolTimeout],
)
def test_httpx_errors_are_converted_and_redacted(
    exception: Callable[..., httpx.TransportError], logs: pytest.LogCaptureFixture
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exception(f"failed with headers {dict(request.headers)} and code={CODE}", request=request)

    client = scripted_client(handler)
    with client, pytest.raises(KustomerError) as info:
        client.list_available()
    assert info.value.__cause__ is None and info.value.__suppress_context__  # the raw httpx error is not chained
    assert_clean(messages_of(info.value) + [r.getMessage() for r in logs.records])


def test_config_errors_never_echo_the_key() -> None:
    for bad in (f"Bearer {API_KEY}", f"{API_KEY} trailing"):
        with pytest.raises(KustomerError) as info:
            resolve_connection({"kustomer:apiKey": bad, "kustomer:orgName": "acme"}, {})
        assert_clean(messages_of(info.value))


@pytest.fixture
def sim() -> Iterator[SimulatorProcess]:
    with SimulatorProcess(["--install-ms", "50", "--api-key", API_KEY]) as process:
        yield process


def test_every_error_path_against_the_simulator(sim: SimulatorProcess, logs: pytest.LogCaptureFixture) -> None:
    texts: list[str] = []

    def provoke(action: Callable[[], object]) -> None:
        with pytest.raises(KustomerError) as info:
            action()
        texts.extend(messages_of(info.value))

    quick = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, total_budget=5.0)
    with KustomerClient(base_url=sim.url, api_key=API_KEY, retry=quick) as client:
        registered = client.register_version(
            {"app": "hygiene", "version": "1.0.0", "title": "t", "visibility": "private"}
        )
        provoke(lambda: client.mint_secret(registered.name))  # not installed yet: refused, nothing minted
        client.install(registered.name, "1.0.0")
        client.wait_for_install(registered.name, "1.0.0", timeout=10)
        minted = client.mint_secret(registered.name)
        secret = minted.client_secret.get_secret_value()
        provoke(lambda: client.register_version({"app": "hygiene", "version": "1.0.0", "title": "t"}))  # 409
        provoke(lambda: client.register_version({"app": "hygiene", "version": "0.9.0", "title": "t"}))  # outdated
        provoke(lambda: client.register_version({"app": "hygiene", "version": "2.0.0", "title": "t", "x": 1}))
        provoke(lambda: client.mint_secret("nothing_here"))  # 404
        provoke(lambda: client.install("nothing_here", "1.0.0"))
        sim.set_faults(install_fail=["hygiene"])
        client.register_version({"app": "hygiene", "version": "1.1.0", "title": "t", "visibility": "private"})
        client.install(registered.name, "1.1.0")
        provoke(lambda: client.wait_for_install(registered.name, "1.1.0", timeout=10))  # install_failed
        provoke(lambda: client.wait_for_installs({registered.name: "1.1.0"}, timeout=10))  # the same, for many
        sim.set_faults(install_fail=[], install_ms=60_000)
        client.register_version({"app": "hygiene", "version": "1.2.0", "title": "t", "visibility": "private"})
        client.install(registered.name, "1.2.0")
        provoke(lambda: client.wait_for_install(registered.name, "1.2.0", timeout=0.3))  # timeout
        provoke(lambda: client.wait_for_installs({registered.name: "1.2.0"}, timeout=0.3))  # timeout, for many
        sim.set_faults(fail_rate=1.0)
        provoke(client.list_available)  # 5xx after retries
        sim.set_faults(fail_rate=0.0, rate_limit=1, rate_window_s=60)  # this window's budget is already spent
        provoke(client.list_installed)  # 429 beyond the budget (Retry-After ~60 s > budget)
        sim.set_faults(rate_limit=0, drop_after_commit_rate=1.0)
    with KustomerClient(base_url=sim.url, api_key=API_KEY, retry=NO_RETRY) as client:
        provoke(lambda: client.mint_secret(registered.name))  # the answer with the new secret is dropped
    sim.set_faults(drop_after_commit_rate=0.0)
    with KustomerClient(base_url=sim.url, api_key="hygiene-wrong-key-0000", retry=quick) as client:
        provoke(client.list_available)  # 401
    sim.add_key("hygiene-no-roles-key-1111", [])
    with KustomerClient(base_url=sim.url, api_key="hygiene-no-roles-key-1111", retry=quick) as client:
        provoke(lambda: client.register_version({"app": "other", "version": "1.0.0", "title": "t"}))  # 403
    with KustomerClient(base_url="http://127.0.0.1:9", api_key=API_KEY, retry=quick) as client:
        provoke(client.list_available)  # connection refused

    assert len(texts) >= 27
    everything = texts + [r.getMessage() for r in logs.records] + [sim.stderr_text()]
    assert_clean(everything)
    for text in everything:
        assert secret not in text
        assert "hygiene-wrong-key-0000" not in text and "hygiene-no-roles-key-1111" not in text


def test_the_simulator_binds_loopback_and_refuses_requests_without_a_valid_key(sim: SimulatorProcess) -> None:
    assert SimulatorSettings().host == "127.0.0.1"
    assert httpx.URL(sim.url).host == "127.0.0.1"
    for headers in ({}, {"Authorization": "Bearer not-a-key"}, {"Authorization": API_KEY}):
        answer = httpx.get(f"{sim.url}/v1/apps/available", headers=headers)
        assert answer.status_code == 401
        assert API_KEY not in answer.text
    state = json.dumps(sim.state())
    assert API_KEY not in state
