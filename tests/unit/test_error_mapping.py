"""Kustomer's error answers -> exceptions, over HTTP (a scripted answer on a real loopback socket): a bare 401,
which Kustomer's older error reference gives for a key lacking a role, names the roles the call needs as well as
the bad-key advice; a 401 that says the key is invalid keeps the bad-key advice alone."""

from __future__ import annotations

import json

import pytest

from kustomer_provider.client import NO_RETRY, KustomerClient
from kustomer_provider.errors import KustomerAuthError, KustomerPermissionError
from tests.support.slow_servers import canned, serving

API_KEY = "mapping-api-key-0123456789"
DEFINITION = {"app": "roles_app", "version": "1.0.0", "title": "Roles"}
BARE_BODIES = {
    "json-api-title-only": json.dumps({"errors": [{"status": "401", "title": "Unauthorized"}]}).encode(),
    "first-shape-no-message": json.dumps({"errors": [{"code": "unauthorized", "meta": {}}]}).encode(),
    "empty": b"",
}


def call(url: str, method: str) -> None:
    with KustomerClient(base_url=url, api_key=API_KEY, retry=NO_RETRY) as client:
        if method == "POST":
            client.register_version(DEFINITION)
        else:
            client.list_available()


@pytest.mark.parametrize("body", list(BARE_BODIES))
@pytest.mark.parametrize(
    ("method", "roles"),
    [("POST", "This call needs org.admin.apps and org.permission.apps"), ("GET", "needs org.permission.apps.read")],
)
def test_a_bare_401_names_the_roles_the_call_needs_too(body: str, method: str, roles: str) -> None:
    with serving(canned(401, BARE_BODIES[body])) as server, pytest.raises(KustomerAuthError) as caught:
        call(server.url, method)
    message = str(caught.value)
    assert caught.value.status_code == 401
    assert roles in message
    assert "kustomer:apiKey" in message and "missing role with a bare 401" in message
    assert "cannot be edited later" in message  # the fix: a new key with those roles
    assert API_KEY not in message


def test_a_401_that_says_the_key_is_invalid_keeps_the_bad_key_advice_alone() -> None:
    body = json.dumps({"errors": [{"status": "401", "code": "unauthorized", "detail": "Invalid API key"}]}).encode()
    with serving(canned(401, body)) as server, pytest.raises(KustomerAuthError) as caught:
        call(server.url, "GET")
    assert "kustomer:apiKey" in str(caught.value) and "org.permission" not in str(caught.value)


def test_a_401_that_names_a_role_is_a_permission_error_naming_it() -> None:
    body = json.dumps({"errors": [{"status": "401", "detail": "Missing required role(s): org.admin.apps"}]}).encode()
    with serving(canned(401, body)) as server, pytest.raises(KustomerPermissionError) as caught:
        call(server.url, "POST")
    assert "The API key lacks the role org.admin.apps" in str(caught.value)
