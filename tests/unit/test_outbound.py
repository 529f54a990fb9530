"""The outbound transport's rules and bounds, on their own: the URL verdict (against an independent reading of the
rule), the browser rule, and the transport around ``httpx.MockTransport`` (nothing refused reaches it; the cap;
an encoded answer). The same transport under every entry point, on real sockets: ``tests/test_transport_bounds.py``.
"""

from __future__ import annotations

import gzip
import ipaddress
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kustomer_provider.errors import KustomerConfigError
from kustomer_provider.outbound import (
    MAX_ANSWER_BYTES,
    AnswerTooLarge,
    EncodedAnswer,
    OutboundURLError,
    check_browser_url,
    check_url,
    outbound_client,
    url_refusal,
)

# -- the URL rule, read independently -----------------------------------------------------------------------


def rule_allows(url: str) -> bool:
    """The rule as the issue states it, read with urllib and ipaddress (not with the policy's code): https, or
    http to 127.0.0.0/8, ::1 or localhost; never user info; a URL httpx cannot send is not sent."""
    try:
        httpx.URL(url)
    except (httpx.InvalidURL, ValueError, UnicodeError):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in ("http", "https") or "@" in parts.netloc or not host:
        return False
    if scheme == "https":
        return True
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if address.version == 4:
        return address in ipaddress.ip_network("127.0.0.0/8")
    return address == ipaddress.ip_address("::1")


SCHEMES = st.sampled_from(["http", "https", "HTTP", "hTTpS", "ftp", "javascript", "file", "data", "ws", "httpx", ""])
USERINFO = st.one_of(
    st.just(""),
    st.sampled_from(["user@", "user:pass@", ":@", "@", "u%40x:p@", "%3A@", "evil.com\\@"]),
    st.text(alphabet="ab:%40", max_size=6).map(lambda text: f"{text}@"),
)
LOOPBACK_V4 = st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)).map(
    lambda parts: "127.{}.{}.{}".format(*parts)
)
NOTABLE_HOSTS = st.sampled_from(
    [
        "localhost",
        "LOCALHOST",
        "localhost.",
        "0.0.0.0",  # noqa: S104 - a host name under test, nothing binds it
        "[::1]",
        "[0:0:0:0:0:0:0:1]",
        "[::ffff:127.0.0.1]",
        "[::]",
        "[::1%25lo]",
        "127.1",
        "2130706433",
        "0x7f.0.0.1",
        "127%2E0.0.1",
        "%6Cocalhost",
        "bücher.example",
        "xn--bcher-kva.example",
        "ｌｏｃａｌｈｏｓｔ",
        "loc\u0430lhost",  # a Cyrillic a
        "example.com",
        "127.0.0.1.nip.io",
        "",
    ]
)
HOSTS = st.one_of(
    NOTABLE_HOSTS,
    LOOPBACK_V4,
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda address: f"[{address}]"),
    st.from_regex(r"[a-z0-9-]{1,10}(\.[a-z0-9-]{1,8}){0,2}", fullmatch=True),
    st.text(max_size=12),
)
PORTS = st.one_of(st.just(""), st.integers(0, 70000).map(lambda port: f":{port}"), st.just(":"))
TAILS = st.sampled_from(["", "/", "/oauth/token", "/a?b=c@d", "#x@y", "?next=http://127.0.0.1/", "/%2e%2e/"])
BUILT_URLS = st.builds(
    lambda scheme, userinfo, host, port, tail: f"{scheme}://{userinfo}{host}{port}{tail}",
    SCHEMES,
    USERINFO,
    HOSTS,
    PORTS,
    TAILS,
)


@given(st.one_of(BUILT_URLS, st.text(max_size=40)))
@example("http://0.0.0.0:8787/komerza/exchange")
@example("http://127.0.0.1:8787/apaleo/connect/token")
@example("https://user:hunter2@identity.apaleo.com/connect/token")
@example("http://[::1]:8787/oauth/token")
@example("http://evil.com\\@127.0.0.1/")
def test_the_policy_agrees_with_an_independent_reading_of_the_rule(url: str) -> None:
    refusal = url_refusal(url)
    assert (refusal is None) == rule_allows(url), f"{url!r}: policy says {refusal!r}"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://api.komerza.com/oauth2/x/exchange", "plain http is allowed only to a loopback host"),
        ("http://0.0.0.0:8787/oauth/token", "plain http is allowed only to a loopback host"),
        ("http://10.0.0.5/oauth/token", "plain http is allowed only to a loopback host"),
        ("http://[::ffff:127.0.0.1]/t", "plain http is allowed only to a loopback host"),
        ("https://user:pw@acme.api.kustomerapp.com", "user name or password"),
        ("http://user@127.0.0.1:8787", "user name or password"),
        ("javascript:alert(1)", "only https URLs"),
        ("file:///etc/passwd", "only https URLs"),
        ("https:///oauth/token", "no host"),
    ],
)
def test_each_refusal_says_why_and_names_where_the_url_came_from(url: str, says: str) -> None:
    with pytest.raises(OutboundURLError, match=says) as caught:
        check_url(url, source="--base-url", fix="Pass an https URL.")
    message = str(caught.value)
    assert message.startswith("--base-url is refused: ") and message.endswith("Pass an https URL.")
    assert isinstance(caught.value, KustomerConfigError)  # nothing was sent: a configuration error
    assert "pw@" not in message


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.api.kustomerapp.com/v1",
        "http://127.0.0.1:8787/x",
        "http://127.9.9.9",
        "http://[::1]:1/",
        "http://localhost/",
    ],
)
def test_https_anywhere_and_http_on_loopback_are_allowed(url: str) -> None:
    assert url_refusal(url) is None


