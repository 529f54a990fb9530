"""`login`, `refresh` and `verify` with `--platform teamwork|komerza|apaleo` against a running simulator that
consents at once: each login ends in a token the simulator's platform API accepts, stored 0600, unprinted.

Teamwork and Komerza clients register a loopback redirect URI, which the helper listens at; apaleo takes https
only, so its clients register an https one and the helper reads the pasted address instead (the "browser"
below pastes where it lands when that is not this machine's listener)."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from kustomer_provider.oauth import main
from kustomer_provider.platforms import get_platform
from kustomer_provider.simulator import SimulatorProcess
from tests.support.oauth_helper import TIMEOUT, call_api, loopback_uri

API = {
    "teamwork": "/teamwork/launchpad/v1/userinfo.json",
    "komerza": "/komerza/user",
    "apaleo": "/apaleo/account/v1/accounts/current",
}
SCOPES = {"teamwork": [], "komerza": ["stores.view"], "apaleo": ["openid", "offline_access", "account.read"]}
#: apaleo takes https redirect URIs only [seed]: its clients here register this one.
HTTPS_REDIRECT = "https://app.example.com/apaleo/callback"


def run(
    args: list[str],
    env: dict[str, str] | None = None,
    visited: list[str] | None = None,
    pages: list[str] | None = None,
) -> tuple[int, str, str]:
    """The helper in-process. Its 'browser' opens the authorize URL (the simulator consents at once) and follows
    the redirect to this machine's listener (its page kept in ``pages``); a redirect elsewhere (an https app) is
    where the browser lands, and its address is what the user pastes on stdin."""
    stdin = io.StringIO()

    def browser(url: str) -> bool:
        if visited is not None:
            visited.append(url)
        answer = httpx.get(url, follow_redirects=False, timeout=TIMEOUT)
        assert answer.status_code == 302, answer.text
        landed = answer.headers["location"]
        if landed.startswith("http://127.0.0.1:"):
            page = httpx.get(landed, timeout=TIMEOUT)
            assert page.status_code == 200 and "Authorized" in page.text, page.text
            if pages is not None:
                pages.append(page.text)
        else:
            stdin.write(landed + "\n")
            stdin.seek(0)
        return True

    out, err = io.StringIO(), io.StringIO()
    status = main(args, environ=env or {}, stdout=out, stderr=err, open_browser=browser, stdin=stdin)
    return status, out.getvalue(), err.getvalue()


def client_of(sim: SimulatorProcess, platform: str, **extra: Any) -> tuple[dict[str, Any], str]:
    """A client registered in the simulator's dashboard of `platform`, with a fresh loopback redirect URI (apaleo:
    an https one, the only kind it takes)."""
    redirect = HTTPS_REDIRECT if platform == "apaleo" else loopback_uri()
    app = sim.register_platform_client(platform, redirect_uris=[redirect], scopes=SCOPES[platform], **extra)
    return app, redirect


def login(
    sim: SimulatorProcess, platform: str, app: dict[str, Any], redirect: str, token_file: Path, *extra: str
) -> tuple[int, str, str, list[str]]:
    args = ["login", "--platform", platform, "--base-url", sim.url, "--client-id", app["client_id"]]
    args += ["--redirect-uri", redirect, "--token-file", str(token_file), "--timeout", "10", *extra]
    visited: list[str] = []
    pages: list[str] = []
    status, out, err = run(args, {"KUSTOMER_CLIENT_SECRET": app["client_secret"]}, visited, pages)
    title = get_platform(platform).title
    assert all(f"{title} authorized the app" in page and "Kustomer" not in page for page in pages), pages
    return status, out, err, visited


@pytest.mark.parametrize("platform", ["teamwork", "komerza", "apaleo"])
def test_login_ends_in_a_token_the_platform_api_accepts(
    auto_sim: SimulatorProcess, tmp_path: Path, platform: str
) -> None:
    app, redirect = client_of(auto_sim, platform)
    token_file = tmp_path / "tokens.json"
    scopes = ["--scopes", " ".join(SCOPES[platform])] if SCOPES[platform] else []

    status, out, err, visited = login(auto_sim, platform, app, redirect, token_file, *scopes)

    assert status == 0, err
    assert out == ""  # nothing printed: no token
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    tokens = json.loads(token_file.read_text())
    assert tokens["platform"] == platform and tokens["client_id"] == app["client_id"]
    assert tokens["access_token"] not in err and app["client_secret"] not in err
    assert call_api(auto_sim, API[platform], tokens["access_token"]).status_code == 200
    query = parse_qs(urlsplit(visited[0]).query)
    assert query["client_id"] == [app["client_id"]] and "state" in query
    assert ("code_challenge" in query) == (platform == "apaleo")  # PKCE only where the platform takes it


def test_teamwork_token_is_permanent_with_the_installation_api_endpoint(
    auto_sim: SimulatorProcess, tmp_path: Path
) -> None:
    first, second = loopback_uri(), loopback_uri()  # one per login: a port just closed may linger in TIME_WAIT
    app = auto_sim.register_platform_client(
        "teamwork", redirect_uris=[first, second], allowed_origins=["https://app.example.com"]
    )
    token_file = tmp_path / "tw.json"

    refused, _, err, _ = login(auto_sim, "teamwork", app, first, token_file)
    assert refused == 1 and "origin_not_allowed" in err  # the app lists allowed origins: Origin needed

    status, _, err, _ = login(auto_sim, "teamwork", app, second, token_file, "--origin", "https://app.example.com")
    assert status == 0, err
    tokens = json.loads(token_file.read_text())
    assert tokens["access_token"].startswith("tkn.v1_") and tokens["expires_at"] is None
    assert tokens["refresh_token"] is None and tokens["api_base_url"] == f"{auto_sim.url}/teamwork/"
    assert "never" in err

    status, _, err = run(["refresh", "--platform", "teamwork", "--token-file", str(token_file)])
    assert status == 2 and "no refresh token" in err and "until revoked" in err


def test_komerza_key_lasts_until_revoked_and_show_tokens_prints_it(auto_sim: SimulatorProcess, tmp_path: Path) -> None:
    app, redirect = client_of(auto_sim, "komerza")
    token_file = tmp_path / "kz.json"
    status, out, err, _ = login(auto_sim, "komerza", app, redirect, token_file, "--show-tokens")
    assert status == 0, err
    shown = json.loads(out)
    assert shown["access_token"].count(".") == 2 and shown["expires_in"] is None
    assert "documents no PKCE" in err


def test_apaleo_refresh_rotates_and_keeps_a_working_token(auto_sim: SimulatorProcess, tmp_path: Path) -> None:
    app, redirect = client_of(auto_sim, "apaleo")
    token_file = tmp_path / "ap.json"
    status, _, err, _ = login(
        auto_sim, "apaleo", app, redirect, token_file, "--scopes", "openid offline_access account.read"
    )
    assert status == 0, err
    first = json.loads(token_file.read_text())
    assert first["expires_in"] == 3600 and first["refresh_token"] and first["id_token"]

    env = {"KUSTOMER_CLIENT_SECRET": app["client_secret"]}
    args = ["refresh", "--platform", "apaleo", "--base-url", auto_sim.url, "--token-file", str(token_file)]
    status, out, err = run(args, env)

    assert status == 0, err and out == ""
    second = json.loads(token_file.read_text())
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert call_api(auto_sim, API["apaleo"], second["access_token"]).status_code == 200
    token_file.write_text(json.dumps(first))  # the spent refresh token again: refused
    token_file.chmod(0o600)
    status, _, err = run(args, env)
    assert status == 1 and "invalid_grant" in err


def test_apaleo_without_offline_access_warns(auto_sim: SimulatorProcess, tmp_path: Path) -> None:
    app, redirect = client_of(auto_sim, "apaleo")
    status, _, err, _ = login(auto_sim, "apaleo", app, redirect, tmp_path / "t.json", "--scopes", "account.read")
    assert status == 0 and "lack offline_access" in err
    assert json.loads((tmp_path / "t.json").read_text())["refresh_token"] is None


@pytest.mark.parametrize("platform", ["komerza", "apaleo"])
def test_verify_tells_a_live_secret_from_a_rotated_one(
    auto_sim: SimulatorProcess, tmp_path: Path, platform: str
) -> None:
    app, redirect = client_of(auto_sim, platform)
    token_file = tmp_path / "t.json"
    scopes = ["--scopes", " ".join(SCOPES[platform])]
    assert login(auto_sim, platform, app, redirect, token_file, *scopes)[0] == 0
    args = ["verify", "--platform", platform, "--base-url", auto_sim.url, "--client-id", app["client_id"]]
    args += ["--redirect-uri", redirect, "--token-file", str(token_file)]
    env = {"KUSTOMER_CLIENT_SECRET": app["client_secret"]}

    since = auto_sim.last_request()
    status, out, _ = run(args, env)
    assert status == 0, out
    assert out.startswith("ok    client secret") and "ok    access token" in out
    # The token is checked at an endpoint the platform documents: Komerza's GET /user [doc], apaleo's account.
    checked = [r for r in auto_sim.requests(since) if r["method"] == "GET" and "/exchange/" not in r["path"]]
    assert [(r["path"], r["status"]) for r in checked] == [(API[platform], 200)]

    auto_sim.rotate_platform_secret(platform, app["client_id"])
    status, out, err = run(args, env)
    assert status == 1
    line = next(line for line in out.splitlines() if "client secret" in line)
    assert line.startswith("FAIL") and "client_secret is wrong" in line  # apaleo: "client_id or client_secret"
    assert app["client_secret"] not in out + err
    # The platform's name is not taken for a secret ("client secret: [REDACTED] answered 401" before).
    assert (
        line.startswith(f"FAIL  client secret: {get_platform(platform).title} answered 4") and "[REDACTED]" not in line
    )


def test_verify_says_teamwork_cannot_be_checked_and_a_bad_token_fails(
    auto_sim: SimulatorProcess, tmp_path: Path
) -> None:
    app, _ = client_of(auto_sim, "teamwork")
    token_file = tmp_path / "tw.json"
    token_file.write_text(
        json.dumps(
            {
                "platform": "teamwork",
                "access_token": "tkn.v1_made-up-token",
                "obtained_at": "2026-01-01T00:00:00Z",
                "client_id": app["client_id"],
                "token_url": f"{auto_sim.url}/teamwork/launchpad/v1/token.json",
                "api_base_url": f"{auto_sim.url}/teamwork/",
            }
        )
    )
    token_file.chmod(0o600)
    args = ["verify", "--platform", "teamwork", "--base-url", auto_sim.url, "--client-id", app["client_id"]]
    status, out, _ = run([*args, "--token-file", str(token_file)], {"KUSTOMER_CLIENT_SECRET": app["client_secret"]})
    assert status == 1
    assert out.splitlines()[0].startswith("??    client secret: not checked: Teamwork does not document")
    assert out.splitlines()[1].startswith("FAIL  access token") and "401" in out


def test_login_from_the_stacks_registered_clients(auto_sim: SimulatorProcess, tmp_path: Path) -> None:
    """`--from-stack NAME` finds the client in `registeredClients`; the platform and the simulator's base URL come
    from the entry (its `authorizeUrl` and `tokenUrl`, mapped as the resource maps them)."""
    app, redirect = client_of(auto_sim, "apaleo")
    outputs = {
        "apps": {},
        "registeredClients": {
            "apaleo_dev": {
                "platform": "apaleo",
                "clientId": app["client_id"],
                "clientSecret": app["client_secret"],
                "authorizeUrl": f"{auto_sim.url}/apaleo/connect/authorize",
                "tokenUrl": f"{auto_sim.url}/apaleo/connect/token",
                "redirectUris": [redirect],
                "scopes": SCOPES["apaleo"],
            }
        },
    }
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps(outputs))
    token_file = tmp_path / "t.json"
    common = ["--from-stack", "apaleo_dev", "--outputs-file", str(outputs_file), "--token-file", str(token_file)]

    status, _, err = run(["login", *common, "--timeout", "10"])
    assert status == 0, err
    status, _, err = run(["refresh", *common])
    assert status == 0, err
    status, out, _ = run(["verify", *common])
    assert status == 0 and "ok    access token" in out

    status, _, err = run(["verify", "--platform", "komerza", *common])
    assert status == 2 and "apaleo client" in err
