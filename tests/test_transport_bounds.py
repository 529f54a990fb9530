"""Every network call of the package goes through the one outbound transport; a test per class and entry point.

The entry points: the Kustomer API client, the OAuth helper's token requests (Kustomer's flow and another
platform's) and ``RegisteredOAuthClient``'s verification (run in ``up`` and ``refresh``).

- A server on a real loopback socket that trickles **a byte every second** (headers, or body) ends at the
  per-attempt deadline: each byte comes well within any read timeout, so nothing else could end it; the server
  sees the client hang up.
- An **endless answer** is cut at the 4 MiB cap, with memory bounded (tracemalloc).
- A URL the rules refuse (http to a remote host or to ``0.0.0.0``, user info) fails before anything is sent,
  naming where it came from: a flag, the stack outputs' ``tokenUrl``, a token file, the registered client's
  endpoint. The helper never points the browser at ``javascript:``, ``file:``, ``data:`` or a stranger's host.

No timed assertions: a deadline shows by ending a request that would otherwise never end.
"""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from kustomer_provider.client import KustomerClient, RetryPolicy
from kustomer_provider.errors import KustomerConfigError, KustomerTransportError, KustomerUnexpectedAnswerError
from kustomer_provider.oauth import main
from kustomer_provider.oauth.client import OAuthClient
from kustomer_provider.oauth.errors import OAuthEndpointError
from kustomer_provider.oauth.platform_flow import PlatformFlow
from kustomer_provider.oauth.tokens import write_token_file
from kustomer_provider.outbound import MAX_ANSWER_BYTES, OutboundURLError, outbound_client
from kustomer_provider.platform_inputs import RegisteredClientInputs
from kustomer_provider.platforms import get_platform
from kustomer_provider.registered_client import verify_client
from tests.support.oauth_data import stack_outputs, tokens
from tests.support.oauth_helper import free_port
from tests.support.registered_clients import inputs
from tests.support.slow_servers import endless_body, serving, trickle_body, trickle_headers

API_KEY = "bounds-api-key-0123456789"
SECRET = "bounds-client-secret-7a9c31e4"
#: Short enough for a test, long enough for the trickle to have sent a few bytes.
DEADLINE = 2.5
#: One try, so that each test shows one attempt ending at its deadline.
ONE_TRY = RetryPolicy(max_attempts=1, attempt_deadline=DEADLINE)
TIMEOUT = httpx.Timeout(30.0, connect=10.0)

# -- each entry point, pointed at a server: the error (or verification) text it ends with ----------------------


def kustomer_client(url: str, deadline: float) -> str:
    with KustomerClient(
        base_url=url, api_key=API_KEY, retry=RetryPolicy(max_attempts=1, attempt_deadline=deadline)
    ) as c:
        with pytest.raises((KustomerTransportError, KustomerUnexpectedAnswerError)) as caught:
            c.list_available()
    return str(caught.value)


def helper_token_request(url: str, deadline: float) -> str:
    with OAuthClient(attempt_deadline=deadline) as client:
        with pytest.raises(OAuthEndpointError) as caught:
            client.exchange_code(
                f"{url}/oauth/token",
                client_id="cid",
                client_secret=SECRET,
                code="code-1",
                redirect_uri="http://127.0.0.1:8765/callback",
                code_verifier="v" * 43,
                api_base_url=url,
            )
    return str(caught.value)


def platform_token_request(url: str, deadline: float) -> str:
    flow = PlatformFlow(get_platform("komerza"), url)
    with outbound_client(timeout=TIMEOUT, attempt_deadline=deadline) as http:
        with pytest.raises(OAuthEndpointError) as caught:
            flow.exchange_code(
                http,
                client_id="cid",
                client_secret=SECRET,
                code="code-1",
                redirect_uri="http://127.0.0.1:8765/callback",
                code_verifier=None,
                origin=None,
            )
    return str(caught.value)


def registered_client_verification(url: str, deadline: float) -> str:
    return verify_client(inputs("apaleo", endpoint_base_url=url), attempt_deadline=deadline)


ENTRY_POINTS: dict[str, Callable[[str, float], str]] = {
    "kustomer-client": kustomer_client,
    "helper-token": helper_token_request,
    "platform-token": platform_token_request,
    "registered-client-verify": registered_client_verification,
}
TIMED_OUT = {
    "kustomer-client": "got no complete answer within its deadline",
    "helper-token": "got no complete answer within its deadline",
    "platform-token": "got no complete answer within its deadline",
    "registered-client-verify": "could not verify: apaleo's token endpoint got no complete answer within its deadline",
}
TOO_LARGE = {
    "kustomer-client": "a body larger than the 4 MiB this client reads",
    "helper-token": "answered with a body larger than the 4 MiB cap",
    "platform-token": "answered with a body larger than the 4 MiB cap",
    "registered-client-verify": "could not verify: apaleo's token endpoint answered with a body larger than the 4 MiB",
}


