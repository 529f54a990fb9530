"""Bearer auth: keys, roles, pods and orgs; /v1/users/current and /v1/customers."""

from __future__ import annotations

import pytest

from kustomer_provider.simulator import KeySpec, rules
from tests.support.simulator_client import ADMIN, MakeClient, TestClient, definition, register

WRITES = [
    ("POST", "/v1/apps/available", definition()),
    ("POST", "/v1/apps/install", {"app": "myapp", "version": "1.0.0"}),
    ("POST", "/v1/apps/available/myapp/secret/", {}),
    ("POST", "/v1/apps/available/myapp-1.0.0/secret", {}),
]
READS = [("GET", "/v1/apps/available", None), ("GET", "/v1/apps", None), ("GET", "/v1/apps/myapp-1.0.0", None)]
EVERY = [*WRITES, *READS, ("GET", "/v1/users/current", None), ("GET", "/v1/customers", None)]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def keyed(make_client: MakeClient) -> TestClient:
    keys = (
        KeySpec("reader", ("org.permission.apps.read",)),
        KeySpec("legacy-reader", ("org.user.apps.read",)),
        KeySpec("half-admin", ("org.permission.apps",)),
        KeySpec("nothing", ()),
        KeySpec("eu-key", rules.ADMIN_KEY_ROLES, org="acme", pod="prod2"),
        KeySpec("globex-admin", rules.ADMIN_KEY_ROLES, org="globex"),
        KeySpec("customers", (rules.CUSTOMER_READ_ROLE,)),
    )
    client = make_client(keys=keys)
    register(client)
    return client


@pytest.mark.parametrize(("method", "path", "body"), EVERY)
@pytest.mark.parametrize("headers", [{}, bearer("wrong"), {"Authorization": "Basic abc"}, {"Authorization": "Bearer"}])
def test_missing_or_unknown_token_is_401_jsonapi(
    keyed: TestClient, method: str, path: str, body: object, headers: dict[str, str]
) -> None:
    response = keyed.request(method, path, json=body, headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "errors": [{"status": "401", "code": "unauthorized", "title": "Unauthorized", "detail": "Invalid API key"}]
    }


@pytest.mark.parametrize(("method", "path", "body"), EVERY)
def test_key_of_another_pod_is_401_first_shape(keyed: TestClient, method: str, path: str, body: object) -> None:
    response = keyed.request(method, path, json=body, headers=bearer("eu-key"))
    assert response.status_code == 401
    assert response.json() == {
        "errors": [
            {
                "code": "unauthorized",
                "message": "Auth token associated with pod prod2 but request is being handled by prod1",
                "meta": {},
            }
        ]
    }


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_writes_need_both_admin_roles(keyed: TestClient, method: str, path: str, body: object) -> None:
    response = keyed.request(method, path, json=body, headers=bearer("half-admin"))
    assert response.status_code == 403
    error = response.json()["errors"][0]
    assert error == {
        "status": "403",
        "code": "forbidden",
        "title": "Forbidden",
        "detail": "Missing required role(s): org.admin.apps",
    }
    both = keyed.request(method, path, json=body, headers=bearer("reader")).json()["errors"][0]["detail"]
    assert both == "Missing required role(s): org.admin.apps, org.permission.apps"


@pytest.mark.parametrize(("method", "path", "body"), READS)
def test_reads_need_any_read_role(keyed: TestClient, method: str, path: str, body: object) -> None:
    for key in ("reader", "legacy-reader", "half-admin", rules.DEFAULT_API_KEY):
        assert keyed.request(method, path, headers=bearer(key)).status_code == 200, key
    response = keyed.request(method, path, headers=bearer("nothing"))
    assert response.status_code == 403
    detail = response.json()["errors"][0]["detail"]
    assert detail.startswith("Missing required role(s): one of org.permission.apps.read")
    assert all(role in detail for role in rules.READ_ROLES)


def test_key_acts_in_its_own_org_only(keyed: TestClient) -> None:
    assert keyed.get("/v1/apps/available", headers=bearer("globex-admin")).json()["data"] == []
    assert keyed.get("/v1/apps/myapp-1.0.0", headers=bearer("globex-admin")).status_code == 404
    response = keyed.post("/v1/apps/available/myapp/secret/", json={}, headers=bearer("globex-admin"))
    assert response.status_code == 404
    assert len(keyed.get("/v1/apps/available", headers=ADMIN).json()["data"]) == 1


def test_users_current_for_any_valid_key(keyed: TestClient) -> None:
    body = keyed.get("/v1/users/current", headers=bearer("nothing")).json()
    assert body["data"]["type"] == "user"
    assert body["data"]["id"] == rules.user_id_for("acme")
    assert body["data"]["attributes"] == {"name": "Simulator User", "orgName": "acme", "roles": []}
    admin = keyed.get("/v1/users/current", headers=bearer("globex-admin")).json()["data"]["attributes"]
    assert admin["orgName"] == "globex" and admin["roles"] == sorted(rules.ADMIN_KEY_ROLES)


def test_customers_need_customer_read(keyed: TestClient) -> None:
    assert keyed.get("/v1/customers", headers=bearer("customers")).json() == {"data": [], "links": {}}
    response = keyed.get("/v1/customers", headers=ADMIN)
    assert response.status_code == 403
    assert response.json()["errors"][0]["detail"] == "Missing required role(s): org.permission.customer.read"


def test_api_key_setting_replaces_the_dev_default(make_client: MakeClient) -> None:
    client = make_client(api_key="my-own-key")
    assert client.get("/v1/apps", headers=bearer("my-own-key")).status_code == 200
    assert client.get("/v1/apps", headers=ADMIN).status_code == 401
