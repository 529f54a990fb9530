"""Error bodies: Kustomer answers errors in two shapes, and a client must read both."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from kustomer_provider.client import KustomerClient
from kustomer_provider.errors import KustomerConflictError, KustomerInvalidRequestError, KustomerNotFoundError
from tests.support.contract import ROLE_A, definition, error_entries, is_first_shape, is_jsonapi_shape, register


@pytest.fixture
def error_answers(api: httpx.Client, anonymous: httpx.Client, app_name: str) -> dict[str, httpx.Response]:
    """One answer of each documented error of the API (and a 404), by name."""
    name = register(api, app_name, "1.0.0", roles=[ROLE_A])["attributes"]["name"]
    bogus = {"Authorization": f"Bearer contract-invalid-{secrets.token_hex(16)}"}
    return {
        "conflict": api.post("/v1/apps/available", json=definition(app_name, "1.0.0", roles=[ROLE_A])),
        "outdated": api.post("/v1/apps/available", json=definition(app_name, "0.9.0", roles=[ROLE_A])),
        "roles": api.post("/v1/apps/available", json=definition(app_name, "1.1.0")),
        "validation": api.post("/v1/apps/available", json=definition(app_name, "1.2.0", redirectUris=[7])),
        "unauthorized": anonymous.get("/v1/apps/available", headers=bogus),
        "not_found": api.get(f"/v1/apps/{name}-9.9.9"),
    }


def test_every_error_body_has_one_of_the_two_shapes(error_answers: dict[str, httpx.Response]) -> None:
    """[doc] ``{"errors": [{"code", "message", "meta"}]}`` or JSON:API ``{"errors": [{"status", ..., "detail"}]}``."""
    expected_status = {"conflict": 409, "outdated": 400, "roles": 400, "validation": 400, "unauthorized": 401}
    for what, response in error_answers.items():
        assert response.status_code == expected_status.get(what, 404), f"{what}: {response.text}"
        for entry in error_entries(response):
            assert is_first_shape(entry) or is_jsonapi_shape(entry), f"{what}: {entry}"


@pytest.mark.ours
def test_which_error_uses_which_shape(error_answers: dict[str, httpx.Response]) -> None:
    """[ours] The simulator's split (docs/simulator.md): registration conflicts in the first shape, the rest JSON:API."""
    shapes: dict[str, Any] = {}
    for what, response in error_answers.items():
        entry = error_entries(response)[0]
        shapes[what] = ("first", entry["code"]) if "message" in entry else ("jsonapi", entry["status"])
    assert shapes == {
        "conflict": ("first", "conflict"),
        "outdated": ("first", "invalid_version"),
        "roles": ("first", "invalid_roles"),
        "validation": ("jsonapi", "400"),
        "unauthorized": ("jsonapi", "401"),
        "not_found": ("jsonapi", "404"),
    }
    pointer = error_entries(error_answers["validation"])[0]["source"]["pointer"]
    assert pointer == "/redirectUris/0"


def test_client_reads_both_shapes(client: KustomerClient, app_name: str) -> None:
    """[doc] Our client takes the code and the explanation from either shape into its exception."""
    registered = client.register_version(definition(app_name))
    with pytest.raises(KustomerConflictError) as conflict:
        client.register_version(definition(app_name))
    assert conflict.value.code and conflict.value.detail
    assert conflict.value.detail in str(conflict.value)

    with pytest.raises(KustomerInvalidRequestError) as invalid:
        client.register_version(definition(app_name, "1.0.1", redirectUris=[7]))
    assert invalid.value.detail and invalid.value.detail in str(invalid.value)

    with pytest.raises(KustomerNotFoundError) as missing:
        client.mint_secret(f"{registered.name}x")
    assert missing.value.status_code == 404
    assert missing.value.detail and missing.value.detail in str(missing.value)
