"""Property: whatever Kustomer (or anything in its place) answers, every public client method returns a result
or raises a ``KustomerError``; never a ``JSONDecodeError``, ``KeyError``, ``ValidationError``, httpx error...

The answers are generated: any status (2xx, 3xx, 4xx, 5xx, odd ones), headers (content types and charsets,
``Retry-After`` and rate-limit values that are not numbers, a ``Content-Encoding`` the body does not have,
redirects), and bodies: valid JSON of the wrong shape, the right envelope with wrong attributes, truncated
JSON, binary, text in another charset, and bodies over the client's size cap.
"""

from __future__ import annotations

import gzip
import itertools
import json
from collections.abc import Callable
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from kustomer_provider.client import KustomerClient, RetryPolicy
from kustomer_provider.errors import KustomerError
from tests.support.scripted_api import scripted_client

ORG = "5f0c5f0c5f0c5f0c5f0c5f0c"
NAME = f"my_app_{ORG}"
#: Small, so that "huge" bodies are cheap to generate; the cap itself is tested in tests/unit.
CAP = 4096

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
json_values = st.recursive(
    json_leaf,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
attribute_values = st.one_of(json_leaf, st.sampled_from(["1.0.0", NAME, "installed", "installing", "install_failed"]))
attributes = st.dictionaries(
    st.sampled_from(["name", "version", "status", "error", "clientId", "clientSecret", "redirectUris", "app"]),
    attribute_values | json_values,
    max_size=8,
)
resources = st.fixed_dictionaries(
    {},
    optional={
        "type": st.text(max_size=10) | st.none(),
        "id": st.text(max_size=30) | json_leaf,
        "attributes": attributes | json_values,
    },
)
links = st.fixed_dictionaries(
    {},
    optional={
        "next": st.one_of(
            st.none(),
            st.sampled_from(["/v1/apps/available?page=2", "/v1/apps?page=2", "https://evil.example/x", "::", "//x"]),
            st.text(max_size=30),
            json_leaf,
        )
    },
)
envelopes = st.one_of(
    st.fixed_dictionaries({"data": resources}),
    st.fixed_dictionaries({"data": st.lists(resources, max_size=3)}, optional={"links": links | json_values}),
    st.fixed_dictionaries({"data": json_values}),
    st.fixed_dictionaries(
        {
            "errors": st.lists(
                st.dictionaries(st.sampled_from(["code", "detail", "message", "title", "source"]), json_values),
                max_size=2,
            )
        }
    ),
    st.fixed_dictionaries({"error": json_values}, optional={"error_description": json_values}),
    json_values,
)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, dict[str, str]]:
    """A body and the headers describing it (or lying about it)."""
    kind = draw(st.sampled_from(["json", "truncated", "binary", "huge", "charset", "gzip-lie", "empty"]))
    headers = {"Content-Type": "application/json"}
    if kind in ("json", "truncated"):
        text = json.dumps(draw(envelopes))
        body = text.encode()
        if kind == "truncated":
            body = body[: draw(st.integers(0, max(0, len(body) - 1)))]
    elif kind == "binary":
        body = draw(st.binary(max_size=200))
    elif kind == "huge":
        body = b'{"data": [' + b'{"attributes": {}},' * draw(st.integers(CAP // 19, CAP // 4)) + b"{}]}"
    elif kind == "charset":
        encoding = draw(st.sampled_from(["utf-16", "latin-1", "cp1252", "utf-32"]))
        body = json.dumps(draw(envelopes), ensure_ascii=False).encode(encoding, errors="replace")
        headers["Content-Type"] = f"application/json; charset={draw(st.sampled_from([encoding, 'utf-8', 'bogus']))}"
    elif kind == "gzip-lie":
        body = draw(st.sampled_from([b"not gzip at all", gzip.compress(b'{"data": []}')[:10]]))
        headers["Content-Encoding"] = "gzip"
    else:
        body = b""
    content_type = draw(st.sampled_from([None, "keep", "text/html", "application/vnd.api+json", "text/plain", ""]))
    if content_type is None:
        del headers["Content-Type"]
    elif content_type != "keep":
        headers["Content-Type"] = content_type
    return body, headers


extra_headers = st.dictionaries(
    st.sampled_from(["Retry-After", "x-ratelimit-reset", "x-ratelimit-remaining", "Location"]),
    st.one_of(
        st.sampled_from(
            ["0", "1", "nan", "inf", "-5", "1e308", "soon", "https://evil.example/", "/v1/apps", "A:0", "http://[::1"]
        ),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
    ),
    max_size=3,
)
statuses = st.one_of(
    st.sampled_from([200, 201, 202, 204, 301, 302, 307, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503]),
    st.integers(100, 599),
)


Answer = tuple[int, dict[str, str], bytes]


@st.composite
def answers(draw: st.DrawFn) -> Answer:
    body, headers = draw(bodies())
    headers.update(draw(extra_headers))
    return draw(statuses), headers, body


def client_answering(scripted: list[Answer]) -> KustomerClient:
    """A client whose requests get ``scripted`` answers in turn (cycling); it never sleeps."""
    turns = itertools.cycle(scripted)

    def handler(request: httpx.Request) -> httpx.Response:
        status, headers, body = next(turns)
        # A raw stream: the client decodes it (Content-Encoding included), as it would off the network.
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))

    return scripted_client(
        handler,
        api_key="property-api-key-0123456789",
        retry=RetryPolicy(max_attempts=2, base_delay=0.0, max_delay=0.0, total_budget=1e6),
        sleep=lambda seconds: None,
        max_answer_bytes=CAP,
        seed=0,
    )


DEFINITION = {"app": "my_app", "version": "1.0.0", "title": "t", "visibility": "private", "redirectUris": []}

#: Every public method of the client, called as the resources call it.
CALLS: dict[str, Callable[[KustomerClient], Any]] = {
    "register_version": lambda c: c.register_version(DEFINITION),
    "list_available": lambda c: c.list_available(),
    "list_available_cached": lambda c: c.list_available(max_age=5.0),
    "versions_of": lambda c: c.versions_of("my_app"),
    "find_version": lambda c: c.find_version(NAME, "1.0.0"),
    "list_installed": lambda c: c.list_installed(),
    "installed_app": lambda c: c.installed_app(NAME),
    "install": lambda c: c.install(NAME, "1.0.0"),
    "install_status": lambda c: c.install_status(NAME, "1.0.0"),
    "wait_for_install": lambda c: c.wait_for_install(NAME, "1.0.0", timeout=0.0),
    "wait_for_installs": lambda c: c.wait_for_installs({NAME: "1.0.0"}, timeout=0.0),
    "mint_secret": lambda c: c.mint_secret(NAME),
    "mint_secret_of_a_version": lambda c: c.mint_secret(NAME, "1.0.0"),
}


@given(call=st.sampled_from(sorted(CALLS)), scripted=st.lists(answers(), min_size=1, max_size=4))
def test_every_answer_is_a_result_or_a_kustomer_error(call: str, scripted: list[Answer]) -> None:
    with client_answering(scripted) as client:
        try:
            CALLS[call](client)
        except KustomerError as error:
            assert str(error)  # a message, always
