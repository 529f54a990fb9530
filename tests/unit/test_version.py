"""``kustomer_provider.__version__`` comes from the installed distribution, and every request names it."""

from __future__ import annotations

import importlib.metadata
import tomllib

import httpx
import pytest

import kustomer_provider
from kustomer_provider import _version
from tests.support.paths import REPO_ROOT
from tests.support.scripted_api import scripted_client


def test_every_request_names_the_installed_version_in_its_user_agent() -> None:
    installed = importlib.metadata.version("kustomer-pulumi")
    agents: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        agents.append(request.headers["User-Agent"])
        return httpx.Response(200, json={"data": [], "links": {"next": None}})

    client = scripted_client(handler, api_key="made-up-key-0123")
    with client:
        assert client.list_available() == []
    assert kustomer_provider.__version__ == installed
    assert agents and all(agent.startswith(f"kustomer-pulumi/{installed} ") for agent in agents)


def test_a_source_tree_that_was_never_installed_says_its_version_is_unknown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(_version, "version", not_installed)
    assert _version._installed_version() == "0+unknown"


def test_the_project_urls_are_read_from_the_installed_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    urls = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert _version.project_url("Issues") == urls["Issues"]
    assert _version.project_url("issues") == urls["Issues"]  # labels compare without case, as PEP 753 says
    assert _version.project_url("Funding") is None

    def not_installed(name: str) -> object:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(_version, "metadata", not_installed)
    assert _version.project_url("Issues") is None
