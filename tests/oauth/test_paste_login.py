"""`login` when nothing on this machine can receive the redirect: the user pastes the address the browser landed
on, on stdin. For every platform (Kustomer included), chosen on its own when the redirect URI is not a loopback
http URI and by `--paste`; the `state` is checked (a wrong or missing one is refused before any token request),
an `error=` answer is explained, and no pasted text, whatever it is, ends in a traceback.

The simulator consents at once: the test's "browser" opens the authorize URL, reads where it is sent (the
redirect URI with the code and state), and pastes that address, as a person would copy it from the address bar.
"""

from __future__ import annotations

import io
import json
import socket
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kustomer_provider.oauth import main
from kustomer_provider.oauth.errors import OAuthHelperError
from kustomer_provider.oauth.paste import code_from_answer
from kustomer_provider.simulator import SimulatorProcess
from tests.support.oauth_helper import HELPER, TIMEOUT, call_api, free_port, helper_env, loopback_uri, make_app
from tests.support.paths import REPO_ROOT

HTTPS_REDIRECT = "https://app.example.com/oauth/callback"
API = {
    "kustomer": "/v1/users/current",
    "teamwork": "/teamwork/launchpad/v1/userinfo.json",
    "komerza": "/komerza/user",
    "apaleo": "/apaleo/account/v1/accounts/current",
}
SCOPES = {
    "kustomer": ["org.permission.customer.read", "offline_access"],
    "teamwork": [],
    "komerza": ["stores.view"],
    "apaleo": ["openid", "offline_access", "account.read"],
}
Paste = Callable[[str], str]


def landed(url: str) -> str:
    """Where the browser lands after the (automatic) approval: the authorize answer's redirect."""
    answer = httpx.get(url, follow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code == 302, answer.text
    location: str = answer.headers["location"]
    return location


def run(
    args: list[str], env: dict[str, str], paste: Paste = lambda address: address
) -> tuple[int, str, str, list[str]]:
    """The helper in-process; its 'browser' approves, and what `paste` makes of the landed address goes to stdin."""
    stdin = io.StringIO()
    opened: list[str] = []

    def browser(url: str) -> bool:
        opened.append(url)
        stdin.write(paste(landed(url)) + "\n")
        stdin.seek(0)
        return True

    out, err = io.StringIO(), io.StringIO()
    status = main(args, environ=env, stdout=out, stderr=err, open_browser=browser, stdin=stdin)
    return status, out.getvalue(), err.getvalue(), opened


def client_args(sim: SimulatorProcess, platform: str, redirect: str) -> tuple[list[str], dict[str, str]]:
    """`login` arguments and environment for a new client of `platform` registering `redirect` only."""
    if platform == "kustomer":
        app = make_app(sim, f"paste_{free_port()}", redirect_uris=[redirect])
        client_id, secret = app.client_id, app.client_secret
    else:
        made = sim.register_platform_client(platform, redirect_uris=[redirect], scopes=SCOPES[platform])
        client_id, secret = made["client_id"], made["client_secret"]
    args = ["login", "--platform", platform, "--base-url", sim.url, "--client-id", client_id]
    args += ["--redirect-uri", redirect, "--timeout", "10"]
    if SCOPES[platform]:
        args += ["--scopes", " ".join(SCOPES[platform])]
    return args, {"KUSTOMER_CLIENT_SECRET": secret}


def token_requests(sim: SimulatorProcess, since: int) -> list[str]:
    return [r["path"] for r in sim.requests(since) if r["method"] != "GET" or "/exchange/" in r["path"]]


@pytest.mark.parametrize("platform", ["kustomer", "teamwork", "komerza", "apaleo"])
def test_an_https_redirect_uri_is_finished_by_pasting_the_landed_address(
    auto_sim: SimulatorProcess, tmp_path: Path, platform: str
) -> None:
    args, env = client_args(auto_sim, platform, HTTPS_REDIRECT)
    token_file = tmp_path / "tokens.json"

    status, out, err, opened = run([*args, "--token-file", str(token_file)], env)

    assert status == 0, err
    assert "paste it here" in err and out == ""
    assert parse_qs(urlsplit(opened[0]).query)["redirect_uri"] == [HTTPS_REDIRECT]
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    tokens = json.loads(token_file.read_text())
    assert tokens["access_token"] not in err and env["KUSTOMER_CLIENT_SECRET"] not in err
    assert call_api(auto_sim, API[platform], tokens["access_token"]).status_code == 200


@pytest.mark.parametrize("platform", ["kustomer", "komerza"])
def test_paste_flag_skips_the_listener_and_just_the_query_is_enough(
    auto_sim: SimulatorProcess, tmp_path: Path, platform: str
) -> None:
    """`--paste` with a loopback redirect URI: nothing listens there (the port stays free), and the pasted
    `?code=...&state=...` part alone finishes the login."""
    port = free_port()
    redirect = loopback_uri(port)
    args, env = client_args(auto_sim, platform, redirect)
    token_file = tmp_path / "tokens.json"
    seen: list[str] = []

    def query_only(address: str) -> str:
        seen.append(address)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))  # free: the helper did not listen
        return "?" + urlsplit(address).query

    status, _, err, _ = run([*args, "--paste", "--token-file", str(token_file)], env, query_only)

    assert status == 0, err
    assert seen[0].startswith(redirect + "?")
    assert call_api(auto_sim, API[platform], json.loads(token_file.read_text())["access_token"]).status_code == 200


