"""``python -m kustomer_provider.oauth`` run as a user runs it, against a hostile server on loopback: what reaches
the terminal (the raw bytes of stdout and stderr) carries no escape sequence, no bidi or zero-width character, no
forged line and no secret, and stays short; two logins in a row on one fixed port both work; a forged callback
does not end a login; a spent code's tokens are kept whatever else the answer holds."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from tests.support.hostile_server import Answer, hostile_server
from tests.support.oauth_helper import LoginProcess, free_port, helper_env, run_helper

SECRET = "hostile-client-secret-5e0b7c"
ESCAPES = "\x1b[2J\x1b[H\x1b]0;owned\x07\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\\x9b31m"
INVISIBLE = "\u202e\u2066\u200b\ufeff"
FORGED = "\nFAIL  client secret: FORGED\r\nerror: FORGED\rok    FORGED"


def hostile(text: str = "") -> str:
    return f"{ESCAPES}{INVISIBLE}{text} echo {SECRET}{FORGED}"


def assert_terminal_safe(text: str) -> None:
    """Nothing a terminal acts on or hides, no forged line, no secret, and a bounded size. (The output was
    decoded strictly as UTF-8 by ``run_helper``: no lone surrogate was printed.)"""
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    assert not set(text) & set(INVISIBLE + "\x9b\x9c\x9d")
    assert SECRET not in text
    for line in text.split("\n"):
        assert not line.startswith(("FAIL  client secret: FORGED", "error: FORGED", "ok    FORGED")), line
    assert len(text.encode()) < 20_000, len(text)  # 200 kB from the server, capped


def test_verify_against_a_hostile_server_prints_only_safe_lines(tmp_path: Path) -> None:
    token_file = tmp_path / "t.json"

    def script(method: str, path: str) -> Answer | None:
        if path == "/oauth/authorize":
            body = {"errors": [{"code": "invalid_request", "detail": hostile("x" * 200_000)}]}
            return Answer(400, json.dumps(body).encode())
        if path == "/oauth/token":
            body = {"error": hostile("invalid_client"), "error_description": hostile("y" * 200_000)}
            return Answer(401, json.dumps(body).encode())
        if path == "/v1/users/current":
            body = {"data": {"attributes": {"name": hostile("Mallory"), "orgName": hostile()}}}
            return Answer(200, json.dumps(body).encode())
        return None

    with hostile_server(script) as (url, _):
        token_file.write_text(
            json.dumps(
                {
                    "access_token": "hostile-access-token-1",
                    "token_type": "bearer",
                    "obtained_at": "2026-01-01T00:00:00Z",
                    "client_id": "cid",
                    "token_url": f"{url}/oauth/token",
                    "api_base_url": url,
                }
            )
        )
        token_file.chmod(0o600)
        args = ["verify", "--base-url", url, "--client-id", "cid", "--redirect-uri", "http://127.0.0.1:8765/callback"]
        done = run_helper([*args, "--token-file", str(token_file)], helper_env({"KUSTOMER_CLIENT_SECRET": SECRET}))

    status, out, err = done.returncode, done.stdout, done.stderr
    assert status == 1, err
    assert_terminal_safe(out)
    assert_terminal_safe(err)
    lines = out.splitlines()
    # authorize refused; an error code nobody documents tells nothing of the secret; the API accepted the token.
    assert [line[:4] for line in lines] == ["FAIL", "??  ", "ok  "], lines
    assert "[cut " in lines[0] and "\\x1b[2J" in lines[0]  # shown, escaped and capped
    assert "hostile-access-token-1" not in out + err


def token_endpoint(answer: bytes) -> Answer:
    return Answer(200, answer)


def test_two_logins_in_a_row_on_one_fixed_port_and_odd_numbers_keep_the_tokens(tmp_path: Path) -> None:
    """A second login within a minute found the port in TIME-WAIT ("Cannot listen on 127.0.0.1:... is another login
    running?"); and ``expires_in`` of 1e999 crashed login after the code was spent, losing the tokens."""
    port = free_port()
    redirect = f"http://127.0.0.1:{port}/callback"
    answers = iter(
        [
            b'{"access_token": "first-access-1", "token_type": "bearer", "expires_in": 1e999, "refresh_token": "r-1"}',
            b'{"access_token": "second-access-2", "token_type": "Bearer", "expires_in": "3600"}',
        ]
    )

    with hostile_server(lambda method, path: token_endpoint(next(answers)) if path == "/oauth/token" else None) as (
        url,
        seen,
    ):
        env = helper_env({"KUSTOMER_CLIENT_SECRET": SECRET}, home=tmp_path)
        said: dict[str, str] = {}
        for name, access in (("first", "first-access-1"), ("second", "second-access-2")):
            token_file = tmp_path / f"{name}.json"
            args = ["--base-url", url, "--client-id", "cid", "--redirect-uri", redirect, "--timeout", "20"]
            with LoginProcess([*args, "--token-file", str(token_file)], env) as login:
                query = parse_qs(urlsplit(login.authorize_url()).query)
                # A page the user has open makes the browser request the port first: ignored.
                forged = httpx.get(f"{redirect}?code=forged&state=wrong", timeout=10)
                assert forged.status_code == 400
                httpx.get(f"{redirect}?code=code-{name}&state={quote(query['state'][0])}", timeout=10)
                status, _, said[name] = login.finish()
            assert status == 0, said[name]
            assert json.loads(token_file.read_text())["access_token"] == access
            assert "Cannot listen" not in said[name] and "Traceback" not in said[name]
        assert [b"code=code-" in body for body in seen.bodies] == [True, True]  # the forged code was never sent
    assert "warning: in the token answer, expires_in is inf, not a finite number of seconds" in said["first"]
    assert "warning: in the token answer, expires_in is a string ('3600'), read as 3600 seconds" in said["second"]
    first = json.loads((tmp_path / "first.json").read_text())
    assert first["expires_in"] is None and first["refresh_token"] == "r-1"
    second = json.loads((tmp_path / "second.json").read_text())
    assert second["expires_in"] == 3600


def test_a_token_type_other_than_bearer_is_kept_but_login_fails(tmp_path: Path) -> None:
    answer = b'{"access_token": "mac-access-1", "token_type": "mac", "mac_key": "k", "expires_in": 60}'
    with hostile_server(lambda method, path: token_endpoint(answer) if path == "/oauth/token" else None) as (url, _):
        env = helper_env({"KUSTOMER_CLIENT_SECRET": SECRET}, home=tmp_path)
        redirect = f"http://127.0.0.1:{free_port()}/callback"
        token_file = tmp_path / "t.json"
        args = ["--base-url", url, "--client-id", "cid", "--redirect-uri", redirect, "--token-file", str(token_file)]
        with LoginProcess(args, env) as login:
            query = parse_qs(urlsplit(login.authorize_url()).query)
            httpx.get(f"{redirect}?code=c&state={quote(query['state'][0])}", timeout=10)
            status, _, err = login.finish()
    assert status == 1
    assert "will not be used: its token_type is 'mac', not Bearer" in err
    assert json.loads(token_file.read_text())["access_token"] == "mac-access-1"  # kept: the code is spent


def test_the_helper_as_a_subprocess_never_prints_a_traceback_for_a_bad_token_file(tmp_path: Path) -> None:
    token_file = tmp_path / "t.json"
    token_file.write_text('{"access_token": {"nested": true}, "expires_in": NaN}')
    token_file.chmod(0o600)
    done = run_helper(
        ["refresh", "--base-url", "http://127.0.0.1:9", "--client-id", "cid", "--token-file", str(token_file)],
        helper_env({"KUSTOMER_CLIENT_SECRET": SECRET}),
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "`access_token` is an object, not a string" in done.stderr
