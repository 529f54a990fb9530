"""Queries over the simulator's request log (``GET /_sim/requests``): which request came when."""

from __future__ import annotations

from typing import Any

MINT_ROUTES = ("POST /v1/apps/available/{name}/secret/", "POST /v1/apps/available/{name}-{version}/secret")


def mints_of(log: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """The mint requests for one app (namespaced name), either path form."""
    paths = (f"/v1/apps/available/{name}/secret/", f"/v1/apps/available/{name}-")
    return [e for e in log if f"{e['method']} {e['route']}" in MINT_ROUTES and e["path"].startswith(paths)]


def first_seen_installed(log: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """The first install poll whose answer said the app is installed."""
    seen = [e for e in log if (e.get("installs") or {}).get(name, {}).get("status") == "installed"]
    assert seen, f"no install poll saw {name} installed"
    return min(seen, key=lambda e: e["finished_tick"])
