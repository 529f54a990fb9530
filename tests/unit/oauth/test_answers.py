"""The helper reads any answer without a traceback, one class per test: the numbers of a token answer, its
shapes, an unknown token type (RFC 6749 §7.1), the tokens of a spent code kept whatever else is odd, verify's
odd bodies and what it did not check, and token files edited by hand."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from kustomer_provider.oauth import main
from kustomer_provider.oauth.answers import lifetime, read_json, read_token_answer
from kustomer_provider.oauth.cli import EXIT_NOT_ALL_CHECKED
from kustomer_provider.oauth.errors import OAuthInputError
from kustomer_provider.oauth.tokens import read_token_file, write_token_file
from tests.support.oauth_data import tokens

SECRET = "answers-client-secret-0c1d"
BROWSER = httpx.Client(timeout=10)


@pytest.mark.parametrize(
    ("raw", "seconds", "note"),
    [
        ("3600", 3600, None),
        ("3600.9", 3600, None),
        ('"3600"', 3600, "a string ('3600'), read as 3600 seconds"),
        ("1e999", None, "inf, not a finite number"),
        ("-1e999", None, "-inf, not a finite number"),
        ("NaN", None, "nan, not a finite number"),
        ("Infinity", None, "inf, not a finite number"),
        (str(10**30), None, "more than ten years"),
        ("1" * 5000, None, "inf, not a finite number"),  # beyond Python's 4,300-digit limit: no ValueError
        ("-5", None, "-5: a lifetime must be above 0"),
        ("0", None, "0: a lifetime must be above 0"),
        ("true", None, "true, not a number of seconds"),
        ('"soon"', None, "'soon', not a number of seconds"),
        ("[3600]", None, "a list of 1, not a number"),
        ("{}", None, "an object, not a number"),
        ("null", None, None),
    ],
)
def test_any_number_in_expires_in_is_a_lifetime_or_a_note(raw: str, seconds: int | None, note: str | None) -> None:
    value, problem = read_json(f'{{"expires_in": {raw}}}'.encode())
    assert problem is None
    got_seconds, got_note = lifetime(value["expires_in"])
    assert got_seconds == seconds
    assert (got_note is None) if note is None else (note in str(got_note)), got_note


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "an empty body"),
        (b"<html>oops</html>", "not JSON"),
        (b"\xff\xfe\xfa", "not UTF-8"),
        (b"[" * 100_000, "nested too deep"),
        (b" " + b"0" * (5 * 1024 * 1024), "more than the"),
    ],
)
def test_a_body_that_cannot_be_read_says_why(body: bytes, problem: str) -> None:
    value, said = read_json(body)
    assert value is None and said is not None and problem in said


@pytest.mark.parametrize(
    ("field", "value", "note"),
    [
        ("access_token", 12345, "access_token is 12345: not kept"),
        ("access_token", {"value": "x"}, "access_token is an object: not kept"),
        ("access_token", "", "access_token is an empty string: not kept"),
        ("access_token", "tok\x1b[2Jen", "access_token is a string with characters no token has"),
        ("refresh_token", ["r"], "refresh_token is a list of 1: not kept"),
        ("scope", ["a", "b"], "scope is a list, not a space-separated string"),
        ("scope", 7, "scope is 7, not a string: not kept"),
    ],
)
def test_each_odd_field_of_a_token_answer_is_noted_by_name(field: str, value: Any, note: str) -> None:
    answer = read_token_answer({"access_token": "good-access-token", "token_type": "bearer", field: value})
    assert any(note in said for said in answer.notes), answer.notes


@pytest.mark.parametrize("body", [[], "a string", 3, None, True])
def test_an_answer_that_is_not_an_object_holds_no_token(body: Any) -> None:
    answer = read_token_answer(body)
    assert not answer.holds_tokens and answer.not_an_object


# --- through the command line, as a user runs it ----------------------------------------------------------


def login(tmp_path: Path, answer: httpx.Response, *platform: str) -> tuple[int, str, str, Path]:
    """``login`` with a browser that approves at once, against a token endpoint answering ``answer``.

    apaleo takes https redirect URIs only: its login runs the paste path, the browser's landing address pasted
    on stdin; the others listen on loopback."""
    token_file = tmp_path / "t.json"
    paste = "apaleo" in platform
    redirect = "https://app.example.com/callback" if paste else "http://127.0.0.1:0/callback"
    stdin = io.StringIO()

    def browser(url: str) -> bool:
        query = parse_qs(urlsplit(url).query)
        answer = {"code": "answers-code-1", "state": query["state"][0]}
        if paste:
            stdin.write(f"{query['redirect_uri'][0]}?{urlencode(answer)}\n")
            stdin.seek(0)
        else:
            BROWSER.get(query["redirect_uri"][0], params=answer)
        return True

    out, err = io.StringIO(), io.StringIO()
    flags = list(platform) or ["--org", "acme"]
    argv = ["login", *flags, "--client-id", "cid", "--redirect-uri", redirect, "--timeout", "10"]
    status = main(
        [*argv, "--token-file", str(token_file)],
        environ={"KUSTOMER_CLIENT_SECRET": SECRET},
        stdout=out,
        stderr=err,
        transport=httpx.MockTransport(lambda request: answer),
        open_browser=browser,
        stdin=stdin,
    )
    return status, out.getvalue(), err.getvalue(), token_file


def test_odd_numbers_after_a_spent_code_keep_the_tokens_and_say_what_was_odd(tmp_path: Path) -> None:
    """``expires_in`` of 1e999 crashed login after the code was spent: the tokens were lost."""
    body = b'{"access_token": "kept-access-1", "refresh_token": "kept-refresh-1", "token_type": "bearer", '
    body += b'"expires_in": 1e999, "scope": ["offline_access"]}'
    status, _, err, token_file = login(tmp_path, httpx.Response(200, content=body))
    assert status == 0, err
    kept = json.loads(token_file.read_text())
    assert kept["access_token"] == "kept-access-1" and kept["refresh_token"] == "kept-refresh-1"
    assert kept["expires_in"] is None and kept["scope"] == "offline_access"
    assert "warning: in the token answer, expires_in is inf, not a finite number of seconds" in err
    assert "warning: in the token answer, scope is a list" in err
    assert "kept-access-1" not in err and "Traceback" not in err


def test_an_unknown_token_type_is_kept_but_refused(tmp_path: Path) -> None:
    """RFC 6749 §7.1: a client must not use a token whose type it does not understand. The code is spent, so the
    tokens are kept; login fails saying so, and verify does not send the token."""
    answer = httpx.Response(200, json={"access_token": "mac-access-1", "token_type": "mac", "expires_in": 60})
    status, _, err, token_file = login(tmp_path, answer)
    assert status == 1
    assert "kept in" in err and "will not be used: its token_type is 'mac', not Bearer" in err
    assert json.loads(token_file.read_text())["token_type"] == "mac"

    sent: list[str] = []

    def org(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        if request.url.path == "/oauth/token":
            return httpx.Response(400, json={"error": "invalid_grant"})
        return httpx.Response(302, headers={"location": "https://acme.kustomerapp.com/login"})

    out = io.StringIO()
    args = ["verify", "--org", "acme", "--client-id", "cid", "--token-file", str(token_file)]
    args += ["--redirect-uri", "https://api.stackone.com/connect/oauth2/kustomer/callback"]
    status = main(
        args,
        environ={"KUSTOMER_CLIENT_SECRET": SECRET},
        stdout=out,
        stderr=io.StringIO(),
        transport=httpx.MockTransport(org),
    )
    assert status == 1 and "/v1/users/current" not in sent  # never sent
    assert "FAIL  access token: not sent: its token_type is 'mac'" in out.getvalue()


@pytest.mark.parametrize(
    ("platform", "answer", "exit_status"),
    [
        (["--platform", "komerza"], {"success": True, "code": "success", "data": "komerza.jwt.key"}, 0),
        (["--platform", "teamwork"], {"access_token": "tkn.v1_abc", "installation": {"apiEndPoint": 5}}, 0),
        (["--platform", "apaleo", "--scopes", "openid"], {"access_token": "apaleo-access-1"}, 0),  # noted, Bearer
        (["--platform", "komerza"], {"success": True, "data": "komerza.jwt.key", "token_type": "DPoP"}, 1),
    ],
)
def test_token_types_follow_each_platforms_documents(
    tmp_path: Path, platform: list[str], answer: dict[str, Any], exit_status: int
) -> None:
    """Komerza's and Teamwork's answers have no token_type (their documents say Bearer); apaleo's must have one
    (RFC 6749 §5.1): without it the token is taken as Bearer, with a note; any type but Bearer is refused."""
    status, _, err, token_file = login(tmp_path, httpx.Response(200, json=answer), *platform)
    assert status == exit_status, err
    assert token_file.exists()
    noted = "no token_type (RFC 6749 §5.1 requires one)" in err
    assert noted == (platform[1] == "apaleo")


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"[]", "with a list: no access_token or refresh_token to keep"),
        (b'"token"', "with a string: no access_token"),
        (b"not json", "with 200 and a body that is not JSON: no token to keep"),
        (b"", "with 200 and an empty body"),
        (b'{"access_token": 5, "expires_in": "x"}', "access_token is 5: not kept"),
    ],
)
def test_an_answer_without_any_token_fails_clearly(tmp_path: Path, body: bytes, said: str) -> None:
    status, _, err, token_file = login(tmp_path, httpx.Response(200, content=body))
    assert status == 1 and said in err and not token_file.exists(), err


def test_only_a_refresh_token_is_kept_and_refresh_gets_an_access_token(tmp_path: Path) -> None:
    answer = httpx.Response(200, json={"access_token": None, "refresh_token": "only-refresh-1", "token_type": "bearer"})
    status, _, err, token_file = login(tmp_path, answer)
    assert status == 1 and "only a refresh token was kept" in err and "Run refresh" in err
    assert json.loads(token_file.read_text())["refresh_token"] == "only-refresh-1"
    fresh = {"access_token": "fresh-access-1", "token_type": "bearer", "refresh_token": "fresh-refresh-1"}
    err_io = io.StringIO()
    status = main(
        ["refresh", "--org", "acme", "--client-id", "cid", "--token-file", str(token_file)],
        environ={"KUSTOMER_CLIENT_SECRET": SECRET},
        stdout=io.StringIO(),
        stderr=err_io,
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=fresh)),
    )
    assert status == 0, err_io.getvalue()
    assert json.loads(token_file.read_text())["access_token"] == "fresh-access-1"


# --- verify ----------------------------------------------------------------------------------------------------


def verify(tmp_path: Path, org: Any, *extra: str) -> tuple[int, list[str], str]:
    out, err = io.StringIO(), io.StringIO()
    args = ["verify", "--org", "acme", "--client-id", "cid", "--redirect-uri", "https://app.example/cb", *extra]
    status = main(
        args, environ={"KUSTOMER_CLIENT_SECRET": SECRET}, stdout=out, stderr=err, transport=httpx.MockTransport(org)
    )
    return status, out.getvalue().splitlines(), err.getvalue()


def accepting(users: httpx.Response) -> Any:
    def org(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/authorize":
            return httpx.Response(200, text="consent")
        if request.url.path == "/oauth/token":
            return httpx.Response(400, json={"error": "invalid_grant"})
        return users

    return org


@pytest.mark.parametrize(
    "users",
    [
        httpx.Response(200, json=[]),
        httpx.Response(200, json={"data": []}),
        httpx.Response(200, json={"data": {"attributes": ["x"]}}),
        httpx.Response(200, content=b"\xff not json"),
        httpx.Response(200, json={"data": {"attributes": {"name": 7, "orgName": {"a": 1}}}}),
    ],
)
def test_verify_reads_odd_bodies_of_the_user_endpoint(tmp_path: Path, users: httpx.Response) -> None:
    """Odd JSON shapes crashed verify (``'list' object has no attribute 'get'``)."""
    write_token_file(tmp_path / "t.json", tokens(client_id="cid", api_base_url="https://acme.api.kustomerapp.com"))
    status, lines, err = verify(tmp_path, accepting(users), "--token-file", str(tmp_path / "t.json"))
    assert status == 0, err
    assert lines[-1].startswith("ok    access token: accepted by the API (a user")


def test_verify_does_not_claim_success_for_checks_that_did_not_run(tmp_path: Path) -> None:
    """With no token file the access token is not checked: exit status 3, and the summary says what did not run."""
    users = httpx.Response(200, json={"data": {"attributes": {"name": "Ada"}}})
    status, lines, _ = verify(tmp_path, accepting(users), "--token-file", str(tmp_path / "none.json"))
    assert status == 1 and lines[-1].startswith("FAIL  access token: no token file")  # named, but missing
    out, err_io = io.StringIO(), io.StringIO()
    status = main(
        ["verify", "--org", "acme", "--client-id", "cid", "--redirect-uri", "https://app.example/cb"],
        environ={"KUSTOMER_CLIENT_SECRET": SECRET, "XDG_CONFIG_HOME": str(tmp_path / "config")},
        stdout=out,
        stderr=err_io,
        transport=httpx.MockTransport(accepting(users)),
    )
    assert status == EXIT_NOT_ALL_CHECKED == 3
    assert out.getvalue().splitlines()[-1].startswith("??    access token: not checked")
    summary = err_io.getvalue()
    assert "all checks passed" not in summary
    assert "2 of 3 checks passed, none failed; 1 did not run or could not tell (access token)" in summary
    write_token_file(tmp_path / "config" / "kustomer" / "oauth" / "cid.json", tokens(client_id="cid"))
    status = main(
        ["verify", "--org", "acme", "--client-id", "cid", "--redirect-uri", "https://app.example/cb"],
        environ={"KUSTOMER_CLIENT_SECRET": SECRET, "XDG_CONFIG_HOME": str(tmp_path / "config")},
        stdout=io.StringIO(),
        stderr=(err_io := io.StringIO()),
        transport=httpx.MockTransport(accepting(users)),
    )
    assert status == 0 and "verify: all 3 checks ran and passed" in err_io.getvalue()


# --- token files edited by hand ----------------------------------------------------------------------------------

GOOD_FILE = {
    "access_token": "file-access-1",
    "refresh_token": "file-refresh-1",
    "token_type": "bearer",
    "expires_in": 3600,
    "obtained_at": "2026-01-01T00:00:00Z",
    "client_id": "cid",
    "token_url": "https://acme.api.kustomerapp.com/oauth/token",
    "api_base_url": "https://acme.api.kustomerapp.com",
}


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"access_token": 5, "refresh_token": None}, "`access_token` is 5, not a string"),
        ({"access_token": None, "refresh_token": None}, "`access_token` is missing (and so is refresh_token)"),
        ({"client_id": None}, "`client_id` is missing"),
        ({"client_id": ["cid"]}, "`client_id` is a list of 1, not a string"),
        ({"obtained_at": "yesterday"}, "`obtained_at` is 'yesterday', not a date and time"),
        ({"obtained_at": 1767225600}, "`obtained_at` is 1767225600, not a string"),
        ({"expires_in": "NaN"}, "`expires_in` is 'NaN', not a number of seconds"),
        ({"expires_in": True}, "`expires_in` is true, not a number of seconds"),
        ({"token_url": "javascript:alert(1)"}, "`token_url` is 'javascript:alert(1)', not an http(s) URL"),
        ({"api_base_url": "http://[::1"}, "`api_base_url` is 'http://[::1', not an http(s) URL"),
        ({"platform": {"name": "apaleo"}}, "`platform` is an object, not a string"),
    ],
)
def test_a_hand_edited_token_file_gets_an_error_naming_the_field(
    tmp_path: Path, change: dict[str, Any], said: str
) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps({**GOOD_FILE, **change}))
    with pytest.raises(OAuthInputError) as failure:
        read_token_file(path)
    assert said in str(failure.value) and "run login" in str(failure.value)


def test_token_files_that_are_not_files_or_not_json_say_so(tmp_path: Path) -> None:
    cases = {
        tmp_path: "is not a file",  # a directory
        Path("/proc/self/mem"): "Could not read the token file /proc/self/mem",  # unreadable, even as root
    }
    (tmp_path / "list.json").write_text("[1, 2]")
    cases[tmp_path / "list.json"] = "it holds a list of 2, not a JSON object"
    (tmp_path / "text.json").write_bytes(b"\xff\xfe not json")
    cases[tmp_path / "text.json"] = "it holds a body that is not"
    (tmp_path / "big.json").write_bytes(b" " * (1024 * 1024 + 1))
    cases[tmp_path / "big.json"] = "larger than a token file can be"
    for path, said in cases.items():
        with pytest.raises(OAuthInputError, match=said.replace("(", r"\(")):
            read_token_file(path)


def test_a_naive_date_and_an_expiry_past_year_9999_are_read(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps({**GOOD_FILE, "obtained_at": "9999-12-31T00:00:00", "expires_in": 10 * 365 * 86400}))
    read = read_token_file(path)
    assert read.obtained_at.tzinfo is not None  # naive: taken as UTC, so comparing it cannot fail
    assert read.expires_at is not None and read.expires_at.year == 9999 and not read.expired()
    assert not math.isnan(read.expires_at.timestamp())
