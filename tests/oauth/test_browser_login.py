"""A person's login, in a real browser: headless Chromium (Debian's) opens the simulator's consent page
from `login` (no auto-consent), clicks Approve, and the helper ends with working tokens; Deny ends it
with a clear failure. apaleo's login goes to an https redirect URI (the only kind apaleo takes): the page the
browser lands on is the app's (served here by Playwright's routing, as no network is reached), and its address
is pasted into the helper.

Skipped where Chromium or Playwright is missing (`scripts/install-browser` installs Chromium; Playwright's
Python package drives it, never `playwright install`).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kustomer_provider.simulator import SimulatorProcess
from tests.support.oauth_helper import LoginProcess, call_api, helper_env, loopback_uri, make_app

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Known to work here as root, headless, with no network but loopback.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STEP_TIMEOUT_MS = 15_000

if not CHROMIUM.exists():
    pytest.skip(
        f"no Chromium at {CHROMIUM}: run scripts/install-browser (Debian's chromium package) to run the browser test",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright Python package is not installed (requirements-oauth.txt)"
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium for the module, with a fresh profile directory."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        context.set_default_timeout(STEP_TIMEOUT_MS)
        yield context
        context.close()


def test_approve_in_chromium_gives_working_tokens(browser: Any, consent_sim: SimulatorProcess, tmp_path: Path) -> None:
    redirect = loopback_uri()
    app = make_app(consent_sim, "browser_login", redirect_uris=[redirect])
    token_file = tmp_path / "tokens.json"
    env = helper_env({"KUSTOMER_CLIENT_SECRET": app.client_secret}, home=tmp_path)
    args = ["--base-url", consent_sim.url, "--client-id", app.client_id, "--redirect-uri", redirect]
    args += ["--scopes", "org.permission.customer.read offline_access", "--token-file", str(token_file)]

    with LoginProcess([*args, "--timeout", "30"], env) as login:
        page = browser.new_page()
        page.goto(login.authorize_url())
        # The simulator's consent page: the app's title, the org, the scopes asked for.
        assert page.inner_text("h1") == "Authorize browser_login title"
        assert page.inner_text("#org") == "Org: acme"
        assert page.inner_text("#scopes").split() == ["org.permission.customer.read", "offline_access"]
        page.click("#approve")
        page.wait_for_url(f"{redirect}?*")
        assert page.inner_text("#result") == "Authorized"
        page.close()
        status, out, err = login.finish()

    assert status == 0, err
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    tokens = json.loads(token_file.read_text())
    assert tokens["access_token"] not in out + err and tokens["refresh_token"] not in out + err
    assert call_api(consent_sim, "/v1/users/current", tokens["access_token"]).status_code == 200
    assert call_api(consent_sim, "/v1/customers", tokens["access_token"]).status_code == 200


def test_deny_in_chromium_fails_the_login(browser: Any, consent_sim: SimulatorProcess, tmp_path: Path) -> None:
    redirect = loopback_uri()
    app = make_app(consent_sim, "browser_deny", redirect_uris=[redirect])
    token_file = tmp_path / "tokens.json"
    env = helper_env({"KUSTOMER_CLIENT_SECRET": app.client_secret}, home=tmp_path)
    args = ["--base-url", consent_sim.url, "--client-id", app.client_id, "--redirect-uri", redirect]

    with LoginProcess([*args, "--token-file", str(token_file), "--timeout", "30"], env) as login:
        page = browser.new_page()
        page.goto(login.authorize_url())
        page.click("#deny")
        page.wait_for_url(f"{redirect}?*")
        assert page.inner_text("#result") == "Authorization denied"
        page.close()
        status, _, err = login.finish()

    assert status == 1
    assert "error=access_denied" in err
    assert not token_file.exists()


def test_komerza_login_in_chromium_with_a_store_choice(
    browser: Any, consent_sim: SimulatorProcess, tmp_path: Path
) -> None:
    """Another platform through the same browser: Komerza's authorize page, one store unticked, Approve; the
    helper exchanges the code with X-Client-Secret and a User-Agent and stores a key that reads that store only."""
    redirect = loopback_uri()
    app = consent_sim.register_platform_client(
        "komerza", redirect_uris=[redirect], scopes=["stores.view"], name="Browser shop app"
    )
    token_file = tmp_path / "komerza.json"
    env = helper_env({"KUSTOMER_CLIENT_SECRET": app["client_secret"]}, home=tmp_path)
    args = ["--platform", "komerza", "--base-url", consent_sim.url, "--client-id", app["client_id"]]
    args += ["--redirect-uri", redirect, "--token-file", str(token_file), "--timeout", "30"]

    with LoginProcess(args, env) as login:
        page = browser.new_page()
        page.goto(login.authorize_url())
        assert page.inner_text("h1") == "Authorize Browser shop app"
        assert page.inner_text("#platform") == "Komerza (simulated)"
        assert page.inner_text("#scopes").split() == ["stores.view"]
        page.uncheck("input[name=store][value=store_sim_outlet]")
        page.click("#approve")
        page.wait_for_url(f"{redirect}?*")
        assert page.inner_text("#result") == "Authorized"
        page.close()
        status, out, err = login.finish()

    assert status == 0, err
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    key = json.loads(token_file.read_text())["access_token"]
    assert key not in out + err
    user = call_api(consent_sim, "/komerza/user", key)
    assert user.status_code == 200 and [s["id"] for s in user.json()["data"]["stores"]] == ["store_sim_main"]
    assert call_api(consent_sim, "/komerza/stores/store_sim_outlet", key).status_code == 404  # unticked


def test_apaleo_login_in_chromium_through_an_https_redirect_uri(
    browser: Any, consent_sim: SimulatorProcess, tmp_path: Path
) -> None:
    """`login --platform apaleo` end to end with the https redirect URI apaleo requires: nothing listens on this
    machine; the user approves in Chromium, the browser lands on the app's https page, and its address is pasted
    into the helper, which checks the state and exchanges the code (PKCE, HTTP Basic)."""
    redirect = "https://hotel-app.example.com/apaleo/callback"
    scopes = ["openid", "offline_access", "account.read"]
    app = consent_sim.register_platform_client("apaleo", redirect_uris=[redirect], scopes=scopes, name="Hotel app")
    token_file = tmp_path / "apaleo.json"
    env = helper_env({"KUSTOMER_CLIENT_SECRET": app["client_secret"]}, home=tmp_path)
    args = ["--platform", "apaleo", "--base-url", consent_sim.url, "--client-id", app["client_id"]]
    args += ["--redirect-uri", redirect, "--scopes", " ".join(scopes), "--token-file", str(token_file)]

    with LoginProcess([*args, "--timeout", "30"], env) as login:
        page = browser.new_page()
        # The app's own page at the redirect URI (no network here): what the browser shows after the approval.
        page.route(
            f"{redirect}*", lambda route: route.fulfill(status=200, content_type="text/html", body="<h1>App</h1>")
        )
        url = login.authorize_url()
        assert url.startswith(f"{consent_sim.url}/apaleo/connect/authorize?") and "code_challenge=" in url
        page.goto(url)
        assert page.inner_text("h1") == "Authorize Hotel app"
        assert page.inner_text("#platform") == "apaleo (simulated)"
        assert page.inner_text("#scopes").split() == scopes
        page.click("#approve")
        page.wait_for_url(f"{redirect}?*")
        assert page.inner_text("h1") == "App"
        landed = page.url
        page.close()
        login.paste(landed)
        status, out, err = login.finish()

    assert status == 0, err
    assert "paste it here" in err
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    tokens = json.loads(token_file.read_text())
    assert tokens["platform"] == "apaleo" and tokens["refresh_token"] and tokens["id_token"]
    assert tokens["access_token"] not in out + err and app["client_secret"] not in out + err
    assert call_api(consent_sim, "/apaleo/account/v1/accounts/current", tokens["access_token"]).status_code == 200
    assert call_api(consent_sim, "/apaleo/connect/userinfo", tokens["access_token"]).status_code == 200
