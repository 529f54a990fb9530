"""Properties of the OAuth helper driven as a user drives it (``main(argv)``), against hostile answers nobody
listed: token answers (any JSON shape, any number, any text, non-JSON, huge), verify's answers, callback
queries on the loopback listener, and hand-edited token files.

For every example: no traceback (an unexpected exception would be exit status 70), an exit status the helper
documents, nothing invisible or acting on the terminal in what it prints (control, bidi, zero-width
characters), no line a server forged, no planted secret (the client secret, the code, the tokens), a bounded
output (a 200 kB text is capped). And what is kept is right: once a code is spent, whatever tokens the answer
holds are in the token file; a token type other than Bearer is kept but refused.
"""

from __future__ import annotations

import io
import json
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, quote_from_bytes, urlsplit

import httpx
from hypothesis import given
from hypothesis import strategies as st

from kustomer_provider.oauth import main
from kustomer_provider.oauth.answers import MAX_ANSWER_BYTES
from kustomer_provider.oauth.tokens import write_token_file
from tests.support.oauth_data import tokens

CLIENT_ID = "prop-client"
CLIENT_SECRET = "prop-client-secret-7d1e5a"
CODE = "prop-authorization-code-91c2"
ACCESS = "prop-access-token-3b8e0f"
REFRESH = "prop-refresh-token-5c2d9a"
PLANTED = (CLIENT_SECRET, CODE, ACCESS, REFRESH)
#: Secret in every login: the client secret (from the environment) and the code (once the browser brings it).
ALWAYS_SECRET = [CLIENT_SECRET, CODE]
ENV = {"KUSTOMER_CLIENT_SECRET": CLIENT_SECRET}
ORG_API = "https://acme.api.kustomerapp.com"
STACKONE = "https://api.stackone.com/connect/oauth2/kustomer/callback"
INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
#: What a command may exit with (docs/oauth-helper.md); 70 is a bug and never allowed.
STATUSES = {"login": {0, 1}, "refresh": {0, 1, 2}, "verify": {0, 1, 2, 3}}
#: The whole output of one command stays small whatever the server sends (each piece is capped).
OUTPUT_LIMIT = 40_000
#: The test's browser: one client for every example (building one costs more than a login on loopback).
BROWSER = httpx.Client(timeout=10)

# --- hostile values ----------------------------------------------------------------------------------------

FORGED = ("\nFAIL  FORGED line", "\nerror: FORGED line", "\rok    FORGED line", "\r\nFORGED")
NASTY = (
    "\x1b[2J\x1b[H",
    "\x1b]0;owned\x07",
    "\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\",
    "\x9b31m",
    "\u202e",
    "\u2066",
    "\u200b",
    "\ufeff",
    "\u2028",
    "\ud800",
    "\x00",
    *FORGED,
    *PLANTED,
    f"Bearer {ACCESS}",
)

small_hostile_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(codec=None), max_size=30),
    st.lists(st.sampled_from(NASTY) | st.text(max_size=8), max_size=6).map("".join),
)
#: Now and then (one text in 20) a 200 kB one.
hostile_text = st.integers(0, 19).flatmap(
    lambda n: st.sampled_from(["x" * 200_000, "\x1b[0m" * 50_000]) if n == 0 else small_hostile_text
)
token_text = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40)
#: Numbers JSON can carry, and some it should not: written into the body as they are.
RAW_NUMBERS = ("1e999", "-1e999", "NaN", "Infinity", "-Infinity", "1" * 5000, str(10**30), "-5", "0", "3600.5")
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    hostile_text,
    token_text,
    st.sampled_from(RAW_NUMBERS).map(lambda raw: Raw(raw)),
)
json_values = st.recursive(
    json_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
)


class Raw:
    """A JSON number written as given (``1e999``, 5,000 digits), which ``json.dumps`` would not write."""

    def __init__(self, text: str) -> None:
        self.text = text