# -- the browser rule -----------------------------------------------------------------------------------------

KUSTOMER_HOSTS = {"kustomerapp.com", ".kustomerapp.com"}


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.kustomerapp.com/oauth/authorize?client_id=x",
        "https://api.apps.kustomerapp.com/oauth/authorize",
        "http://127.0.0.1:8787/oauth/authorize",
        "http://localhost:8787/oauth/authorize",
    ],
)
def test_the_browser_opens_the_platforms_host_or_a_loopback_simulator(url: str) -> None:
    assert check_browser_url(url, hosts=KUSTOMER_HOSTS, source="s", fix="f") == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "https://evil.example/oauth/authorize",
        "https://evilkustomerapp.com/oauth/authorize",
        "https://kustomerapp.com.evil.example/oauth/authorize",
        "http://acme.kustomerapp.com/oauth/authorize",
        "https://user:pw@acme.kustomerapp.com/oauth/authorize",
    ],
)
def test_the_browser_is_never_pointed_elsewhere(url: str) -> None:
    with pytest.raises(OutboundURLError, match="The authorize URL is refused"):
        check_browser_url(url, hosts=KUSTOMER_HOSTS, source="The authorize URL", fix="Fix it.")


def test_a_configured_host_is_opened() -> None:
    url = "https://sim.staging.example/apaleo/connect/authorize?x=1"
    assert check_browser_url(url, hosts={"identity.apaleo.com", "sim.staging.example"}, source="s", fix="f") == url


# -- the transport around a MockTransport ----------------------------------------------------------------------


class Recorder:
    """A MockTransport handler that records what reached it and answers ``response``."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.response


@pytest.mark.parametrize(
    "url",
    ["http://api.example.com/t", "http://0.0.0.0:8787/t", "https://u:p@api.example.com/t"],
)
def test_a_refused_url_never_reaches_the_sending_transport(url: str) -> None:
    recorder = Recorder(httpx.Response(200))
    with outbound_client(timeout=httpx.Timeout(5.0), transport=httpx.MockTransport(recorder)) as client:
        with pytest.raises(OutboundURLError, match="refused before it was sent"):
            client.post(url, data={"client_secret": "s3cr3t-value"})
    assert recorder.requests == []


def test_the_body_is_delivered_up_to_the_cap_and_no_further() -> None:
    cap = 1000
    exact = Recorder(httpx.Response(200, content=b"x" * cap))
    with outbound_client(timeout=httpx.Timeout(5.0), transport=httpx.MockTransport(exact), max_answer_bytes=cap) as c:
        assert len(c.get("https://api.example.com/").content) == cap
    over = Recorder(httpx.Response(200, content=b"x" * (cap + 1)))
    with outbound_client(timeout=httpx.Timeout(5.0), transport=httpx.MockTransport(over), max_answer_bytes=cap) as c:
        with c.stream("GET", "https://api.example.com/") as response:
            delivered = b""
            with pytest.raises(AnswerTooLarge) as caught:
                for chunk in response.iter_bytes():
                    delivered += chunk
    assert delivered == b"x" * cap and caught.value.cap == cap


def test_identity_is_asked_for_and_an_encoded_answer_is_refused() -> None:
    # 64 MiB of zeros in 64 KiB: decoded, it would be 16 times the cap.
    bomb = gzip.compress(bytes(64 * 1024 * 1024))
    recorder = Recorder(httpx.Response(200, stream=httpx.ByteStream(bomb), headers={"Content-Encoding": "gzip"}))
    with outbound_client(timeout=httpx.Timeout(5.0), transport=httpx.MockTransport(recorder)) as client:
        with pytest.raises(EncodedAnswer, match="gzip-encoded"):
            client.get("https://api.example.com/", headers={"Accept-Encoding": "gzip, br"})
    assert recorder.requests[0].headers["Accept-Encoding"] == "identity"


def test_the_default_figures() -> None:
    assert MAX_ANSWER_BYTES == 4 * 1024 * 1024
