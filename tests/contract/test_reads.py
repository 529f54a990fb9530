"""Reads: every registered version, pagination by ``links.next`` [ours], installs of one version."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kustomer_provider.client import KustomerClient
from kustomer_provider.simulator import SimulatorProcess

from .helpers import register

VERSIONS = ("1.0.0", "1.0.1", "1.1.0")


def all_pages(api: httpx.Client, first: str) -> list[dict[str, Any]]:
    """Every page of a list, following ``links.next``; each page's body."""
    pages, link = [], first
    while link:
        response = api.get(link)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        link = (pages[-1].get("links") or {}).get("next")
        assert len(pages) < 500, "links.next never ends"
    return pages


def ids(pages: list[dict[str, Any]]) -> list[str]:
    return [resource["id"] for page in pages for resource in page["data"]]


def test_available_lists_every_registered_version(api: httpx.Client, app_name: str) -> None:
    """[doc] ``GET /v1/apps/available``: every version the org may install, its own private apps included."""
    name = ""
    for version in VERSIONS:
        name = register(api, app_name, version)["attributes"]["name"]
    listed = ids(all_pages(api, "/v1/apps/available"))
    assert [i for i in listed if i.startswith(f"{name}-")] == [f"{name}-{v}" for v in VERSIONS]


@pytest.mark.ours
def test_pages_follow_links_next(api: httpx.Client, client: KustomerClient, app_name: str) -> None:
    """[ours] Lists page with ``?page=N&pageSize=M`` and a relative ``links.next``, absent on the last page."""
    for version in VERSIONS:
        register(api, app_name, version)
    total = len(client.list_available())
    size = max(2, -(-total // 3))  # three or four pages, whatever the org holds
    pages = all_pages(api, f"/v1/apps/available?page=1&pageSize={size}")
    assert len(pages) >= 2
    assert all(len(page["data"]) <= size for page in pages)
    for page in pages[:-1]:
        assert page["links"]["next"].startswith("/v1/apps/available?"), page["links"]
    assert "next" not in pages[-1].get("links", {})
    listed = ids(pages)
    assert len(listed) == len(set(listed)) >= total
    assert sum(1 for i in listed if i.startswith(f"{app_name}_")) == len(VERSIONS)


@pytest.mark.ours
def test_client_follows_every_page(restore_faults: SimulatorProcess, client: KustomerClient, app_name: str) -> None:
    """[ours] ``KustomerClient._paged`` follows ``links.next`` until it is absent (simulator page size forced)."""
    for version in VERSIONS:
        client.register_version({"app": app_name, "version": version, "title": "Contract test app"})
    total = len(client.list_available())
    size = max(2, -(-total // 3))
    restore_faults.set_faults(page_size=size)
    client.stats.requests.clear()
    listed = client.list_available()
    assert len(listed) == total
    assert client.stats.requests["GET /v1/apps/available"] == -(-total // size) >= 2
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
