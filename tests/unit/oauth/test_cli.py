"""The helper's command line (``main``): login and verify against a real org's hosts played by
``httpx.MockTransport`` (shared/kustomer-api.md), so the host rules are checked without a network; missing
inputs, and ``stackone``'s fields."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from kustomer_provider.assumptions import CLIENT_SECRET_PROBE_REFRESH_TOKEN
from kustomer_provider.oauth import main
from kustomer_provider.oauth.pkce import code_challenge
from kustomer_provider.oauth.tokens import write_token_file
from tests.support.oauth_data import SIM, stack_outputs, tokens
from tests.support.oauth_helper import free_port


class FakeOrg:
    """Kustomer's token endpoint at the org's API host, and a browser that approves at once."""

    def __init__(self, token_host: str, *, fail: tuple[int, dict[str, Any]] | None = None) -> None:
        self.token_host = token_host
        self.fail = fail
        self.authorize_urls: list[str] = []
        self.forms: list[dict[str, str]] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.url.host == self.token_host and request.url.path == "/oauth/token"
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.forms.append(form)
        if self.fail:
            return httpx.Response(self.fail[0], json=self.fail[1])
        return httpx.Response(
            200,
            json={
                "scope": "org.permission.customer.read offline_access",
                "token_type": "bearer",
                "access_token": f"org-access-{len(self.forms)}",
                "expires_in": 86400,
                "refresh_token": f"org-refresh-{len(self.forms)}",
            },
        )

    def browser(self, url: str) -> bool:
        """Approve: deliver a code with the state to the redirect URI, from another thread (as a browser)."""
        self.authorize_urls.append(url)
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        target = f"{query['redirect_uri']}?code=org-code-1&state={query['state']}"
        threading.Thread(target=httpx.get, args=(target,), kwargs={"timeout": 5}, daemon=True).start()
        return True


def login_args(tmp_path: Path, *extra: str) -> list[str]:
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    args = ["login", "--client-id", "org-client", "--redirect-uri", redirect, "--timeout", "10"]
    return [*args, "--token-file", str(tmp_path / "t.json"), *extra]


@pytest.mark.parametrize(
    ("flags", "authorize_prefix", "token_host"),
    [
        (["--org", "acme"], "https://acme.kustomerapp.com/oauth/authorize?", "acme.api.kustomerapp.com"),
        (
            ["--org", "acme", "--legacy-hosts"],
            "https://api.apps.kustomerapp.com/oauth/authorize?",
            "api.apps.kustomerapp.com",
        ),
    ],
)
def test_login_against_a_real_orgs_hosts(
    tmp_path: Path, flags: list[str], authorize_prefix: str, token_host: str
) -> None:
    org = FakeOrg(token_host)
    out, err = io.StringIO(), io.StringIO()
    status = main(
        login_args(tmp_path, *flags),
        environ={"KUSTOMER_CLIENT_SECRET": "org-client-secret"},
        stdout=out,
        stderr=err,
        transport=httpx.MockTransport(org.handler),
        open_browser=org.browser,
    )
    assert status == 0, err.getvalue()
    url = org.authorize_urls[0]
    assert url.startswith(authorize_prefix)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    form = org.forms[0]
    assert form["grant_type"] == "authorization_code" and form["code"] == "org-code-1"
    assert form["client_id"] == "org-client" and form["client_secret"] == "org-client-secret"
    assert form["redirect_uri"] == query["redirect_uri"]
    assert code_challenge(form["code_verifier"]) == query["code_challenge"]  # PKCE S256 round trip
    saved = json.loads((tmp_path / "t.json").read_text())
    assert saved["access_token"] == "org-access-1" and saved["api_base_url"] == "https://acme.api.kustomerapp.com"
    assert "org-access-1" not in out.getvalue() + err.getvalue()
    assert "org-client-secret" not in out.getvalue() + err.getvalue()


def test_token_endpoint_refusals_are_redacted_and_say_what_to_do(tmp_path: Path) -> None:
    # A server that echoes the secret back in its description must not get it printed.
    org = FakeOrg(
        "acme.api.kustomerapp.com",
        fail=(401, {"error": "invalid_client", "error_description": "Invalid client secret org-client-secret"}),
    )
    err = io.StringIO()
    status = main(
        login_args(tmp_path, "--org", "acme"),
        environ={"KUSTOMER_CLIENT_SECRET": "org-client-secret"},
        stdout=io.StringIO(),
        stderr=err,
        transport=httpx.MockTransport(org.handler),
        open_browser=org.browser,
    )
    assert status == 1
    text = err.getvalue()
    assert "401 invalid_client: Invalid client secret [REDACTED]" in text
    assert "rotated" in text and "org-client-secret" not in text and "org-code-1" not in text
    assert not (tmp_path / "t.json").exists()


def test_missing_inputs_exit_2_with_the_ways_to_give_them(tmp_path: Path) -> None:
    err = io.StringIO()
    assert main(["login", "--base-url", SIM], environ={}, stdout=io.StringIO(), stderr=err) == 2
    assert "No client id" in err.getvalue() and "KUSTOMER_CLIENT_ID" in err.getvalue()
    err = io.StringIO()
    assert main(["login", "--base-url", SIM, "--client-id", "c"], environ={}, stdout=io.StringIO(), stderr=err) == 2
    assert "KUSTOMER_CLIENT_SECRET" in err.getvalue()
    err = io.StringIO()
    args = ["login", "--from-stack", "--outputs-file", str(tmp_path / "o.json")]
    (tmp_path / "o.json").write_text(json.dumps(stack_outputs(redirectUris=[])))
    assert main(args, environ={}, stdout=io.StringIO(), stderr=err) == 2
    assert "registers no redirect URI" in err.getvalue()
    # Only an https redirect URI: nothing can listen there, so login asks for the pasted address; none comes.
    err = io.StringIO()
    (tmp_path / "o.json").write_text(json.dumps(stack_outputs(redirectUris=["https://example.com/cb"])))
    assert main(args, environ={}, stdout=io.StringIO(), stderr=err, stdin=io.StringIO("")) == 2
    assert "paste it here" in err.getvalue() and "No answer was pasted: stdin ended" in err.getvalue()
    with pytest.raises(SystemExit) as exit_info:
        main(["login", "--timeout", "0"], environ={}, stdout=io.StringIO(), stderr=io.StringIO())
    assert exit_info.value.code == 2


def test_stackone_fields_hide_the_secret_unless_asked(tmp_path: Path) -> None:
    outputs = tmp_path / "o.json"
    outputs.write_text(json.dumps(stack_outputs()))
    out = io.StringIO()
    assert main(["stackone", "--outputs-file", str(outputs)], environ={}, stdout=out, stderr=io.StringIO()) == 0
    assert "Client ID:         stack-client-id" in out.getvalue()
    assert "fake-stack-secret" not in out.getvalue() and "--show-secret" in out.getvalue()
    out = io.StringIO()
    main(["stackone", "--outputs-file", str(outputs), "--show-secret"], environ={}, stdout=out, stderr=io.StringIO())
    assert "Client Secret:     fake-stack-secret" in out.getvalue()

    outputs.write_text(json.dumps(stack_outputs(redirectUris=["http://127.0.0.1:8765/callback"])))
    err = io.StringIO()
    assert main(["stackone", "--outputs-file", str(outputs)], environ={}, stdout=io.StringIO(), stderr=err) == 1
    assert "does not register StackOne's callback" in err.getvalue()


def test_verify_against_a_real_orgs_hosts(tmp_path: Path) -> None:
    """Authorize redirects to a sign-in page (accepted), the secret probe gets invalid_grant (accepted), and
    a token file of another client is reported, all at the org's documented hosts."""
    seen: list[str] = []

    def org(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.host}{request.url.path}")
        if request.url.path == "/oauth/authorize":
            return httpx.Response(302, headers={"location": "https://acme.kustomerapp.com/login"})
        if request.url.path == "/oauth/token":
            form = parse_qs(request.content.decode())
            assert form["refresh_token"] == [
                CLIENT_SECRET_PROBE_REFRESH_TOKEN
            ]  # the provider's probe, the same decision
            return httpx.Response(400, json={"error": "invalid_grant", "error_description": "Invalid refresh token"})
        raise AssertionError(f"unexpected {request.url}")

    token_file = tmp_path / "t.json"
    write_token_file(token_file, tokens(client_id="someone-else"))
    out, err = io.StringIO(), io.StringIO()
    args = ["verify", "--org", "acme", "--client-id", "org-client", "--token-file", str(token_file)]
    args += ["--redirect-uri", "https://api.stackone.com/connect/oauth2/kustomer/callback"]
    status = main(
        args,
        environ={"KUSTOMER_CLIENT_SECRET": "org-client-secret"},
        stdout=out,
        stderr=err,
        transport=httpx.MockTransport(org),
    )

    assert status == 1
    assert seen == ["GET acme.kustomerapp.com/oauth/authorize", "POST acme.api.kustomerapp.com/oauth/token"]
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("ok") and "302 redirect to acme.kustomerapp.com" in lines[0]
    assert lines[1].startswith("ok") and "client secret: accepted" in lines[1]
    assert lines[2].startswith("FAIL") and f"the token file {token_file} holds tokens of another client" in lines[2]
    assert "1 of 3 checks failed" in err.getvalue()
