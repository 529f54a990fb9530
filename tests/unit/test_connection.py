"""Credential and endpoint resolution (config first, then environment), and the OAuth endpoints by host."""

from __future__ import annotations

import pytest

from kustomer_provider.connection import oauth_endpoints, resolve_connection
from kustomer_provider.errors import KustomerConfigError


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


@pytest.mark.parametrize(
    ("config", "environ", "key"),
    [
        ({"kustomer:orgName": "acme"}, {}, "kustomer:apiKey"),
        ({"kustomer:apiKey": "Bearer abcdefgh", "kustomer:orgName": "acme"}, {}, "kustomer:apiKey"),
        ({}, {"KUSTOMER_API_KEY": "k 123456789", "KUSTOMER_ORG_NAME": "acme"}, "kustomer:apiKey"),
        ({"kustomer:apiKey": "k-123456789"}, {}, "kustomer:orgName"),
        ({"kustomer:apiKey": "k-123456789", "kustomer:orgName": "Acme Corp"}, {}, "kustomer:orgName"),
        ({"kustomer:apiKey": "k-123456789", "kustomer:baseUrl": "http://example.com"}, {}, "kustomer:baseUrl"),
        ({"kustomer:apiKey": "k-123456789"}, {"KUSTOMER_BASE_URL": "https://h/v1"}, "kustomer:baseUrl"),
        (
            {"kustomer:apiKey": "k-123456789", "kustomer:orgName": "acme", "kustomer:installTimeoutSeconds": "0"},
            {},
            "kustomer:installTimeoutSeconds",
        ),
    ],
)
def test_each_config_error_names_the_key_to_fix(config: dict, environ: dict, key: str) -> None:
    """The key a short reference to the error names (``see the first error of this run (kustomer:apiKey)``)."""
    with pytest.raises(KustomerConfigError) as info:
        resolve_connection(config, environ)
    assert info.value.key == key
