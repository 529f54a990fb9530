"""Credential and endpoint resolution (config first, then environment), and redaction of secrets."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from kustomer_provider.connection import oauth_endpoints, resolve_connection
from kustomer_provider.errors import KustomerConfigError
from kustomer_provider.redaction import REDACTED, install_log_redaction, redact, redact_json, register_secret


def test_config_wins_over_environment() -> None:
    conn = resolve_connection(
        {"kustomer:apiKey": "cfg-key-123", "kustomer:orgName": "acme"},
        {"KUSTOMER_API_KEY": "env-key-456", "KUSTOMER_ORG_NAME": "other"},
    )
    assert conn.api_key.get_secret_value() == "cfg-key-123"
    assert conn.base_url == "https://acme.api.kustomerapp.com"
    assert "cfg-key-123" not in repr(conn)


def test_environment_is_the_fallback() -> None:
    conn = resolve_connection({}, {"KUSTOMER_API_KEY": "env-key-456", "KUSTOMER_BASE_URL": "http://127.0.0.1:8787/"})
    assert conn.api_key.get_secret_value() == "env-key-456"
    assert conn.base_url == "http://127.0.0.1:8787"
    assert conn.org_name is None


def test_missing_key_names_both_ways_to_set_it() -> None:
    with pytest.raises(KustomerConfigError) as info:
        resolve_connection({"kustomer:orgName": "acme", "kustomer:apiKey": ""}, {})
    assert "pulumi config set --secret kustomer:apiKey" in str(info.value)
    assert "KUSTOMER_API_KEY" in str(info.value)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"kustomer:orgName": "Acme Inc"}, "subdomain"),
        ({"kustomer:baseUrl": "http://api.example.com"}, "must use https"),
        ({"kustomer:baseUrl": "https://acme.api.kustomerapp.com/v1"}, "without a path"),
        ({"kustomer:baseUrl": "acme.api.kustomerapp.com"}, "absolute URL"),
        ({}, "No Kustomer endpoint"),
        ({"kustomer:orgName": "acme", "kustomer:installTimeoutSeconds": "soon"}, "installTimeoutSeconds"),
        ({"kustomer:orgName": "acme", "kustomer:installTimeoutSeconds": "-1"}, "installTimeoutSeconds"),
    ],
)
def test_bad_endpoint_config_is_named(config: dict, expected: str) -> None:
    with pytest.raises(KustomerConfigError, match=expected):
        resolve_connection({"kustomer:apiKey": "k-123456789", **config}, {})


@pytest.mark.parametrize(("key", "expected"), [("Bearer abcdefgh", "'Bearer ' prefix"), ("abc def", "spaces")])
def test_malformed_key_is_refused_without_echoing_it(key: str, expected: str) -> None:
    with pytest.raises(KustomerConfigError, match=expected) as info:
        resolve_connection({"kustomer:apiKey": key, "kustomer:orgName": "acme"}, {})
    assert key not in str(info.value)


def test_oauth_endpoints_by_host() -> None:
    real = oauth_endpoints("acme", "https://acme.api.kustomerapp.com")
    assert real.authorize_url == "https://acme.kustomerapp.com/oauth/authorize"
    assert real.token_url == "https://acme.api.kustomerapp.com/oauth/token"
    sim = oauth_endpoints("acme", "http://127.0.0.1:8787")
    assert (sim.authorize_url, sim.token_url) == (
        "http://127.0.0.1:8787/oauth/authorize",
        "http://127.0.0.1:8787/oauth/token",
    )
    legacy = oauth_endpoints("acme", None, legacy=True)
    assert legacy.token_url == "https://api.apps.kustomerapp.com/oauth/token"


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer abc.def-ghi",
        "{'authorization': 'Bearer abc.def-ghi'}",
        '{"clientSecret": "abc.def-ghi"}',
        "grant_type=authorization_code&code=abc.def-ghi&client_secret=abc.def-ghi",
        '{"access_token": "abc.def-ghi", "refresh_token": "abc.def-ghi"}',
        "https://app.example/cb?code=abc.def-ghi&state=x",
    ],
)
def test_redaction_by_shape(text: str) -> None:
    cleaned = redact(text)
    assert "abc.def-ghi" not in cleaned
    assert REDACTED in cleaned


def test_redaction_of_known_values_anywhere() -> None:
    register_secret("s3cr3t-value-xyz")
    assert redact("the server said s3cr3t-value-xyz was bad") == f"the server said {REDACTED} was bad"


def test_error_codes_in_json_stay_readable() -> None:
    assert redact('{"code": "conflict"}') == '{"code": "conflict"}'


@pytest.mark.parametrize(
    "text",
    [
        '{"secret": "abc.def-ghi"}',
        '{"token": "abc.def-ghi"}',
        '{"ClientSecret": "abc.def-ghi"}',
        '{"client-secret": "abc.def-ghi"}',
        '{"CLIENT_SECRET": "abc.def-ghi"}',
        '{"outer": {"list": [{"x-api-key": "abc.def-ghi"}]}}',
        "{'password': 'abc.def-ghi'}",
        '{"token": 12345678901}',
        "GET /v1/apps?page=2&access_token=abc.def-ghi",
        "https://cb.example/?secret=abc.def-ghi",
        "x-api-key: abc.def-ghi",
        "[(b'content-type', b'application/json'), (b'X-Api-Key', b'abc.def-ghi')]",
        "token='abc.def-ghi'",
        "https://user:abc.def-ghi@acme.api.kustomerapp.com",
    ],
)
def test_redaction_by_key_in_any_spelling(text: str) -> None:
    cleaned = redact(text)
    assert "abc.def-ghi" not in cleaned and "12345678901" not in cleaned
    assert REDACTED in cleaned


def test_messages_stay_readable() -> None:
    for text in (
        "Auth token associated with pod prod2 but request is being handled by prod1",
        "Missing required role(s): org.admin.apps, org.permission.apps",
        'POST /v1/apps/available answered 409: {"code": "conflict", "detail": "This version has already been registered."}',
    ):
        assert redact(text) == text


def test_known_values_are_redacted_in_every_spelling() -> None:
    secret = "s3cr3t/with+symbols&more"
    register_secret(secret)
    for text in (
        secret,
        "q=s3cr3t%2Fwith%2Bsymbols%26more",
        "s3cr3t%2Fwith%2Bsymbols%26more",
        json.dumps({"x": secret}),
    ):
        assert "s3cr3t" not in redact(text), text


def test_redact_json_replaces_nested_values_under_secret_keys_but_keeps_error_codes() -> None:
    body = {"errors": [{"code": "conflict", "meta": {"clientSecret": {"value": "abc.def-ghi"}, "n": 1}}]}
    assert redact_json(body) == {"errors": [{"code": "conflict", "meta": {"clientSecret": REDACTED, "n": 1}}]}


def test_http_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    """httpx logs every request URL at INFO: a token in a query must not reach a handler."""
    install_log_redaction()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    with caplog.at_level(logging.DEBUG), httpx.Client(transport=transport) as client:
        client.get("https://acme.api.kustomerapp.com/v1/apps?access_token=tok-abc.def-ghi")
        logging.getLogger("httpcore.http11").debug("headers %s", [(b"x-api-key", b"tok-abc.def-ghi")])
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "HTTP Request" in logged and "x-api-key" in logged
    assert "tok-abc.def-ghi" not in logged


@pytest.mark.parametrize(
    ("config", "says"),
    [
        ({"kustomer:baseUrl": "https://user:pw-123456789@acme.api.kustomerapp.com"}, "user name or password"),
        ({"kustomer:baseUrl": "https://acme.api.kustomerapp.com\x00"}, "control characters"),
        ({"kustomer:baseUrl": "https://ａcme.api.kustomerapp.com"}, "xn--"),
        ({"kustomer:baseUrl": "https://[::1"}, "absolute URL"),
        ({"kustomer:orgName": "acme\u200b"}, "lowercase ASCII"),
        ({"kustomer:orgName": "acmé"}, "lowercase ASCII"),
    ],
)
def test_config_values_with_odd_characters_are_named_config_errors(config: dict, says: str) -> None:
    with pytest.raises(KustomerConfigError, match=says) as info:
        resolve_connection({"kustomer:apiKey": "k-123456789", **config}, {})
    assert "pw-123456789" not in str(info.value)
    assert "kustomer:" in str(info.value)


@pytest.mark.parametrize("key", ["k-123456789\u200b", "k-1234567\x07", "ключ-123456789"])
def test_an_api_key_with_odd_characters_is_refused_without_echoing_it(key: str) -> None:
    with pytest.raises(KustomerConfigError, match="kustomer:apiKey") as info:
        resolve_connection({"kustomer:apiKey": key, "kustomer:orgName": "acme"}, {})
    assert key not in str(info.value)