def dumps(value: Any) -> bytes:
    """JSON text of ``value`` with its :class:`Raw` numbers in place."""
    raws: list[str] = []

    def default(item: Any) -> Any:
        if isinstance(item, Raw):
            raws.append(item.text)
            return f"__raw_{len(raws) - 1}__"
        raise TypeError(type(item).__name__)

    text = json.dumps(value, default=default, allow_nan=True)
    for index, raw in enumerate(raws):
        text = text.replace(f'"__raw_{index}__"', raw)
    return text.encode("utf-8", "surrogatepass")


@st.composite
def token_answers(draw: st.DrawFn) -> tuple[int, bytes, dict[str, Any] | None]:
    """``(status, body, the object when the body is one)``: token answers of every shape."""
    shape = draw(st.sampled_from(["object", "object", "object", "not-an-object", "not-json"]))
    status = draw(st.sampled_from([200, 200, 200, 201, 400, 401, 500]))
    if shape == "not-json":
        body = draw(
            st.sampled_from([b"", b"   ", b"<html>\x1b[2J</html>", b"\xff\xfe\x00", b"[" * 100_000, b"{" * 3])
            | st.binary(max_size=50)
        )
        return status, body, None
    if shape == "not-an-object":
        return status, dumps(draw(json_values)), None
    answer: dict[str, Any] = {}
    fields = {
        "access_token": st.just(ACCESS) | json_values,
        "refresh_token": st.just(REFRESH) | json_values,
        "token_type": st.sampled_from(["bearer", "Bearer", "BEARER", "mac", "", "DPoP"]) | json_values,
        "expires_in": st.sampled_from([3600, 86400]) | json_values,
        "scope": st.just("offline_access") | json_values,
        "id_token": json_values,
        "error": hostile_text,
        "error_description": hostile_text,
    }
    for name, values in fields.items():
        if draw(st.booleans()):
            answer[name] = draw(values)
    answer.update(draw(st.dictionaries(st.text(max_size=10), json_values, max_size=3)))
    return status, dumps(answer), answer


# --- what is printed -----------------------------------------------------------------------------------------


def assert_shown_safely(out: str, err: str, secrets: list[str]) -> None:
    """The properties of whatever the helper printed; ``secrets``: the values it must never show."""
    both = out + err
    assert "Traceback" not in both and "unexpected" not in err, err[-2000:]
    assert len(both) < OUTPUT_LIMIT, len(both)
    for secret in secrets:
        assert secret not in both
    bad = {c for c in both if unicodedata.category(c) in INVISIBLE and c not in "\n\t"}
    assert not bad, bad
    for line in both.split("\n"):
        assert "FORGED" not in line or not line.lstrip("\t").startswith(("FAIL  FORGED", "error: FORGED", "FORGED")), (
            line
        )


