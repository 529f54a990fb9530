"""The committed dev stack (``stacks/Pulumi.dev.yaml``): its config, its apps and resource names, and what a
person outside Pulumi does with its apps in a simulator (a token exchange, a look at the simulator's state)."""

from __future__ import annotations

from typing import Any

import httpx
import yaml

from kustomer_provider.simulator import SimulatorProcess

from .paths import REPO_ROOT

#: The dev stack's resources: its app, the app's secret, and the install waiter.
APP = "stackone_link"
SECRET = "stackone_link-secret"
INSTALLS = "app-installs"
#: The dev app's first redirect URI: StackOne's callback.
STACKONE_CALLBACK = "https://api.stackone.com/connect/oauth2/kustomer/callback"


def dev_stack_config() -> dict[str, Any]:
    """The committed dev stack's config (stacks/Pulumi.dev.yaml)."""
    config: dict[str, Any] = yaml.safe_load((REPO_ROOT / "stacks" / "Pulumi.dev.yaml").read_text())["config"]
    return config


def dev_apps(**changes: Any) -> list[dict[str, Any]]:
    """The dev stack's apps list with the first app's fields changed."""
    apps = [dict(a) for a in dev_stack_config()["kustomer:apps"]]
    apps[0].update(changes)
    return apps


def token_status(simulator: SimulatorProcess, client_id: str, client_secret: str) -> int:
    """The status /oauth/token gives this client id and secret (with a fresh code)."""
    with httpx.Client(base_url=simulator.url, timeout=10) as http:
        authorize = http.get(
            "/oauth/authorize",
            params={"client_id": client_id, "redirect_uri": STACKONE_CALLBACK, "response_type": "code", "state": "s"},
        )
        assert authorize.status_code == 302, authorize.text
        code = httpx.URL(authorize.headers["location"]).params["code"]
        token = http.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": client_id,
                "client_secret": client_secret,
                "redirect_uri": STACKONE_CALLBACK,
            },
        )
        return token.status_code


def token_status_for(simulator: SimulatorProcess, app: dict[str, Any]) -> int:
    """:func:`token_status` for an app of the ``apps`` output (its ``clientId`` and ``clientSecret``)."""
    return token_status(simulator, app["clientId"], app["clientSecret"])


def sim_app(simulator: SimulatorProcess, name: str) -> dict[str, Any]:
    """The simulator's record of an app of the default org (``acme``), by namespaced name."""
    record: dict[str, Any] = simulator.state()["orgs"]["acme"]["apps"][name]
    return record


def api(simulator: SimulatorProcess) -> httpx.Client:
    """A client acting outside Pulumi (a person with the admin key)."""
    return httpx.Client(base_url=simulator.url, headers={"Authorization": f"Bearer {simulator.api_key}"}, timeout=10)
