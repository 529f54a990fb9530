"""The helper's parts on their own: PKCE, inputs, the token file, the loopback server, the HTTP side.

A real org is played by ``httpx.MockTransport`` at Kustomer's hosts (shared/kustomer-api.md), so the
host rules are checked without a network.
"""

from __future__ import annotations

import ast
import io
import json
import os
import socket
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import kustomer_provider.oauth as oauth
from kustomer_provider.assumptions import CLIENT_SECRET_PROBE_REFRESH_TOKEN
from kustomer_provider.oauth import main
from kustomer_provider.oauth.errors import OAuthCallbackError, OAuthEndpointError, OAuthInputError
from kustomer_provider.oauth.inputs import parse_scopes, resolve_inputs, select_app
from kustomer_provider.oauth.loopback import LoopbackServer
from kustomer_provider.oauth.pkce import code_challenge, new_pkce, new_state
from kustomer_provider.oauth.tokens import TokenSet, read_token_file, write_token_file
from tests.support.oauth_helper import REPO_ROOT, free_port

SIM = "http://127.0.0.1:8787"


def stack_outputs(**overrides: Any) -> dict[str, Any]:
    """What `pulumi stack output --json --show-secrets` prints for the dev stack."""
    app = {
        "appName": "stackone_link_0123456789abcdef01234567",
        "orgName": "acme",
        "clientId": "stack-client-id",
        "clientSecret": "fake-stack-secret",
        "redirectUris": ["https://api.stackone.com/connect/oauth2/kustomer/callback", "http://127.0.0.1:8765/callback"],
        "scopes": ["org.permission.customer.read", "offline_access"],
        "authorizeUrl": f"{SIM}/oauth/authorize",
        "tokenUrl": f"{SIM}/oauth/token",
        **overrides,
    }
    return {"apps": {"stackone_link": app}}


def resolve(outputs: Any = None, **kwargs: Any) -> oauth.Inputs:
    environ = kwargs.pop("environ", {})
    return resolve_inputs(environ=environ, load_outputs=lambda file, stack: outputs, **kwargs)


# --- PKCE and state -------------------------------------------------------------------------------------


def test_pkce_s256_matches_rfc_7636_appendix_b() -> None:
    assert (
        code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
    pkce = new_pkce()
    assert 43 <= len(pkce.verifier) <= 128 and pkce.challenge == code_challenge(pkce.verifier)
    assert pkce.verifier not in repr(pkce)
    assert new_state() != new_state() and len(new_state()) >= 32


def test_scopes_split_on_spaces_commas_and_plus() -> None:
    assert parse_scopes("a.b c.d+offline_access,a.b") == ("a.b", "c.d", "offline_access")
    assert parse_scopes(["x y", "z"]) == ("x", "y", "z")
    assert parse_scopes(None) == ()


# --- inputs ---------------------------------------------------------------------------------------------


def test_inputs_from_the_stack_with_flags_winning_and_the_environment_last() -> None:
    env = {"KUSTOMER_CLIENT_ID": "env-id", "KUSTOMER_CLIENT_SECRET": "env-secret", "KUSTOMER_SCOPES": "env.scope"}
    inputs = resolve(stack_outputs(), from_stack="", environ=env)
    assert inputs.client_id == "stack-client-id" and inputs.client_secret == "fake-stack-secret"
    assert inputs.endpoints is not None and inputs.endpoints.token_url == f"{SIM}/oauth/token"
    assert inputs.api_base_url == SIM and inputs.org_name == "acme"
    assert inputs.scopes == ("org.permission.customer.read", "offline_access")
    assert inputs.redirect_uris[1] == "http://127.0.0.1:8765/callback" and not inputs.redirect_uri_given
    assert "fake-stack-secret" not in repr(inputs)

    flagged = resolve(stack_outputs(), from_stack="stackone_link", client_id="flag-id", scopes="a.b", environ=env)
    assert flagged.client_id == "flag-id" and flagged.scopes == ("a.b",)

    only_env = resolve(None, base_url=SIM, environ=env)
    assert only_env.client_id == "env-id" and only_env.client_secret == "env-secret"
    assert only_env.scopes == ("env.scope",)
    assert only_env.redirect_uris == ("http://127.0.0.1:8765/callback",)  # the dev stack's loopback URI


def test_stack_output_problems_are_named() -> None:
    two = {"apps": {**stack_outputs()["apps"], "other": stack_outputs()["apps"]["stackone_link"]}}
    with pytest.raises(OAuthInputError, match=r"several apps \(other, stackone_link\)"):
        resolve(two, from_stack="")
    with pytest.raises(OAuthInputError, match="no app 'nope'"):
        resolve(two, from_stack="nope")
    with pytest.raises(OAuthInputError, match="--show-secrets"):
        select_app(stack_outputs(clientSecret="[secret]"), None)
    with pytest.raises(OAuthInputError, match="--show-secrets"):
        select_app({"apps": "[secret]"}, None)
    with pytest.raises(OAuthInputError, match="no `apps` map"):
        select_app({"other": 1}, None)


def test_outputs_file_and_missing_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(stack_outputs()))
    inputs = resolve_inputs(outputs_file=str(outputs), environ={})  # implies --from-stack
    assert inputs.stack_app is not None and inputs.stack_app.key == "stackone_link"

    monkeypatch.setenv("PATH", str(tmp_path))  # no pulumi here
    with pytest.raises(OAuthInputError, match=r"needs the Pulumi CLI.*--outputs-file"):
        resolve_inputs(from_stack="", environ={})
    outputs.write_text("{not json")
    with pytest.raises(OAuthInputError, match="is not JSON"):
        resolve_inputs(outputs_file=str(outputs), environ={})


