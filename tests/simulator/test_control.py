"""Control API: state, keys, deleting apps, reset; the guard (Host, JSON bodies, control token)."""

from __future__ import annotations

import pytest

from kustomer_provider.simulator import rules
from tests.support.simulator_client import (
    ADMIN,
    CONTROL_TOKEN,
    FakeClock,
    TestClient,
    install,
    installed_app,
    name_of,
    register,
)


def test_state_shape(client: TestClient, clock: FakeClock) -> None:
    installed_app(client, clock)
    register(client, version="1.1.0")
    install(client, version="1.1.0")
    state = client.get("/_sim/state").json()
    acme = state["orgs"]["acme"]
    assert acme["id"] == rules.org_id_for("acme")
    app = acme["apps"][name_of("myapp")]
    assert app["app"] == "myapp" and app["name"] == name_of("myapp") and len(app["clientId"]) == 24
    assert list(app["versions"]) == ["1.0.0", "1.1.0"]
    assert app["versions"]["1.0.0"]["title"] == "myapp title"
    assert app["versions"]["1.0.0"]["createdAt"] == "2027-01-15T08:00:00.000Z"
    assert app["installed"] == {"version": "1.0.0", "status": "installing", "error": None}
    assert [(i["version"], i["status"]) for i in app["installs"]] == [("1.0.0", "installed"), ("1.1.0", "installing")]
    assert app["installs"][0]["startedAt"] == "2027-01-15T08:00:00.000Z"
    assert app["secret"]["minted"] == 1 and len(app["secret"]["current_fingerprint"]) == 16


def test_state_of_never_installed_app(client: TestClient) -> None:
    register(client)
    app = client.get("/_sim/state").json()["orgs"]["acme"]["apps"][name_of("myapp")]
    assert app["installed"] is None and app["installs"] == []
    assert app["secret"] == {"current_fingerprint": None, "minted": 0, "revoked_fingerprints": []}


def test_add_key_in_default_and_new_org(client: TestClient) -> None:
    response = client.post("/_sim/keys", json={"key": "k1", "roles": ["org.permission.apps.read"]})
    assert response.status_code == 201
    assert response.json() == {
        "org": "acme",
        "orgId": rules.org_id_for("acme"),
        "pod": "prod1",
        "roles": ["org.permission.apps.read"],
    }
    assert "k1" not in response.text
    assert client.get("/v1/apps", headers={"Authorization": "Bearer k1"}).status_code == 200
    client.post("/_sim/keys", json={"key": "k2", "roles": [], "org": "initech", "pod": "prod2"})
    assert "initech" in client.get("/_sim/state").json()["orgs"]
    wrong_pod = client.get("/v1/users/current", headers={"Authorization": "Bearer k2"})
    assert wrong_pod.status_code == 401 and "pod prod2" in wrong_pod.json()["errors"][0]["message"]


def test_add_key_validation(client: TestClient) -> None:
    for body, pointer in (
        ({"roles": []}, "/key"),
        ({"key": "", "roles": []}, "/key"),
        ({"key": "k", "roles": "admin"}, "/roles"),
        ({"key": "k", "roles": [], "org": 3}, "/org"),
        ({"key": "k", "roles": [], "extra": 1}, "/extra"),
    ):
        response = client.post("/_sim/keys", json=body)
        assert response.status_code == 400, body
        assert response.json()["errors"][0]["source"] == {"pointer": pointer}


def test_delete_app_as_if_it_never_existed(client: TestClient, clock: FakeClock) -> None:
    client_id, secret = installed_app(client, clock)
    register(client, app="keep")
    response = client.delete("/_sim/apps/myapp")
    assert response.status_code == 200 and response.json() == {"deleted": name_of("myapp"), "org": "acme"}
    assert list(client.get("/_sim/state").json()["orgs"]["acme"]["apps"]) == [name_of("keep")]
    assert client.get("/v1/apps/myapp-1.0.0", headers=ADMIN).status_code == 404
    form = {"grant_type": "refresh_token", "client_id": client_id, "client_secret": secret, "refresh_token": "x"}
    assert client.post("/oauth/token", data=form).json()["error"] == "invalid_client"
    # registering again starts from scratch: a new client id
    new_id = register(client)["attributes"]["clientId"]
    assert new_id != client_id
    assert client.delete(f"/_sim/apps/{name_of('myapp')}").status_code == 200
    missing = client.delete("/_sim/apps/myapp")
    assert missing.status_code == 404 and missing.json()["errors"][0]["status"] == "404"


def test_delete_app_in_named_org(client: TestClient) -> None:
    client.post("/_sim/keys", json={"key": "g", "roles": list(rules.ADMIN_KEY_ROLES), "org": "globex"})
    register(client)
    client.post(
        "/v1/apps/available",
        json={"app": "myapp", "version": "1.0.0", "title": "t"},
        headers={"Authorization": "Bearer g"},
    )
    response = client.delete("/_sim/apps/myapp", params={"org": "globex"})
    assert response.json() == {"deleted": f"myapp_{rules.org_id_for('globex')}", "org": "globex"}
    assert name_of("myapp") in client.get("/_sim/state").json()["orgs"]["acme"]["apps"]