def with_state(address: str, state: str | None) -> str:
    parts = urlsplit(address)
    query = {k: v[0] for k, v in parse_qs(parts.query).items() if k != "state"}
    if state is not None:
        query["state"] = state
    return parts._replace(query=urlencode(query)).geturl()


@pytest.mark.parametrize("state", ["forged-state-of-another-login-000000000000", None])
def test_a_wrong_or_missing_state_is_refused_before_any_token_request(
    auto_sim: SimulatorProcess, tmp_path: Path, state: str | None
) -> None:
    args, env = client_args(auto_sim, "apaleo", HTTPS_REDIRECT)
    token_file = tmp_path / "tokens.json"
    since = auto_sim.last_request()

    status, _, err, _ = run([*args, "--token-file", str(token_file)], env, lambda address: with_state(address, state))

    assert status == 1
    assert ("does not match this login" if state else "has no state") in err and "refused" in err
    assert "Traceback" not in err and not token_file.exists()
    assert token_requests(auto_sim, since) == []  # the code was never sent


def test_an_error_answer_is_explained(auto_sim: SimulatorProcess, tmp_path: Path) -> None:
    """apaleo sends authorize errors back to the redirect URI (RFC 6749 §4.1.2.1): a scope the client does not
    register comes back as error=invalid_scope, which the helper explains."""
    args, env = client_args(auto_sim, "apaleo", HTTPS_REDIRECT)
    args[args.index("--scopes") + 1] = "openid reservations.manage"

    status, _, err, _ = run(args, env)

    assert status == 1
    assert "apaleo answered error=invalid_scope" in err and "ask only for scopes the app registers" in err


def test_pasting_another_address_says_what_to_paste(auto_sim: SimulatorProcess, tmp_path: Path) -> None:
    args, env = client_args(auto_sim, "komerza", HTTPS_REDIRECT)
    status, _, err, _ = run(args, env, lambda address: "https://dashboard.komerza.com/auth/authorize?state=x&code=y")
    assert status == 2 and "is not the redirect URI https://app.example.com/oauth/callback" in err


def test_apaleo_refuses_an_http_redirect_uri_before_anything_is_sent(auto_sim: SimulatorProcess) -> None:
    """The helper no longer sends apaleo users to a loopback http URI, which apaleo refuses [seed]."""
    args, env = client_args(auto_sim, "apaleo", HTTPS_REDIRECT)
    args[args.index("--redirect-uri") + 1] = "http://127.0.0.1:8765/callback"
    since = auto_sim.last_request()
    status, _, err, opened = run(args, env)
    assert status == 2 and "apaleo takes https redirect URIs only" in err and "--redirect-uri" in err
    assert opened == [] and auto_sim.requests(since) == []


def test_the_real_stdin_of_the_command(auto_sim: SimulatorProcess, tmp_path: Path) -> None:
    """`python -m kustomer_provider.oauth login --no-browser`: the URL on stdout, the address fed to its stdin."""
    args, env = client_args(auto_sim, "teamwork", HTTPS_REDIRECT)
    token_file = tmp_path / "tokens.json"
    with subprocess.Popen(
        [*HELPER, *args, "--no-browser", "--token-file", str(token_file)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=helper_env({**env}, home=tmp_path),
        cwd=REPO_ROOT,
    ) as proc:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        out, err = proc.communicate(landed(url) + "\n", timeout=30)
    assert proc.returncode == 0, err
    assert out == "" and "Open this URL" in err
    assert call_api(auto_sim, API["teamwork"], json.loads(token_file.read_text())["access_token"]).status_code == 200


# --- hostile text ---------------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_any_pasted_text_is_a_clear_error_never_a_traceback_nor_a_request(text: str) -> None:
    """Whatever is pasted (it cannot hold this login's fresh state), login ends with an error message and exit
    status 1 or 2, and sends nothing: the transport below fails the test if called."""
    sent: list[httpx.Request] = []

    def transport(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    args = ["login", "--platform", "apaleo", "--base-url", "http://127.0.0.1:9", "--client-id", "c"]
    args += ["--redirect-uri", HTTPS_REDIRECT, "--no-browser", "--timeout", "5"]
    out, err = io.StringIO(), io.StringIO()
    status = main(
        args,
        environ={"KUSTOMER_CLIENT_SECRET": "made-up-secret"},
        stdout=out,
        stderr=err,
        transport=httpx.MockTransport(transport),
        stdin=io.StringIO(text + "\n"),
    )
    assert status in (1, 2)
    assert err.getvalue().splitlines()[-1].startswith("error: ")
    assert sent == []


STATE = "s" * 43


@settings(max_examples=300)
@given(
    code=st.text(min_size=1, max_size=80),
    extra=st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=3),
    shape=st.sampled_from(["address", "query", "bare-query"]),
)
def test_the_answer_reader_returns_exactly_the_code_or_a_helper_error(
    code: str, extra: dict[str, str], shape: str
) -> None:
    """Any code, any other fields: the reader gives back the very code sent with this login's state, or refuses
    with the helper's own error (a code with control characters, a field repeated, an error answer).

    The code returned is registered for redaction, process-wide: a prefix keeps the generated ones from
    redacting ordinary words in the messages of the tests that run after this one."""
    code = "pasted-code-" + code
    fields: dict[str, Any] = {**extra, "code": code, "state": STATE}
    query = urlencode(fields)
    text = {"address": f"{HTTPS_REDIRECT}?{query}", "query": f"?{query}", "bare-query": query}[shape]
    try:
        got = code_from_answer(text, state=STATE, redirect_uri=HTTPS_REDIRECT, title="apaleo")
    except OAuthHelperError as exc:
        assert str(exc)
        return
    assert got == code
