"""The OAuth flow against a kept rehearsal (issue 19, point 7): ``python -m kustomer_provider.rehearsal up
--keep-simulator --outputs-file FILE`` of the dev stack, then ``python -m kustomer_provider.oauth login
--from-stack stackone_link --outputs-file FILE`` logs in to the simulator the rehearsal keeps, with the app it
made, and the tokens work against its API. The steps of docs/oauth-helper.md, with the loopback port free for
this run and the simulator consenting at once, so that the test plays the browser with httpx."""

from __future__ import annotations

import json
import re
import signal
import stat
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from kustomer_provider.oauth.cli import STACKONE_CALLBACK
from tests.support.dev_stack import dev_stack_config
from tests.support.oauth_helper import LoginProcess, free_port, helper_env
from tests.support.paths import REPO_ROOT
from tests.support.rehearsal_cli import REHEARSAL, rehearsal_env


def test_login_with_the_outputs_of_a_kept_rehearsal(tmp_path: Path) -> None:
    loopback = f"http://127.0.0.1:{free_port()}/callback"
    apps = dev_stack_config()["kustomer:apps"]
    apps[0]["redirectUris"] = [STACKONE_CALLBACK, loopback]
    outputs_file = tmp_path / "outputs.json"
    rehearsal = subprocess.Popen(
        [
            *REHEARSAL,
            "up",
            "--cwd",
            str(REPO_ROOT),
            "--stack",
            "dev",
            "--keep-simulator",
            "--outputs-file",
            str(outputs_file),
            "--simulator-arg=--auto-consent",
            "--simulator-arg=--install-ms=150",
            "--config",
            f"kustomer:apps={json.dumps(apps)}",
            "--config",
            "kustomer:registeredClients=[]",
        ],
        cwd=tmp_path,
        env=rehearsal_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert rehearsal.stdout is not None
        url = ""
        for line in rehearsal.stdout:
            if match := re.search(r"The simulator keeps running at (http://\S+);", line):
                url = match.group(1)
                break
        assert url, rehearsal.stderr.read() if rehearsal.stderr else ""
        assert stat.S_IMODE(outputs_file.stat().st_mode) == 0o600
        app = json.loads(outputs_file.read_text())["apps"]["stackone_link"]
        assert app["authorizeUrl"] == f"{url}/oauth/authorize"  # the rehearsal's simulator

        token_file = tmp_path / "tokens.json"
        args = ["--from-stack", "stackone_link", "--outputs-file", str(outputs_file), "--token-file", str(token_file)]
        with LoginProcess([*args, "--timeout", "20"], helper_env(home=tmp_path / "config")) as login:
            authorize = login.authorize_url()
            query = parse_qs(urlsplit(authorize).query)
            assert authorize.startswith(f"{url}/oauth/authorize?")
            assert query["client_id"] == [app["clientId"]] and query["redirect_uri"] == [loopback]
            page = httpx.get(authorize, follow_redirects=True, timeout=10)  # the browser (auto-consent)
            assert page.status_code == 200 and str(page.url).startswith(loopback + "?code=")
            status, out, err = login.finish()
        assert status == 0, err
        tokens = json.loads(token_file.read_text())
        assert app["clientSecret"] not in out + err and tokens["access_token"] not in out + err
        me = httpx.get(f"{url}/v1/users/current", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert me.status_code == 200 and me.json()["data"]["attributes"]["orgName"] == "acme"
    finally:
        rehearsal.send_signal(signal.SIGTERM)
        rehearsal.wait(timeout=30)
