"""GET /v1/apps/available, GET /v1/apps and GET /v1/apps/{name}-{version}: records and paging."""

from __future__ import annotations

from typing import Any

from tests.support.simulator_client import ADMIN, FakeClock, MakeClient, TestClient, install, name_of, register


def follow(client: TestClient, path: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Follow links.next to the end; return every item and the visited links."""
    items: list[dict[str, Any]] = []
    visited = [path]
    next_link: str | None = path
    while next_link:
        response = client.get(next_link, headers=ADMIN)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["data"]
        next_link = body["links"]["next"]
        if next_link:
            visited.append(next_link)
    return items, visited


def test_available_pages_follow_next_to_the_end(make_client: MakeClient) -> None:
    client = make_client(page_size=2)
    for i in range(5):
        register(client, app=f"app{i}")
    items, visited = follow(client, "/v1/apps/available")
    assert [item["attributes"]["app"] for item in items] == [f"app{i}" for i in range(5)]
    assert visited == [
        "/v1/apps/available",
        "/v1/apps/available?page=2&pageSize=2",
        "/v1/apps/available?page=3&pageSize=2",
    ]
    last = client.get("/v1/apps/available?page=3&pageSize=2", headers=ADMIN).json()
    # Kustomer's "Pagination" doc page: links.next is null on the last page; meta counts pages and items.
    assert last["links"] == {
        "self": "/v1/apps/available?page=3&pageSize=2",
        "first": "/v1/apps/available?page=1&pageSize=2",
        "prev": "/v1/apps/available?page=2&pageSize=2",
        "next": None,
    }
    assert last["meta"] == {"page": 3, "pageSize": 2, "total": 5, "totalPages": 3}
    first = client.get("/v1/apps/available?pageSize=2", headers=ADMIN).json()
    assert first["links"]["prev"] is None and first["meta"]["page"] == 1


def test_page_size_query_overrides_default(client: TestClient) -> None:
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        register(client, version=version)
    body = client.get("/v1/apps/available?pageSize=2", headers=ADMIN).json()
    assert [d["attributes"]["version"] for d in body["data"]] == ["1.0.0", "1.1.0"]
    assert body["links"]["next"] == "/v1/apps/available?page=2&pageSize=2"
    exact = client.get("/v1/apps/available?pageSize=3", headers=ADMIN).json()
    assert len(exact["data"]) == 3 and exact["links"]["next"] is None
    beyond = client.get("/v1/apps/available?page=9", headers=ADMIN).json()
    assert beyond["data"] == [] and beyond["links"]["next"] is None


def test_available_lists_every_version_oldest_first_with_records(client: TestClient) -> None:
    register(client, app="aaa")
    register(client, app="zzz")
    register(client, app="aaa", version="1.0.1")
    data = client.get("/v1/apps/available", headers=ADMIN).json()["data"]
    assert [d["id"] for d in data] == [
        f"{name_of('aaa')}-1.0.0",
        f"{name_of('zzz')}-1.0.0",
        f"{name_of('aaa')}-1.0.1",
    ]
    assert all(d["type"] == "available_app" and "clientId" in d["attributes"] for d in data)
    assert all("clientSecret" not in d["attributes"] for d in data)


def test_empty_lists(client: TestClient) -> None:
    for path in ("/v1/apps/available", "/v1/apps"):
        body = client.get(path, headers=ADMIN).json()
        assert body["data"] == [] and body["links"]["next"] is None
        assert body["meta"] == {"page": 1, "pageSize": 100, "total": 0, "totalPages": 1}


def test_bad_paging_parameters_are_400(client: TestClient) -> None:
    for query, parameter in (("page=0", "page"), ("pageSize=-1", "pageSize"), ("page=x", "page")):
        response = client.get(f"/v1/apps?{query}", headers=ADMIN)
        assert response.status_code == 400
        assert response.json()["errors"][0]["source"] == {"parameter": parameter}


def test_installed_apps_page_and_show_status(make_client: MakeClient, clock: FakeClock) -> None:
    client = make_client(page_size=1)
    register(client, app="one")
    register(client, app="two")
    register(client, app="never")
    install(client, app="one")
    install(client, app="two")
    items, visited = follow(client, "/v1/apps")
    assert len(visited) == 2
    assert [i["id"] for i in items] == [name_of("one"), name_of("two")]
    first = items[0]
    assert first["type"] == "installed_app"
    assert first["attributes"] == {
        "name": name_of("one"),
        "version": None,
        "status": "installing",
        "error": None,
        "updatedAt": "2027-01-15T08:00:00.000Z",
    }
    clock.advance(0.3)
    item = client.get("/v1/apps", headers=ADMIN).json()["data"][0]["attributes"]
    assert item["version"] == "1.0.0" and item["status"] == "installed"
    assert item["updatedAt"] == "2027-01-15T08:00:00.300Z"


def test_installs_of_a_version(client: TestClient, clock: FakeClock) -> None:
    register(client)
    response = client.get("/v1/apps/myapp-1.0.0", headers=ADMIN)
    assert response.status_code == 200 and response.json() == {"data": []}
    install(client)
    clock.advance(1)
    data = client.get(f"/v1/apps/{name_of('myapp')}-1.0.0", headers=ADMIN).json()["data"]
    assert [d["attributes"]["status"] for d in data] == ["installed"]
    assert data[0]["id"] == f"{name_of('myapp')}-1.0.0"


def test_installs_of_unknown_version_or_app_is_404(client: TestClient) -> None:
    register(client)
    for path in ("/v1/apps/myapp-2.0.0", "/v1/apps/ghost-1.0.0"):
        response = client.get(path, headers=ADMIN)
        assert response.status_code == 404
        error = response.json()["errors"][0]
        assert error["status"] == "404" and error["code"] == "not_found" and error["detail"]


def test_prerelease_version_in_path_splits_at_first_dash(client: TestClient) -> None:
    register(client, version="1.0.0-beta.1")
    install(client, version="1.0.0-beta.1")
    data = client.get("/v1/apps/myapp-1.0.0-beta.1", headers=ADMIN).json()["data"]
    assert data[0]["attributes"]["version"] == "1.0.0-beta.1"