def test_real_org_hosts_legacy_hosts_and_bad_endpoints() -> None:
    org = resolve(None, org="acme")
    assert org.endpoints is not None
    assert org.endpoints.authorize_url == "https://acme.kustomerapp.com/oauth/authorize"
    assert org.endpoints.token_url == "https://acme.api.kustomerapp.com/oauth/token"
    assert org.api_base_url == "https://acme.api.kustomerapp.com"

    legacy = resolve(None, org="acme", legacy_hosts=True)
    assert legacy.endpoints is not None
    assert legacy.endpoints.authorize_url == "https://api.apps.kustomerapp.com/oauth/authorize"
    assert legacy.endpoints.token_url == "https://api.apps.kustomerapp.com/oauth/token"
    assert legacy.api_base_url == "https://acme.api.kustomerapp.com"
    assert resolve(None, legacy_hosts=True).api_base_url == "https://api.kustomerapp.com"  # the seed's

    # The stack's org overrides nothing it should not: a flag turns the stack's simulator URLs into an org's.
    assert resolve(stack_outputs(), from_stack="", org="beta").api_base_url == "https://beta.api.kustomerapp.com"
    from_env = resolve(None, environ={"KUSTOMER_ORG_NAME": "gamma"})
    assert from_env.endpoints is not None and from_env.endpoints.token_url.startswith("https://gamma.api.")

    with pytest.raises(OAuthInputError, match=r"--base-url must use https"):
        resolve(None, base_url="http://example.com").require_endpoints()
    with pytest.raises(OAuthInputError, match=r"--org must be the org's subdomain"):
        resolve(None, org="Not An Org").require_endpoints()
    with pytest.raises(OAuthInputError, match=r"pass --org NAME .* or --base-url URL"):
        resolve(None).require_endpoints()


# --- the token file -------------------------------------------------------------------------------------


def tokens(**overrides: Any) -> TokenSet:
    values: dict[str, Any] = {
        "access_token": "access-token-value-1",
        "refresh_token": "refresh-token-value-1",
        "token_type": "bearer",
        "scope": "offline_access",
        "expires_in": 86400,
        "obtained_at": datetime(2026, 1, 1, tzinfo=UTC),
        "client_id": "cid",
        "token_url": f"{SIM}/oauth/token",
        "api_base_url": SIM,
        **overrides,
    }
    return TokenSet(**values)


def test_token_file_is_0600_from_creation_whatever_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "tokens.json"
    old = os.umask(0)  # the most permissive umask must not widen the mode
    try:
        write_token_file(path, tokens())
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    path.chmod(0o644)
    write_token_file(path, tokens(access_token="access-token-value-2"))  # replaced, not rewritten in place
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_token_file(path).access_token == "access-token-value-2"
    assert [p.name for p in path.parent.iterdir()] == ["tokens.json"]  # no temporary file left
    assert "access-token-value-2" not in repr(read_token_file(path))