def run(
    argv: list[str],
    handler: Callable[[httpx.Request], httpx.Response],
    browser: Any = None,
    stdin: io.StringIO | None = None,
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(
        argv,
        environ=ENV,
        stdout=out,
        stderr=err,
        transport=httpx.MockTransport(handler),
        open_browser=browser or (lambda url: False),
        stdin=stdin,
    )
    return status, out.getvalue(), err.getvalue()


def approving_browser(
    before: list[str] | None = None, pages: list[httpx.Response] | None = None, paste_into: io.StringIO | None = None
) -> Any:
    """A browser that first sends the ``before`` queries to the redirect URI, then the real answer with the code;
    with ``paste_into`` (a redirect URI that is no listener here: apaleo's https one), the user pastes the address
    the browser landed on instead."""

    def browser(url: str) -> bool:
        query = parse_qs(urlsplit(url).query)
        redirect, state = query["redirect_uri"][0], query["state"][0]
        if paste_into is not None:
            paste_into.write(f"{redirect}?code={CODE}&state={quote(state)}\n")
            paste_into.seek(0)
            return True
        for raw in before or []:
            answered = BROWSER.get(f"{redirect}?{raw}")
            if pages is not None:
                pages.append(answered)
        BROWSER.get(f"{redirect}?code={CODE}&state={quote(state)}")
        return True

    return browser


def is_token(value: Any) -> bool:
    """RFC 6749 A.12, written again here: a non-empty string of visible ASCII characters."""
    return isinstance(value, str) and bool(value) and all(0x20 <= ord(c) <= 0x7E for c in value)


# --- token answers -------------------------------------------------------------------------------------------

PLATFORM_LOGINS = {
    "kustomer": ["--org", "acme"],
    "apaleo": ["--platform", "apaleo", "--scopes", "openid offline_access"],
    "komerza": ["--platform", "komerza"],
    "teamwork": ["--platform", "teamwork"],
}


@given(token_answers(), st.sampled_from(sorted(PLATFORM_LOGINS)))
def test_any_token_answer_to_a_login_is_kept_or_refused_clearly(
    answer: tuple[int, bytes, dict[str, Any] | None], platform: str
) -> None:
    status_code, body, parsed = answer
    token_field = "data" if platform == "komerza" else "access_token"
    if parsed is not None and platform == "komerza" and "access_token" in parsed:
        parsed["data"] = parsed.get("data", parsed["access_token"])
        body = dumps(parsed)

    def token_endpoint(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status_code, content=body, headers={"Content-Type": "application/json"})

    with tempfile.TemporaryDirectory() as home:
        token_file = Path(home) / "t.json"
        argv = ["login", *PLATFORM_LOGINS[platform], "--client-id", CLIENT_ID, "--timeout", "10"]
        # apaleo takes https redirect URIs only [seed]: its login is the paste path.
        redirect = "https://app.example.com/callback" if platform == "apaleo" else "http://127.0.0.1:0/callback"
        argv += ["--redirect-uri", redirect, "--token-file", str(token_file)]
        stdin = io.StringIO() if platform == "apaleo" else None
        status, out, err = run(argv, token_endpoint, approving_browser(paste_into=stdin), stdin)
        spent = 200 <= status_code < 300 and len(body) <= MAX_ANSWER_BYTES  # a bigger answer is not read at all
        fields = parsed if isinstance(parsed, dict) and spent else {}
        access = fields.get(token_field) if is_token(fields.get(token_field)) else None
        refresh = fields.get("refresh_token") if is_token(fields.get("refresh_token")) else None
        kept_tokens = [t for t in (access, refresh, fields.get("id_token")) if is_token(t) and len(t) >= 8]
        assert_shown_safely(out, err, [*ALWAYS_SECRET, *kept_tokens])
        assert status in STATUSES["login"], err
        if not (access or refresh):
            assert status == 1 and not token_file.exists(), err  # nothing to keep: said so
            return
        kept = json.loads(token_file.read_text())  # the code is spent: whatever tokens came are kept
        assert kept["access_token"] == (access or "")
        if refresh and platform in ("kustomer", "apaleo"):
            assert kept["refresh_token"] == refresh
        token_type = fields.get("token_type")
        bearer = token_type is None or (isinstance(token_type, str) and token_type.strip().lower() == "bearer")
        if access and bearer:
            assert status == 0, err
        else:
            assert status == 1 and "will not be used" in err, err  # RFC 6749 §7.1, or no access token


# --- verify --------------------------------------------------------------------------------------------------

statuses = st.sampled_from([200, 201, 204, 301, 302, 400, 401, 403, 404, 500, 503])


@st.composite
def answers(draw: st.DrawFn) -> httpx.Response:
    """Any answer: any status, a hostile Location, a hostile body of any shape."""
    headers: list[tuple[bytes, bytes]] = [(b"content-type", b"application/json")]
    if draw(st.booleans()):
        location = draw(
            hostile_text | st.sampled_from(["http://[::1", "https://sso.example/login", STACKONE + "?error=x"])
        )
        headers.append((b"location", location.encode("utf-8", "surrogatepass")[:4000]))
    body = draw(
        st.one_of(
            json_values.map(dumps),
            st.binary(max_size=60),
            hostile_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
        )
    )
    if draw(st.booleans()):  # an error envelope with hostile words in it
        error = {"error": draw(hostile_text | st.just("invalid_grant")), "error_description": draw(hostile_text)}
        body = dumps(
            draw(st.sampled_from([error, {"errors": [{"code": error["error"], "detail": error["error_description"]}]}]))
        )
    return httpx.Response(draw(statuses), headers=headers, content=body)


@given(answers(), answers(), answers())
def test_verify_reads_any_answers_and_prints_one_line_per_check(
    authorize: httpx.Response, token: httpx.Response, users: httpx.Response
) -> None:
    def org(request: httpx.Request) -> httpx.Response:
        return {"/oauth/authorize": authorize, "/oauth/token": token}.get(request.url.path, users)

    with tempfile.TemporaryDirectory() as home:
        token_file = Path(home) / "t.json"
        write_token_file(
            token_file,
            tokens(access_token=ACCESS, refresh_token=REFRESH, client_id=CLIENT_ID, api_base_url=ORG_API),
        )
        argv = ["verify", "--org", "acme", "--client-id", CLIENT_ID, "--redirect-uri", STACKONE]
        status, out, err = run([*argv, "--token-file", str(token_file)], org)
    assert_shown_safely(out, err, [CLIENT_SECRET, ACCESS, REFRESH])
    assert status in STATUSES["verify"], err
    lines = out.splitlines()
    assert [line.split(" ", 1)[0] in ("ok", "FAIL", "??") for line in lines] == [True] * 3, lines
    assert (status == 1) == any(line.startswith("FAIL") for line in lines)
    assert (status == 3) == (status != 1 and any(line.startswith("??") for line in lines))


@given(answers(), answers(), st.sampled_from(["komerza", "apaleo", "teamwork"]))
def test_verify_of_another_platform_reads_any_answers(
    exchange: httpx.Response, api: httpx.Response, platform: str
) -> None:
    def platform_hosts(request: httpx.Request) -> httpx.Response:
        return exchange if "token" in request.url.path or "exchange" in request.url.path else api

    with tempfile.TemporaryDirectory() as home:
        token_file = Path(home) / "t.json"
        write_token_file(
            token_file,
            tokens(access_token=ACCESS, refresh_token=None, client_id=CLIENT_ID, platform=platform),
        )
        argv = ["verify", "--platform", platform, "--client-id", CLIENT_ID, "--redirect-uri", "https://app.example/cb"]
        status, out, err = run([*argv, "--token-file", str(token_file)], platform_hosts)
    assert_shown_safely(out, err, [CLIENT_SECRET, ACCESS])
    assert status in STATUSES["verify"], err
    assert len(out.splitlines()) == 2


# --- callback queries ----------------------------------------------------------------------------------------

raw_queries = st.one_of(
    st.binary(max_size=60).map(lambda raw: quote_from_bytes(raw, safe="=&")),
    st.lists(
        st.tuples(
            st.sampled_from(["code", "state", "error", "error_description", "x"]) | st.text(max_size=5),
            hostile_text.map(lambda text: text[:300]),
        ),
        max_size=4,
    ).map(lambda pairs: "&".join(f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in pairs)),
)


@given(st.lists(raw_queries, min_size=1, max_size=4))
def test_callback_requests_without_the_logins_state_never_end_it(forged: list[str]) -> None:
    """Whatever a page makes the browser send to the loopback port without this login's state: an error page,
    ignored; the real answer that follows logs in."""
    good = {"access_token": ACCESS, "token_type": "bearer", "expires_in": 60, "refresh_token": REFRESH}
    pages: list[httpx.Response] = []
    with tempfile.TemporaryDirectory() as home:
        token_file = Path(home) / "t.json"
        argv = ["login", "--org", "acme", "--client-id", CLIENT_ID, "--timeout", "10"]
        argv += ["--redirect-uri", "http://127.0.0.1:0/callback", "--token-file", str(token_file)]
        status, out, err = run(argv, lambda request: httpx.Response(200, json=good), approving_browser(forged, pages))
        assert_shown_safely(out, err, [*ALWAYS_SECRET, ACCESS, REFRESH])
        assert status == 0, err
        assert json.loads(token_file.read_text())["access_token"] == ACCESS
    assert [page.status_code for page in pages] == [400] * len(forged)


@given(hostile_text, hostile_text)
def test_a_callback_error_with_the_logins_state_ends_it_and_is_shown_safely(error: str, description: str) -> None:
    def browser(url: str) -> bool:
        query = parse_qs(urlsplit(url).query)
        values = {"state": query["state"][0], "error": error[:500], "error_description": description[:500]}
        raw = "&".join(f"{k}={quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in values.items())
        page = BROWSER.get(f"{query['redirect_uri'][0]}?{raw}")
        assert "\x1b" not in page.text and "<script" not in page.text.lower()
        return True

    argv = ["login", "--org", "acme", "--client-id", CLIENT_ID, "--timeout", "10"]
    argv += ["--redirect-uri", "http://127.0.0.1:0/callback", "--token-file", "/nonexistent/never-written.json"]
    status, out, err = run(argv, lambda request: httpx.Response(500), browser)
    assert_shown_safely(out, err, [CLIENT_SECRET])
    assert status == 1 and "error" in err


# --- token files ---------------------------------------------------------------------------------------------

VALID_FILE: dict[str, Any] = {
    "access_token": ACCESS,
    "refresh_token": REFRESH,
    "token_type": "bearer",
    "expires_in": 3600,
    "obtained_at": "2026-01-01T00:00:00Z",
    "client_id": CLIENT_ID,
    "token_url": f"{ORG_API}/oauth/token",
    "api_base_url": ORG_API,
}


@st.composite
def token_files(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    """A token file edited by hand (fields of other types, missing, odd numbers; or not JSON at all), and the
    secrets it holds (its token fields' strings)."""
    shape = draw(st.sampled_from(["edited", "edited", "edited", "not-an-object", "not-json"]))
    if shape == "not-json":
        raw = draw(st.sampled_from([b"", b"\xff\xfe", b"{", b"[" * 100_000, b"x" * 2_000_000]) | st.binary(max_size=40))
        return raw, []
    if shape == "not-an-object":
        return dumps(draw(json_values)), []
    content = dict(VALID_FILE)
    for name in draw(st.sets(st.sampled_from([*VALID_FILE, "platform", "api_check_url", "id_token", "scope"]))):
        if draw(st.booleans()):
            content.pop(name, None)
        else:
            content[name] = draw(json_values)
    held = [content.get(name) for name in ("access_token", "refresh_token", "id_token")]
    return dumps(content), [value for value in held if isinstance(value, str) and len(value) >= 8]


@given(token_files(), st.sampled_from(["verify", "refresh"]))
def test_any_token_file_is_read_or_refused_naming_what_is_wrong(file: tuple[bytes, list[str]], command: str) -> None:
    content, held = file
    fresh = {"access_token": "prop-fresh-access-1", "token_type": "bearer", "refresh_token": "prop-fresh-refresh-1"}

    def org(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token" and b"grant_type=refresh_token" in request.content:
            if CLIENT_SECRET.encode() in request.content and b"refresh_token=prop-refresh" in request.content:
                return httpx.Response(200, json=fresh)
            return httpx.Response(400, json={"error": "invalid_grant"})
        if request.url.path == "/oauth/authorize":
            return httpx.Response(302, headers={"location": "https://acme.kustomerapp.com/login"})
        return httpx.Response(200, json={"data": {"attributes": {"name": "someone"}}})

    with tempfile.TemporaryDirectory() as home:
        token_file = Path(home) / "t.json"
        token_file.write_bytes(content)
        token_file.chmod(0o600)
        argv = [command, "--org", "acme", "--client-id", CLIENT_ID, "--token-file", str(token_file)]
        if command == "verify":
            argv += ["--redirect-uri", STACKONE]
        status, out, err = run(argv, org)
    assert_shown_safely(out, err, [CLIENT_SECRET, *held])
    assert status in STATUSES[command], err
    if command == "refresh" and status == 2:
        assert "token file" in err or "Which token file" in err or "not a file" in err, err