@pytest.mark.parametrize("part", ["headers", "body"])
@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_a_server_trickling_a_byte_a_second_ends_at_the_deadline(entry: str, part: str) -> None:
    trickle = trickle_headers(every=1.0) if part == "headers" else trickle_body(every=1.0)
    with serving(trickle) as server:
        said = ENTRY_POINTS[entry](server.url, DEADLINE)
        assert server.hung_up.acquire(timeout=60), "the server never saw the client hang up"
    assert TIMED_OUT[entry] in said, said
    assert server.connections == 1 and server.sent >= 1  # one attempt, which the server did answer slowly
    assert SECRET not in said and API_KEY not in said


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_an_endless_answer_is_cut_at_the_cap_with_memory_bounded(entry: str) -> None:
    with serving(endless_body) as server:
        tracemalloc.start()
        try:
            said = ENTRY_POINTS[entry](server.url, 60.0)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert server.hung_up.acquire(timeout=60), "the server never saw the client hang up"
    assert TOO_LARGE[entry] in said, said
    assert server.sent > MAX_ANSWER_BYTES  # it kept sending; the client read up to the cap and hung up
    assert peak < 4 * MAX_ANSWER_BYTES, f"peak {peak} bytes for a cap of {MAX_ANSWER_BYTES}"


# -- refused before anything is sent ---------------------------------------------------------------------------


