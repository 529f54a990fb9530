"""The platform records: their endpoints under a base URL, and each platform's own code exchange."""

from __future__ import annotations

import base64

import httpx
from hypothesis import given
from hypothesis import strategies as st

from kustomer_provider.platforms import apply_endpoint_base_url, get_platform, path_segment


def test_the_endpoint_base_url_keeps_the_path_under_the_platform_prefix() -> None:
    real = "https://identity.apaleo.com/connect/token"
    assert apply_endpoint_base_url(real, "apaleo", None) == real
    assert (
        apply_endpoint_base_url(real, "apaleo", "http://127.0.0.1:8787/")
        == "http://127.0.0.1:8787/apaleo/connect/token"
    )


def test_each_platform_exchanges_a_code_its_own_way() -> None:
    teamwork = get_platform("teamwork").exchange_request(
        client_id="c", client_secret="s", code="k", redirect_uri="https://e/cb", origin="https://app.example.com"
    )
    assert (teamwork.method, teamwork.url) == ("POST", "https://www.teamwork.com/launchpad/v1/token.json")
    assert teamwork.json == {"code": "k", "redirect_uri": "https://e/cb", "client_id": "c", "client_secret": "s"}
    assert teamwork.headers["Origin"] == "https://app.example.com"

    komerza = get_platform("komerza").exchange_request(
        client_id="app 1", client_secret="s", code="k/1", redirect_uri="x"
    )
    assert (komerza.method, komerza.url) == ("GET", "https://api.komerza.com/oauth2/app%201/exchange/k%2F1")
    assert komerza.headers["X-Client-Secret"] == "s" and komerza.headers["User-Agent"]
    assert komerza.json is None and komerza.data is None

    apaleo = get_platform("apaleo").exchange_request(client_id="c:1", client_secret="s", code="k", redirect_uri="x")
    assert apaleo.data == {"grant_type": "authorization_code", "code": "k", "redirect_uri": "x"}
    scheme, encoded = apaleo.headers["Authorization"].split(" ")
    assert scheme == "Basic" and base64.b64decode(encoded).decode() == "c%3A1:s"  # RFC 6749 2.3.1
    assert "Basic" not in repr(apaleo) and "client_secret" not in repr(teamwork)  # repr hides headers and body


# Any text, and short runs of the characters a path treats specially (dots, slashes, percent signs).
@given(st.one_of(st.text(max_size=20), st.text(alphabet="./%2Ea", max_size=4)))
def test_a_path_segment_reaches_the_server_as_itself(value: str) -> None:
    """Whatever the value (dots, slashes, percent signs, any character), the URL an HTTP client sends carries it
    as exactly one segment, and the server's decoded path gives it back."""
    url = httpx.URL(f"https://api.komerza.com/oauth2/app/exchange/{path_segment(value)}")
    assert url.raw_path.decode("ascii").count("/") == 4
    assert url.path == f"/oauth2/app/exchange/{value}"


def test_a_komerza_code_of_dots_is_not_removed_from_the_exchange_url() -> None:
    """RFC 3986 dot-segment removal would send `.../exchange/.` as `.../exchange/` (another resource)."""
    komerza = get_platform("komerza")
    for code in (".", ".."):
        request = komerza.exchange_request(
            client_id="app", client_secret="s.e.c", code=code, redirect_uri="https://e.com/cb"
        )
        sent = httpx.Request(request.method, request.url)
        assert sent.url.raw_path.endswith(b"/exchange/" + code.replace(".", "%2E").encode())


def test_a_teamwork_site_host_keeps_its_site_under_the_simulator() -> None:
    """`https://{site}.teamwork.com/launchpad/login` [doc] maps to `/teamwork/sites/{site}/...`; the www host and a
    host of more labels (an EU site, `x.eu.teamwork.com`) keep the plain mapping; other platforms have no sites."""
    base = "http://127.0.0.1:8787"
    teamwork = get_platform("teamwork")
    assert teamwork.site_authorize_url("acme") == "https://acme.teamwork.com/launchpad/login"
    assert teamwork.site_authorize_url("acme", base) == f"{base}/teamwork/sites/acme/launchpad/login"
    assert apply_endpoint_base_url("https://ACME.teamwork.com/x", "teamwork", base) == f"{base}/teamwork/sites/acme/x"
    assert teamwork.authorize_endpoint(base) == f"{base}/teamwork/launchpad/login"
    assert apply_endpoint_base_url("https://x.eu.teamwork.com/a", "teamwork", base) == f"{base}/teamwork/a"
    assert apply_endpoint_base_url("https://acme.apaleo.com/a", "apaleo", base) == f"{base}/apaleo/a"


def test_client_credentials_request_and_verdict() -> None:
    """apaleo's simple clients: a client_credentials grant with HTTP Basic; a token is live, invalid_client and
    unauthorized_client blame the client (its secret, or its kind), anything else tells nothing."""
    apaleo = get_platform("apaleo")
    request = apaleo.client_credentials_request(client_id="c", client_secret="s", endpoint_base_url="http://sim")
    assert (request.method, request.url) == ("POST", "http://sim/apaleo/connect/token")
    assert request.data == {"grant_type": "client_credentials"}
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"c:s").decode()
    grant = apaleo.client_credentials
    assert grant is not None
    assert grant.verdict(200, b'{"access_token": "t"}').verdict == "live"
    assert grant.verdict(200, b'{"token_type": "Bearer"}').verdict == "unknown"
    assert grant.verdict(401, b'{"error": "invalid_client"}').field == "client_id or client_secret"
    assert grant.verdict(400, b'{"error": "unauthorized_client"}').field == "client_kind"
    assert grant.verdict(400, b'{"error": "invalid_scope"}').verdict == "unknown"
    assert grant.verdict(503, b'{"error": "invalid_client"}').verdict == "unknown"
    assert grant.verdict(401, b"<html>").verdict == "unknown"
    assert get_platform("komerza").client_credentials is None
    assert apaleo.redirect_rules.https_only and not get_platform("komerza").redirect_rules.https_only


@given(status=st.integers(100, 599), body=st.binary(max_size=200))
def test_a_client_credentials_verdict_never_raises(status: int, body: bytes) -> None:
    grant = get_platform("apaleo").client_credentials
    assert grant is not None
    assert grant.verdict(status, body).verdict in ("live", "rejected", "unknown")
