"""The inventory's pieces without a server: what makes an app broad, the table's width with hostile text, and the
stack config's ``mintSecret``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kustomer_provider.answers import AvailableApp, InstalledApp
from kustomer_provider.errors import KustomerConfigError
from kustomer_provider.inventory import broad_roles, build_report
from kustomer_provider.inventory.org import group_apps
from kustomer_provider.inventory.render import outside_text, render_table
from kustomer_provider.stack_config import load_apps


@pytest.mark.parametrize(
    ("roles", "broad"),
    [
        (["org.permission.customer.read", "offline_access"], []),
        (["org.permission.apps"], ["org.permission.apps"]),
        (["org.admin.apps.read"], ["org.admin.apps.read"]),
        (["org.permission.message.create", "org.permission.customer.read"], ["org.permission.message.create"]),
        (["org.permission.*.read"], ["org.permission.*.read"]),
        ([f"org.permission.thing{i}.read" for i in range(11)], [f"org.permission.thing{i}.read" for i in range(11)]),
        ([f"org.permission.thing{i}.read" for i in range(10)], []),
        ([], []),
    ],
)
def test_broad_roles(roles: list[str], broad: list[str]) -> None:
    assert broad_roles(roles) == broad


def _app(name: str, title: str, uris: list[str]) -> AvailableApp:
    attributes = {"name": name, "version": "1.0.0", "title": title, "redirectUris": uris, "visibility": "private"}
    return AvailableApp.from_resource({"id": f"{name}-1.0.0", "attributes": attributes})


@given(title=st.text(max_size=300), name=st.text(min_size=1, max_size=120), width=st.integers(20, 200))
def test_the_table_fits_any_width_whatever_the_server_says(title: str, name: str, width: int) -> None:
    apps = group_apps([_app(name, title, [title])], [InstalledApp(name=name, version="1.0.0", status=title)])
    report = build_report(
        org_apps=apps, holdings=[], org=None, base_url="http://127.0.0.1:1", now=datetime.now(UTC), shown=outside_text
    )
    text = render_table(report, width=width, details=False)
    assert all(len(line) <= max(width, 60) for line in text.splitlines())
    assert all(c.isprintable() for line in text.splitlines() for c in line)
    detailed = render_table(report, width=width, details=True)
    assert "\x1b" not in detailed and "\r" not in detailed


def test_public_apps_are_left_out() -> None:
    public = AvailableApp.from_resource(
        {"id": "zendesk-1.0.0", "attributes": {"name": "zendesk", "version": "1.0.0", "visibility": "public"}}
    )
    assert [a.name for a in group_apps([public, _app("mine_1", "Mine", [])], [])] == ["mine_1"]


def test_mint_secret_false_refuses_rotation_settings() -> None:
    item = {"app": "adopted", "version": "1.0.0", "title": "Adopted", "mintSecret": False}
    assert load_apps(lambda _: [item])[0].mint_secret is False
    with pytest.raises(KustomerConfigError) as refused:
        load_apps(lambda _: [{**item, "rotateAfterDays": 90}])
    assert "kustomer:apps[0].rotateAfterDays: rotates the app's client secret" in str(refused.value)
