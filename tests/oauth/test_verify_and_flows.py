"""`verify`, `login` and `refresh` against a running simulator: the failures a person meets, each with a
clear message and a non-zero exit status."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from kustomer_provider.oauth import main
from kustomer_provider.simulator import SimulatorProcess
from tests.support.oauth_helper import TIMEOUT, LoginProcess, free_port, helper_env, loopback_uri, make_app


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """The helper in-process: ``(exit status, stdout, stderr)``."""
    out, err = io.StringIO(), io.StringIO()
    status = main(args, environ=env or {}, stdout=out, stderr=err, open_browser=lambda url: False)
    return status, out.getvalue(), err.getvalue()


def test_verify_fails_clearly_for_an_app_registered_but_not_installed(
    auto_sim: SimulatorProcess, tmp_path: Path
) -> None:
    redirect = loopback_uri()
    app = make_app(auto_sim, "not_installed", redirect_uris=[redirect], install=False, mint=False)
    args = ["verify", "--base-url", auto_sim.url, "--client-id", app.client_id, "--redirect-uri", redirect]
    args += ["--token-file", str(tmp_path / "none.json")]

    status, out, err = run(args)

    assert status == 1
    failure = next(line for line in out.splitlines() if line.startswith("FAIL") and "authorize" in line)
    assert "400 Invalid Client" in failure
    assert "registered but not installed" in failure and "Install the app" in failure
    assert "checks failed" in err

    # Installing it is the fix: the same command now passes its authorize check.
    headers = {"Authorization": f"Bearer {auto_sim.api_key}"}
    installed = httpx.post(
        f"{auto_sim.url}/v1/apps/install", json={"app": app.name, "version": "1.0.0"}, headers=headers, timeout=TIMEOUT
    )
    assert installed.status_code == 202
    for _ in range(100):
        status, out, _ = run(args)
        if "ok    authorize" in out:
            break
    assert re.search(r"^ok +authorize .*accepted", out, re.M), out


def test_verify_reports_a_rotated_secret_and_an_unregistered_redirect_uri(auto_sim: SimulatorProcess) -> None:
    redirect = loopback_uri()
    app = make_app(auto_sim, "rotated", redirect_uris=[redirect])
    # A second mint revokes the first secret (the simulator's rule, the pessimistic reading).
    headers = {"Authorization": f"Bearer {auto_sim.api_key}"}
    minted = httpx.post(
        f"{auto_sim.url}/v1/apps/available/{app.name}/secret/", json={}, headers=headers, timeout=TIMEOUT
    )
    assert minted.status_code == 200
    env = {"KUSTOMER_CLIENT_SECRET": app.client_secret}  # the old one

    status, out, err = run(
        ["verify", "--base-url", auto_sim.url, "--client-id", app.client_id, "--redirect-uri", redirect], env
    )

    assert status == 1
    secret_line = next(line for line in out.splitlines() if "client secret" in line)
    assert secret_line.startswith("FAIL") and "Invalid client secret" in secret_line and "rotated" in secret_line
    assert app.client_secret not in out + err

    other = "http://127.0.0.1:1/elsewhere"
    status, out, _ = run(["verify", "--base-url", auto_sim.url, "--client-id", app.client_id, "--redirect-uri", other])
    assert status == 1
    assert re.search(r"^FAIL +authorize \(http://127\.0\.0\.1:1/elsewhere\).*redirect_uri is not registered", out, re.M)


def test_verify_fails_for_a_token_the_api_refuses(auto_sim: SimulatorProcess, tmp_path: Path) -> None:
    redirect = loopback_uri()
    app = make_app(auto_sim, "bad_token", redirect_uris=[redirect])
    token_file = tmp_path / "tokens.json"
    token_file.write_text(
        json.dumps(
            {
                "access_token": "fake-unknown-token",
                "refresh_token": None,
                "obtained_at": "2026-01-01T00:00:00Z",
                "expires_in": 86400,
                "client_id": app.client_id,
                "token_url": f"{auto_sim.url}/oauth/token",
                "api_base_url": auto_sim.url,
            }
        )
    )
    token_file.chmod(0o600)
    env = {"KUSTOMER_CLIENT_SECRET": app.client_secret}
    args = ["verify", "--base-url", auto_sim.url, "--client-id", app.client_id, "--redirect-uri", redirect]

    status, out, err = run([*args, "--token-file", str(token_file)], env)

    assert status == 1
    token_line = next(line for line in out.splitlines() if "access token" in line)
    assert token_line.startswith("FAIL") and "401" in token_line and "refresh" in token_line
    assert "expired" in token_line  # obtained in January, valid a day
    assert "fake-unknown-token" not in out + err


def test_login_then_refresh_in_process_with_a_free_port(auto_sim: SimulatorProcess, tmp_path: Path) -> None:
    """``--port 0`` listens on a free port and sends that port in the redirect URI (a client whose loopback
    URIs match by port must register it; here the app registers the one this test chose)."""
    port = free_port()
    app = make_app(auto_sim, "in_process", redirect_uris=[f"http://127.0.0.1:{port}/cb"])
    token_file = tmp_path / "t.json"
    visited: list[str] = []

    def browser(url: str) -> bool:
        visited.append(url)
        page = httpx.get(url, follow_redirects=True, timeout=TIMEOUT)  # auto-consent: straight to the loopback
        assert page.status_code == 200 and "Authorized" in page.text
        return True

    out, err = io.StringIO(), io.StringIO()
    args = [
        "login",
        "--base-url",
        auto_sim.url,
        "--client-id",
        app.client_id,
        "--redirect-uri",
        f"http://127.0.0.1:{port}/cb",
    ]
    args += [
        "--token-file",
        str(token_file),
        "--scopes",
        "org.permission.customer.read,offline_access",
        "--timeout",
        "10",
    ]
    status = main(
        args, environ={"KUSTOMER_CLIENT_SECRET": app.client_secret}, stdout=out, stderr=err, open_browser=browser
    )

    assert status == 0, err.getvalue()
    assert out.getvalue() == ""  # the browser opened: nothing on stdout, no tokens
    assert parse_qs(urlsplit(visited[0]).query)["scope"] == ["org.permission.customer.read offline_access"]
    first = json.loads(token_file.read_text())

    status, out_text, err_text = run(
        ["refresh", "--token-file", str(token_file), "--show-tokens"], {"KUSTOMER_CLIENT_SECRET": app.client_secret}
    )
    assert status == 0, err_text
    shown = json.loads(out_text)  # asked for: the new tokens on stdout
    assert shown["access_token"] == json.loads(token_file.read_text())["access_token"] != first["access_token"]

    # The spent refresh token cannot be used again: refresh fails with what to do.
    token_file.write_text(json.dumps(first))
    status, _, err_text = run(
        ["refresh", "--token-file", str(token_file)], {"KUSTOMER_CLIENT_SECRET": app.client_secret}
    )
    assert status == 1
    assert "invalid_grant" in err_text and "run `login` again" in err_text
    assert first["refresh_token"] not in err_text


def test_denying_on_the_consent_page_fails_the_login(consent_sim: SimulatorProcess, tmp_path: Path) -> None:
    redirect = loopback_uri()
    app = make_app(consent_sim, "denied", redirect_uris=[redirect])
    token_file = tmp_path / "t.json"
    env = helper_env({"KUSTOMER_CLIENT_SECRET": app.client_secret}, home=tmp_path)
    args = ["--base-url", consent_sim.url, "--client-id", app.client_id, "--redirect-uri", redirect]

    with LoginProcess([*args, "--token-file", str(token_file), "--timeout", "20"], env) as login:
        consent = httpx.get(login.authorize_url(), timeout=TIMEOUT)
        assert consent.status_code == 200 and 'id="deny"' in consent.text
        form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', consent.text))
        page = httpx.post(
            f"{consent_sim.url}/oauth/authorize",
            data={**form, "decision": "deny"},
            follow_redirects=True,
            timeout=TIMEOUT,
        )
        assert "Authorization denied" in page.text
        status, _, err = login.finish()

    assert status == 1
    assert "denied in the browser (error=access_denied)" in err
    assert not token_file.exists()


def test_login_gives_up_after_the_timeout(auto_sim: SimulatorProcess, tmp_path: Path) -> None:
    app = make_app(auto_sim, "timed_out", redirect_uris=[loopback_uri()])
    args = ["login", "--base-url", auto_sim.url, "--client-id", app.client_id, "--redirect-uri", app.redirect_uris[0]]
    args += ["--no-browser", "--timeout", "0.3", "--token-file", str(tmp_path / "t.json")]
    status, out, err = run(args, {"KUSTOMER_CLIENT_SECRET": app.client_secret})
    assert status == 1
    assert out.startswith(f"{auto_sim.url}/oauth/authorize?")  # --no-browser: the URL on stdout
    assert "No answer from the browser within 0.3 s" in err
    assert not (tmp_path / "t.json").exists()
