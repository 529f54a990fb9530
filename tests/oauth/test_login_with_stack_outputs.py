"""The credentials the stack outputs really work: `pulumi up` (the engine harness), then the helper's
`login`, `refresh`, `verify` and `stackone` as subprocesses fed with the stack's outputs, then API calls.

The harness's simulator consents at once (``--auto-consent``), so the test plays the browser with httpx:
it opens the printed authorize URL and follows the redirect to the helper's loopback server.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from kustomer_provider.assumptions import secret_fingerprint
from kustomer_provider.oauth.cli import STACKONE_CALLBACK
from kustomer_provider.simulator import SimulatorProcess
from tests.support.dev_stack import dev_stack_config
from tests.support.engines import EngineFactory
from tests.support.oauth_helper import LoginProcess, call_api, free_port, helper_env, run_helper


def test_login_refresh_verify_with_the_stack_outputs_then_call_the_api(
    make_engine: EngineFactory, simulator: SimulatorProcess, tmp_path: Path
) -> None:
    # The dev stack's app, with a loopback redirect URI on a port free for this run.
    loopback = f"http://127.0.0.1:{free_port()}/callback"
    apps = dev_stack_config()["kustomer:apps"]
    apps[0]["redirectUris"] = [STACKONE_CALLBACK, loopback]
    result = make_engine({"kustomer:apps": apps}).up()
    assert result.is_secret("apps.stackone_link.clientSecret")
    app = result.outputs["apps"]["stackone_link"]

    # What `pulumi stack output --json --show-secrets` prints, for --outputs-file.
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps(result.outputs))
    token_file = tmp_path / "tokens" / "stackone_link.json"
    env = helper_env(home=tmp_path / "config")
    from_stack = ["--from-stack", "stackone_link", "--outputs-file", str(outputs_file), "--token-file", str(token_file)]

    with LoginProcess([*from_stack, "--timeout", "20"], env) as login:
        url = login.authorize_url()
        query = parse_qs(urlsplit(url).query)
        assert url.startswith(app["authorizeUrl"] + "?")
        assert query["client_id"] == [app["clientId"]]
        assert query["redirect_uri"] == [loopback]  # the app's loopback URI, not StackOne's
        assert query["scope"] == [" ".join(app["scopes"])]
        assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
        assert len(query["state"][0]) >= 32

        # The browser: authorize redirects (auto-consent) to the helper's loopback server.
        page = httpx.get(url, follow_redirects=True, timeout=10)
        assert page.status_code == 200
        assert str(page.url).startswith(loopback + "?code=")
        assert "Authorized" in page.text and "text/html" in page.headers["content-type"]
        status, out, err = login.finish()
    assert status == 0, err
    assert "Saved the tokens" in err

    # Stored with mode 0600, never printed.
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    tokens = json.loads(token_file.read_text())
    assert tokens["client_id"] == app["clientId"] and tokens["token_type"] == "bearer"
    for value in (app["clientSecret"], tokens["access_token"], tokens["refresh_token"]):
        assert value not in out + err

    # The access token works against the API, with exactly the requested scopes.
    me = call_api(simulator, "/v1/users/current", tokens["access_token"])
    assert me.status_code == 200 and me.json()["data"]["attributes"]["orgName"] == "acme"
    assert call_api(simulator, "/v1/customers", tokens["access_token"]).status_code == 200

    # refresh: a new pair; the old refresh token is spent; the new access token works.
    refreshed = run_helper(["refresh", *from_stack], env)
    assert refreshed.returncode == 0, refreshed.stderr
    fresh = json.loads(token_file.read_text())
    assert fresh["access_token"] != tokens["access_token"] and fresh["refresh_token"] != tokens["refresh_token"]
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    for value in (fresh["access_token"], fresh["refresh_token"], tokens["refresh_token"], app["clientSecret"]):
        assert value not in refreshed.stdout + refreshed.stderr
    reused = httpx.post(
        app["tokenUrl"],
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": app["clientId"],
            "client_secret": app["clientSecret"],
        },
        timeout=10,
    )
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert call_api(simulator, "/v1/users/current", fresh["access_token"]).status_code == 200

    # verify: both redirect URIs accepted, the secret accepted, the access token accepted.
    verified = run_helper(["verify", *from_stack], env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    lines = verified.stdout.splitlines()
    assert any(line.startswith("ok") and STACKONE_CALLBACK in line for line in lines), lines
    assert any(line.startswith("ok") and loopback in line for line in lines), lines
    assert any(line.startswith("ok") and "client secret" in line for line in lines), lines
    assert any(line.startswith("ok") and "access token" in line for line in lines), lines

    # stackone: the four fields of StackOne's form, the secret hidden behind its fingerprint.
    fields = run_helper(["stackone", *from_stack], env)
    assert fields.returncode == 0, fields.stderr
    rows = dict(line.split(":", 1) for line in fields.stdout.splitlines())
    assert rows["Client ID"].strip() == app["clientId"]
    assert rows["Organization Name"].strip() == "acme"
    assert rows["Scopes"].strip() == " ".join(app["scopes"])
    assert secret_fingerprint(app["clientSecret"]) in rows["Client Secret"]
    assert app["clientSecret"] not in fields.stdout + fields.stderr