class Network:
    """What reached the (scripted) network: nothing, in every test below."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(400, json={"error": "invalid_grant"})

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)


def run_helper(args: list[str], network: Network, opened: list[str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(
        args,
        environ={"KUSTOMER_CLIENT_SECRET": SECRET},
        stdout=out,
        stderr=err,
        transport=network.transport,
        open_browser=(opened.append if opened is not None else lambda url: True),  # type: ignore[arg-type,func-returns-value]
    )
    return status, out.getvalue(), err.getvalue()


REMOTE_HTTP = "http://api.komerza.example"
WILDCARD_HTTP = "http://0.0.0.0:8787"
USERINFO = "https://user:hunter2-pw@identity.apaleo.com"


@pytest.mark.parametrize(
    "base_url", [REMOTE_HTTP, WILDCARD_HTTP, USERINFO], ids=["remote-http", "wildcard", "userinfo"]
)
@pytest.mark.parametrize("command", ["verify", "login"])
@pytest.mark.parametrize("platform", ["komerza", "apaleo"])
def test_the_helper_refuses_another_platforms_base_url_before_sending_the_secret(
    tmp_path: Path, platform: str, command: str, base_url: str
) -> None:
    network, opened = Network(), []
    args = [command, "--platform", platform, "--base-url", base_url, "--client-id", "cid"]
    args += ["--token-file", str(tmp_path / "t.json"), "--redirect-uri", f"http://127.0.0.1:{free_port()}/callback"]
    status, out, err = run_helper(args, network, opened)
    assert status == 2 and "--base-url is refused" in err, err
    assert network.requests == [] and opened == []
    assert SECRET not in out + err and "hunter2-pw" not in out + err


@pytest.mark.parametrize(
    "base_url", [REMOTE_HTTP, WILDCARD_HTTP, USERINFO], ids=["remote-http", "wildcard", "userinfo"]
)
def test_the_helper_refuses_kustomers_base_url_too(tmp_path: Path, base_url: str) -> None:
    network = Network()
    status, out, err = run_helper(["verify", "--base-url", base_url, "--client-id", "cid"], network)
    assert status == 2 and "--base-url" in err, err
    assert network.requests == [] and "hunter2-pw" not in out + err


@pytest.mark.parametrize("token_url", ["http://evil.example/oauth/token", "http://0.0.0.0:8787/oauth/token"])
def test_an_outputs_file_with_a_plain_http_token_url_never_gets_the_secret(tmp_path: Path, token_url: str) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(stack_outputs(tokenUrl=token_url, clientSecret=SECRET)))
    network = Network()
    status, out, err = run_helper(
        ["verify", "--outputs-file", str(outputs), "--token-file", str(tmp_path / "t")], network
    )
    assert status == 2 and "the stack outputs' apps.stackone_link.tokenUrl is refused" in err, err
    assert network.requests == [] and SECRET not in out + err


def test_a_token_files_endpoints_are_held_to_the_rules(tmp_path: Path) -> None:
    # `refresh` without endpoints sends the refresh token and the secret to the file's token_url.
    kustomer_file = tmp_path / "kustomer.json"
    write_token_file(kustomer_file, tokens(token_url="http://evil.example/oauth/token"))
    network = Network()
    status, _, err = run_helper(["refresh", "--token-file", str(kustomer_file)], network)
    assert status == 2 and f"`token_url` of the token file {kustomer_file} is refused" in err, err
    # `verify` of another platform sends the access token to the file's api_check_url.
    apaleo_file = tmp_path / "apaleo.json"
    write_token_file(
        apaleo_file, tokens(platform="apaleo", client_id="cid", api_check_url="http://evil.example/api/v1/me")
    )
    status, out, err = run_helper(
        ["verify", "--platform", "apaleo", "--client-id", "cid", "--token-file", str(apaleo_file)], network
    )
    assert status == 2 and f"`api_check_url` of the token file {apaleo_file} is refused" in err, err
    sent_to = {request.url.host for request in network.requests}
    assert "evil.example" not in sent_to  # the secret check went to apaleo's own host, the token nowhere
    assert "access-token-value-1" not in out + err


def test_the_kustomer_client_and_the_helper_client_refuse_at_the_transport() -> None:
    network = Network()
    with KustomerClient(
        base_url="https://acme.api.kustomerapp.com", api_key=API_KEY, transport=network.transport
    ) as client:
        with pytest.raises(OutboundURLError, match="refused before it was sent"):
            client.probe_client_secret("cid", SECRET, token_url="http://evil.example/oauth/token")
    with OAuthClient(transport=network.transport) as helper:
        with pytest.raises(OutboundURLError, match="refused before it was sent"):
            helper.refresh(tokens(), client_id="cid", client_secret=SECRET, token_url="http://0.0.0.0:8787/t")
    assert network.requests == []
    for base_url in (REMOTE_HTTP, WILDCARD_HTTP, USERINFO):
        with pytest.raises(KustomerConfigError, match="kustomer:baseUrl"):
            KustomerClient(base_url=base_url, api_key=API_KEY, transport=network.transport)


@pytest.mark.parametrize("endpoint", [WILDCARD_HTTP, REMOTE_HTTP, "https://u:p@identity.apaleo.com"])
def test_the_registered_clients_verification_refuses_its_endpoint_before_sending(endpoint: str) -> None:
    # The resource's input model refuses these already; the verification holds the rule on its own too.
    valid = inputs("apaleo")
    unchecked = RegisteredClientInputs.model_construct(**{**valid.model_dump(), "endpoint_base_url": endpoint})
    network = Network()
    with pytest.raises(
        OutboundURLError, match=r"The verification of the apaleo client unit-client at endpoint_base_url"
    ):
        verify_client(unchecked, transport=network.transport)
    assert network.requests == []


# -- the browser -------------------------------------------------------------------------------------------------


def login_from(
    tmp_path: Path, outputs: dict[str, Any], *flags: str, redirect_uri: str | None = None
) -> tuple[int, str, str, list[str], Network]:
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps(outputs))
    network, opened = Network(), []
    args = ["login", "--outputs-file", str(outputs_file), "--token-file", str(tmp_path / "t.json"), "--timeout", "5"]
    args += ["--redirect-uri", redirect_uri or f"http://127.0.0.1:{free_port()}/callback", *flags]
    status, out, err = run_helper(args, network, opened)
    return status, out, err, opened, network


@pytest.mark.parametrize(
    "authorize_url",
    [
        "javascript:alert(document.cookie)//",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "https://evil.example/oauth/authorize",
    ],
)
@pytest.mark.parametrize("no_browser", [False, True], ids=["browser", "printed"])
def test_login_outputs_file_never_opens_or_prints_a_foreign_url(
    tmp_path: Path, authorize_url: str, no_browser: bool
) -> None:
    flags = ["--no-browser"] if no_browser else []
    status, out, err, opened, network = login_from(tmp_path, stack_outputs(authorizeUrl=authorize_url), *flags)
    assert status == 2 and "authorizeUrl" in err and "is refused" in err, err
    assert opened == [] and out == "" and network.requests == []


def test_another_platforms_authorize_page_opens_only_on_its_host_or_the_configured_one(tmp_path: Path) -> None:
    entry = {
        "platform": "apaleo",
        "clientId": "cid",
        "clientSecret": SECRET,
        "authorizeUrl": "https://evil.example/apaleo/connect/authorize",
        "tokenUrl": "https://evil.example/apaleo/connect/token",
        "redirectUris": ["https://pms.example.com/callback"],  # apaleo takes https only: the paste path
        "scopes": ["openid"],
    }
    status, out, err, opened, _ = login_from(
        tmp_path, {"registeredClients": {"pms": entry}}, redirect_uri=entry["redirectUris"][0]
    )
    assert status == 2 and "The authorize URL to open in the browser is refused" in err and "identity.apaleo.com" in err
    assert opened == [] and out == ""
