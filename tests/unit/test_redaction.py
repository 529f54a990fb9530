"""Redaction of secrets: by shape, by key in any spelling, known values anywhere, JSON bodies and log records."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from kustomer_provider.redaction import REDACTED, install_log_redaction, redact, redact_json, register_secret


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
