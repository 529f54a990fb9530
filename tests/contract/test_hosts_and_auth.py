"""Hosts and auth: bearer API keys, 401 for unknown keys and other regions, roles for writes and reads."""

from __future__ import annotations

import os
import re
import secrets

import httpx
import pytest

from kustomer_provider.client import NO_RETRY, KustomerClient
from kustomer_provider.errors import KustomerAuthError, KustomerPermissionError
from kustomer_provider.simulator import SimulatorProcess
from tests.support.contract import Target, definition, error_text

WRITE_ROLES = ("org.admin.apps", "org.permission.apps")
READ_ROLES = ("org.permission.apps.read", "org.admin.apps.read", "org.user.apps.read")


def test_api_key_is_sent_as_bearer_and_answers_are_json_api(api: httpx.Client) -> None:
    """[doc] ``Authorization: Bearer <key>``; answers are JSON:API ``{"data": [...]}`` documents."""
    response = api.get("/v1/apps/available")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["data"], list)
    for resource in body["data"]:
        assert set(resource) >= {"type", "id", "attributes"}


def test_missing_authorization_is_401(anonymous: httpx.Client) -> None:
    """[doc] Every call needs a bearer token."""
    response = anonymous.get("/v1/apps/available")
    assert response.status_code == 401
    assert error_text(response)


def test_unknown_api_key_is_401(target: Target, anonymous: httpx.Client) -> None:
    """[doc] An unknown key is refused with 401; our client says so without echoing the key."""
    bogus = f"contract-invalid-{secrets.token_hex(16)}"
    response = anonymous.get("/v1/apps/available", headers={"Authorization": f"Bearer {bogus}"})
    assert response.status_code == 401
    assert error_text(response)

    with KustomerClient(base_url=target.base_url, api_key=bogus, retry=NO_RETRY) as client:
        with pytest.raises(KustomerAuthError) as caught:
            client.list_available()
    assert caught.value.status_code == 401
    assert bogus not in str(caught.value)
    assert "kustomer:apiKey" in str(caught.value)
    assert "lacks" not in str(caught.value)  # a bad key is not a missing role


def test_key_of_another_region_names_both_pods(target: Target) -> None:
    """[doc] A key used in the wrong region fails with "Auth token associated with pod …" naming both pods.

    In the simulator the key is registered on pod ``prod2`` while the simulator is ``prod1``. Live,
    set ``KUSTOMER_WRONG_REGION_BASE_URL`` to another region's host (e.g. ``https://api.prod2.kustomerapp.com``
    for a US org).
    """
    if target.sim is not None:
        key = f"contract-eu-{secrets.token_hex(8)}"
        target.sim.add_key(key, WRITE_ROLES, pod="prod2")
        base_url = target.base_url
    else:
        base_url = os.environ.get("KUSTOMER_WRONG_REGION_BASE_URL", "")
        if not base_url:
            pytest.skip("set KUSTOMER_WRONG_REGION_BASE_URL to another region's API host to check this live")
        key = target.api_key
    response = httpx.get(f"{base_url}/v1/apps/available", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert response.status_code == 401
    match = re.search(
        r"Auth token associated with pod (\S+) but request is being handled by (\S+)", error_text(response)
    )
    assert match, error_text(response)
    assert match.group(1) != match.group(2)

    with KustomerClient(base_url=base_url, api_key=key, retry=NO_RETRY) as client:
        with pytest.raises(KustomerAuthError) as caught:
            client.list_available()
    assert "per-org host" in str(caught.value)


@pytest.fixture
def readonly_key(target: Target) -> str:
    """A key with only ``org.permission.apps.read``: made in the simulator, or KUSTOMER_READONLY_API_KEY live."""
    if target.sim is not None:
        key = f"contract-reader-{secrets.token_hex(8)}"
        target.sim.add_key(key, ["org.permission.apps.read"])
        return key
    key = os.environ.get("KUSTOMER_READONLY_API_KEY", "")
    if not key:
        pytest.skip("set KUSTOMER_READONLY_API_KEY (a key with only org.permission.apps.read) to check this live")
    return key


def test_writes_need_admin_roles_and_reads_do_not(target: Target, readonly_key: str, app_name: str) -> None:
    """[doc] Registering needs ``org.admin.apps`` and ``org.permission.apps``; a read role only reads.

    Kustomer documents both refusals for a missing role: 403 (HTTP) and 401 (its older error reference);
    either way the refusal names the role, and our client says which role the key lacks.
    """
    headers = {"Authorization": f"Bearer {readonly_key}"}
    with httpx.Client(base_url=target.base_url, headers=headers, timeout=30) as reader:
        assert reader.get("/v1/apps/available").status_code == 200
        refused = reader.post("/v1/apps/available", json=definition(app_name))
    assert refused.status_code in (401, 403), refused.text
    assert "org.admin.apps" in error_text(refused)

    with KustomerClient(base_url=target.base_url, api_key=readonly_key, retry=NO_RETRY) as client:
        with pytest.raises(KustomerPermissionError) as caught:
            client.register_version(definition(app_name))
    assert caught.value.status_code == refused.status_code
    assert "lacks the role" in str(caught.value) and "org.admin.apps" in str(caught.value)
    assert "kustomer:apiKey" in str(caught.value)


@pytest.mark.ours
@pytest.mark.parametrize("status", [403, 401])
def test_client_names_the_missing_role_on_401_and_403(
    restore_faults: SimulatorProcess, readonly_key: str, app_name: str, status: int
) -> None:
    """[doc] A key lacking a role: the simulator answers 403 ([ours] ``rules.MISSING_ROLE_STATUS``) or, with
    the fault ``missing_role_status=401``, 401 as Kustomer's older error reference lists; the client names
    the missing role for both, and keeps the bad-key advice for a 401 that speaks of no role."""
    restore_faults.set_faults(missing_role_status=status)
    with httpx.Client(base_url=restore_faults.url, headers={"Authorization": f"Bearer {readonly_key}"}) as reader:
        refused = reader.post("/v1/apps/available", json=definition(app_name))
    assert refused.status_code == status
    assert "Missing required role(s): org.admin.apps, org.permission.apps" in error_text(refused)
    with KustomerClient(base_url=restore_faults.url, api_key=readonly_key, retry=NO_RETRY) as client:
        with pytest.raises(KustomerPermissionError) as caught:
            client.register_version(definition(app_name))
        assert client.find_version(app_name, "1.0.0") is None  # nothing was registered
    assert caught.value.status_code == status
    assert "lacks the roles org.admin.apps and org.permission.apps" in str(caught.value)


@pytest.mark.parametrize("role", READ_ROLES)
def test_each_read_role_reads_apps(sim: SimulatorProcess, role: str) -> None:
    """[doc] Reads need ``org.permission.apps.read``; the legacy read roles still work."""
    key = f"contract-{role.replace('.', '-')}-{secrets.token_hex(6)}"
    sim.add_key(key, [role])
    assert httpx.get(f"{sim.url}/v1/apps", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_a_key_without_roles_reads_nothing(sim: SimulatorProcess) -> None:
    """[doc] A key with none of the read roles is refused, and the refusal names them."""
    bare = f"contract-noroles-{secrets.token_hex(6)}"
    sim.add_key(bare, [])
    refused = httpx.get(f"{sim.url}/v1/apps", headers={"Authorization": f"Bearer {bare}"})
    assert refused.status_code in (401, 403)
    assert all(role in error_text(refused) for role in READ_ROLES)
