"""The org's private apps from the listings: public apps are left out."""

from __future__ import annotations

from kustomer_provider.answers import AvailableApp
from kustomer_provider.inventory.org import group_apps


def _app(name: str, title: str, uris: list[str]) -> AvailableApp:
    attributes = {"name": name, "version": "1.0.0", "title": title, "redirectUris": uris, "visibility": "private"}
    return AvailableApp.from_resource({"id": f"{name}-1.0.0", "attributes": attributes})


def test_public_apps_are_left_out() -> None:
    public = AvailableApp.from_resource(
        {"id": "zendesk-1.0.0", "attributes": {"name": "zendesk", "version": "1.0.0", "visibility": "public"}}
    )
    assert [a.name for a in group_apps([public, _app("mine_1", "Mine", [])], [])] == ["mine_1"]