def test_reset_empties_state_and_keeps_keys(client: TestClient, clock: FakeClock) -> None:
    client.post("/_sim/keys", json={"key": "k1", "roles": ["org.permission.apps.read"]})
    installed_app(client, clock)
    assert client.post("/_sim/reset").status_code == 200
    assert client.get("/_sim/state").json() == {"orgs": {"acme": {"id": rules.org_id_for("acme"), "apps": {}}}}
    assert client.get("/v1/apps/available", headers={"Authorization": "Bearer k1"}).json()["data"] == []
    assert client.get("/v1/apps", headers=ADMIN).status_code == 200


# --- the guard: Host, JSON bodies and the control token --------------------------------------------


def other_client(client: TestClient, peer: str = "127.0.0.1", **headers: str) -> TestClient:
    """Another client of the same app without the control token (a browser page, another machine)."""
    return TestClient(
        client.app, base_url="http://127.0.0.1", client=(peer, 40000), headers=headers, follow_redirects=False
    )


def key_works(client: TestClient, key: str) -> bool:
    return client.get("/v1/apps", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_cross_site_text_plain_post_plants_nothing(client: TestClient) -> None:
    """What a web page's <form enctype="text/plain"> or fetch(no-cors) sends: refused, and no key exists after."""
    browser = other_client(client, Origin="https://evil.example")
    body = '{"key": "planted", "roles": ["org.admin.apps", "org.permission.apps"]}'
    response = browser.post("/_sim/keys", content=body, headers={"content-type": "text/plain"})
    assert response.status_code == 415 and response.json()["errors"][0]["code"] == "unsupported_media_type"
    form = browser.post("/_sim/keys", data={"key": "planted2", "roles": "x"})
    assert form.status_code == 415
    assert not key_works(client, "planted") and not key_works(client, "planted2")


def test_a_json_body_without_the_token_is_refused(client: TestClient) -> None:
    browser = other_client(client)
    response = browser.post("/_sim/keys", json={"key": "planted", "roles": list(rules.ADMIN_KEY_ROLES)})
    assert response.status_code == 401 and response.json()["errors"][0]["code"] == "control_token_required"
    assert rules.CONTROL_TOKEN_HEADER in response.json()["errors"][0]["detail"]
    wrong = browser.post(
        "/_sim/keys",
        json={"key": "planted", "roles": list(rules.ADMIN_KEY_ROLES)},
        headers={rules.CONTROL_TOKEN_HEADER: "not-the-control-token"},
    )
    assert wrong.status_code == 401
    assert not key_works(client, "planted")


def test_every_change_needs_the_token(client: TestClient, clock: FakeClock) -> None:
    installed_app(client, clock)
    browser = other_client(client)
    before = client.get("/_sim/state").json()
    faults = client.get("/_sim/faults").json()
    for method, path, kwargs in (
        ("POST", "/_sim/reset", {}),
        ("POST", "/_sim/stats/reset", {}),
        ("POST", "/_sim/faults", {"json": {"fail_rate": 1.0}}),
        ("DELETE", "/_sim/apps/myapp", {}),
    ):
        response = browser.request(method, path, **kwargs)
        assert response.status_code == 401, (method, path, response.text)
    assert client.get("/_sim/state").json() == before
    assert client.get("/_sim/faults").json() == faults


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.nip.io", "127.0.0.1:8080", ""])
def test_a_foreign_host_is_refused(client: TestClient, host: str) -> None:
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends `Host: evil.example`."""
    response = client.post(
        "/_sim/keys", json={"key": "planted", "roles": list(rules.ADMIN_KEY_ROLES)}, headers={"host": host}
    )  # the token is right: the Host alone refuses it
    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "host_not_allowed"
    assert client.get("/_sim/state", headers={"host": host}).status_code == 403
    assert not key_works(client, "planted")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:80", "localhost", "LOCALHOST:80", "[::1]", "[::1]:80"])
def test_loopback_hosts_are_accepted(client: TestClient, host: str) -> None:
    assert client.get("/_sim/stats", headers={"host": host}).status_code == 200


def test_reads_are_open_on_loopback_only(client: TestClient) -> None:
    local = other_client(client)
    for path in ("/_sim/state", "/_sim/stats", "/_sim/faults"):
        assert local.get(path).status_code == 200, path
    remote = other_client(client, peer="192.0.2.10")
    assert remote.get("/_sim/state").status_code == 401
    with_token = remote.get("/_sim/state", headers={rules.CONTROL_TOKEN_HEADER: CONTROL_TOKEN})
    assert with_token.status_code == 200