def test_token_file_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(OAuthInputError, match=r"No token file at .* login"):
        read_token_file(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text('{"access_token": 1}')
    with pytest.raises(OAuthInputError, match="not a token file written by this helper"):
        read_token_file(tmp_path / "bad.json")
    assert tokens().expired(datetime(2026, 1, 2, 0, 0, 1, tzinfo=UTC))
    assert not tokens().expired(datetime(2026, 1, 1, 12, tzinfo=UTC))


# --- the loopback server --------------------------------------------------------------------------------


def test_loopback_binds_127_0_0_1_only_and_hands_over_the_code() -> None:
    with LoopbackServer("http://127.0.0.1:0/callback", "the-state") as server:
        host, port = server.address
        assert host == "127.0.0.1" and port > 0
        assert server.redirect_uri == f"http://127.0.0.1:{port}/callback"
        other = httpx.get(f"http://127.0.0.1:{port}/favicon.ico", timeout=5)
        assert other.status_code == 404 and not server.finished
        page = httpx.get(f"{server.redirect_uri}?code=the-code&state=the-state", timeout=5)
        assert page.status_code == 200 and "Authorized" in page.text
        assert page.headers["cache-control"] == "no-store"
        assert server.wait(1) == "the-code"
        again = httpx.get(f"{server.redirect_uri}?code=other&state=the-state", timeout=5)
        assert again.status_code == 409  # the first answer counts
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass  # closed: the port is released


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("code=c&state=forged", 400, "does not match this login"),
        ("code=c", 400, "does not match this login"),
        ("error=access_denied&state=s", 200, r"denied in the browser \(error=access_denied\)"),
        ("error=server_error&error_description=boom&state=s", 400, "error=server_error: boom"),
        ("state=s", 400, "without a code"),
    ],
)
def test_loopback_refuses_wrong_state_and_reports_errors(query: str, status: int, message: str) -> None:
    with LoopbackServer("http://localhost:0/cb", "s") as server:
        page = httpx.get(f"http://127.0.0.1:{server.address[1]}/cb?{query}", timeout=5)
        assert page.status_code == status and "<!doctype html>" in page.text
        with pytest.raises(OAuthCallbackError, match=message):
            server.wait(1)


def test_loopback_rejects_what_it_cannot_serve() -> None:
    for uri in ("https://127.0.0.1:8765/cb", "http://example.com:8765/cb", "http://[::1]:8765/cb"):
        with pytest.raises(OAuthInputError, match="loopback redirect URI"):
            LoopbackServer(uri, "s")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(OAuthInputError, match=rf"Cannot listen on 127\.0\.0\.1:{port}"):
            LoopbackServer(f"http://127.0.0.1:{port}/cb", "s").start()
    with LoopbackServer("http://127.0.0.1:0/cb", "s") as server, pytest.raises(OAuthCallbackError, match=r"0\.1 s"):
        server.wait(0.1)


# --- a real org, played by MockTransport ------------------------------------------------------------------


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


def test_client_errors_for_unreachable_hosts_and_bad_answers() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with oauth.OAuthClient(transport=httpx.MockTransport(down)) as client:
        with pytest.raises(OAuthEndpointError, match=r"POST https://x.example/oauth/token failed: ConnectError"):
            client.refresh(
                tokens(), client_id="cid", client_secret="s3cr3t-value", token_url="https://x.example/oauth/token"
            )
    with oauth.OAuthClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"token_type": "bearer"}))
    ) as client:
        with pytest.raises(OAuthEndpointError, match="without an access_token"):
            client.refresh(tokens(), client_id="cid", client_secret="s3cr3t-value", token_url="https://x.example/t")
        with pytest.raises(OAuthEndpointError, match="offline_access"):
            client.refresh(
                tokens(refresh_token=None), client_id="c", client_secret="s", token_url="https://x.example/t"
            )


def test_refresh_keeps_the_old_refresh_token_when_none_comes_back() -> None:
    answer = {"access_token": "new-access-token", "token_type": "bearer", "expires_in": 60}
    with oauth.OAuthClient(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=answer))) as client:
        fresh = client.refresh(tokens(), client_id="cid", client_secret="secret-value", token_url="https://x.example/t")
    assert fresh.access_token == "new-access-token" and fresh.refresh_token == "refresh-token-value-1"


# --- the command line -----------------------------------------------------------------------------------


def test_missing_inputs_exit_2_with_the_ways_to_give_them(tmp_path: Path) -> None:
    err = io.StringIO()
    assert main(["login", "--base-url", SIM], environ={}, stdout=io.StringIO(), stderr=err) == 2
    assert "No client id" in err.getvalue() and "KUSTOMER_CLIENT_ID" in err.getvalue()
    err = io.StringIO()
    assert main(["login", "--base-url", SIM, "--client-id", "c"], environ={}, stdout=io.StringIO(), stderr=err) == 2
    assert "KUSTOMER_CLIENT_SECRET" in err.getvalue()
    err = io.StringIO()
    args = ["login", "--from-stack", "--outputs-file", str(tmp_path / "o.json")]
    (tmp_path / "o.json").write_text(json.dumps(stack_outputs(redirectUris=["https://example.com/cb"])))
    assert main(args, environ={}, stdout=io.StringIO(), stderr=err) == 2
    assert "registers no loopback redirect URI (it has: https://example.com/cb)" in err.getvalue()
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


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names


def test_the_helper_and_the_provider_stay_apart() -> None:
    package = REPO_ROOT / "kustomer_provider"
    for source in sorted((package / "oauth").glob("*.py")):
        assert not any("simulator" in name for name in imports_of(source)), source.name
    for source in sorted(package.glob("*.py")):
        assert not any("oauth" in name.split(".") for name in imports_of(source)), source.name
    assert len(set(oauth.__all__)) == len(oauth.__all__) and all(hasattr(oauth, n) for n in oauth.__all__)


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
