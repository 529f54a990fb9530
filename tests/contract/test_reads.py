"""Reads: every registered version, pagination as Kustomer's "Pagination" page documents it, installs of one version."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kustomer_provider.client import KustomerClient
from kustomer_provider.simulator import SimulatorProcess
from tests.support.contract import register

VERSIONS = ("1.0.0", "1.0.1", "1.1.0")


def all_pages(api: httpx.Client, first: str) -> list[dict[str, Any]]:
    """Every page of a list, following ``links.next`` until it is null; each page's body."""
    pages, link = [], first
    while link:
        response = api.get(link)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        link = pages[-1]["links"]["next"]
        assert len(pages) < 500, "links.next never ends"
    return pages


def ids(pages: list[dict[str, Any]]) -> list[str]:
    return [resource["id"] for page in pages for resource in page["data"]]


def three_pages(api: httpx.Client, app_name: str) -> tuple[int, int]:
    """Register :data:`VERSIONS` of ``app_name``; ``(total listed, a page size giving three or four pages)``."""
    for version in VERSIONS:
        register(api, app_name, version)
    total = api.get("/v1/apps/available?pageSize=1").json()["meta"]["total"]
    return total, max(2, -(-total // 3))


def test_available_lists_every_registered_version(api: httpx.Client, app_name: str) -> None:
    """[doc] ``GET /v1/apps/available``: every version the org may install, its own private apps included."""
    name = ""
    for version in VERSIONS:
        name = register(api, app_name, version)["attributes"]["name"]
    listed = ids(all_pages(api, "/v1/apps/available"))
    assert [i for i in listed if i.startswith(f"{name}-")] == [f"{name}-{v}" for v in VERSIONS]


def test_pages_carry_meta_and_links_with_next_null_on_the_last(api: httpx.Client, app_name: str) -> None:
    """[doc, "Pagination"] ``page`` and ``pageSize``; ``meta`` {page, pageSize, total, totalPages}; ``links``
    {self, first, prev, next}, ``next`` the path of the next page and ``null`` on the last."""
    total, size = three_pages(api, app_name)
    pages = all_pages(api, f"/v1/apps/available?page=1&pageSize={size}")
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert page["meta"] == {"page": number, "pageSize": size, "total": total, "totalPages": len(pages)}
        assert set(page["links"]) >= {"self", "first", "prev", "next"}, page["links"]
        assert 0 < len(page["data"]) <= size
    assert pages[0]["links"]["prev"] is None
    assert all(page["links"]["next"] for page in pages[:-1])
    assert pages[-1]["links"]["next"] is None
    listed = ids(pages)
    assert len(listed) == len(set(listed)) == total
    assert sum(1 for i in listed if i.startswith(f"{app_name}_")) == len(VERSIONS)


def test_links_are_paths_that_lead_back_to_the_same_pages(api: httpx.Client, app_name: str) -> None:
    """[doc, "Pagination"] ``links.next`` is the path of the next page; ``first`` and ``prev`` lead back."""
    _, size = three_pages(api, app_name)
    second = api.get(api.get(f"/v1/apps/available?pageSize={size}").json()["links"]["next"]).json()
    assert second["meta"]["page"] == 2
    assert second["links"]["next"].startswith("/v1/apps/available?"), second["links"]
    back = api.get(second["links"]["prev"]).json()
    first = api.get(second["links"]["first"]).json()
    assert back["meta"]["page"] == first["meta"]["page"] == 1
    assert ids([back]) == ids([first])
    assert ids([api.get(second["links"]["self"]).json()]) == ids([second])


def test_client_follows_links_next_until_it_is_null(
    restore_faults: SimulatorProcess, client: KustomerClient, app_name: str
) -> None:
    """[doc] The client reads every page by ``links.next`` (the simulator's page size forced small),
    counted by the server: one GET per page, and not one more after ``next: null``."""
    for version in VERSIONS:
        client.register_version({"app": app_name, "version": version, "title": "Contract test app"})
    total = len(client.list_available())
    size = max(2, -(-total // 3))
    restore_faults.set_faults(page_size=size)
    restore_faults.reset_stats()
    listed = client.list_available()
    served = restore_faults.stats()["requests"]
    assert len({a.id for a in listed}) == len(listed) == total
    assert served == {"GET /v1/apps/available": -(-total // size)}
    assert served["GET /v1/apps/available"] >= 2
    assert [a.version for a in client.versions_of(app_name)] == list(VERSIONS)


def test_installs_of_one_version(api: httpx.Client, app_name: str) -> None:
    """[doc] ``GET /v1/apps/{name}-{version}``: the installs of one version (none yet after registering)."""
    name = register(api, app_name)["attributes"]["name"]
    response = api.get(f"/v1/apps/{name}-1.0.0")
    assert response.status_code == 200, response.text
    assert response.json()["data"] == []


@pytest.mark.ours
def test_installs_of_an_unregistered_version_is_404(api: httpx.Client, app_name: str) -> None:
    """[ours] ``GET /v1/apps/{name}-{version}`` of a version never registered answers 404."""
    name = register(api, app_name)["attributes"]["name"]
    assert api.get(f"/v1/apps/{name}-7.7.7").status_code == 404
