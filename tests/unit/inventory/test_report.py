"""What makes an app broad (``inventory.report.broad_roles``)."""

from __future__ import annotations

import pytest

from kustomer_provider.inventory import broad_roles


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
