"""The contract suite's target (the simulator, or a real org with ``KUSTOMER_LIVE=1``) and its helpers: app
definitions, error bodies of both shapes, polling.

The helpers talk plain HTTP (``httpx``), as Kustomer's documentation does; none depends on the simulator,
so each works against a real org too.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from kustomer_provider.connection import OAuthEndpoints, oauth_endpoints, resolve_connection
from kustomer_provider.simulator import SimulatorProcess

__all__ = [
    "LIVE",
    "LIVE_COMMAND",
    "REDIRECT_URI",
    "ROLE_A",
    "ROLE_B",
    "Target",
    "definition",
    "error_entries",
    "error_text",
    "install",
    "is_first_shape",
    "is_jsonapi_shape",
    "live_target",
    "mint",
    "query_of",
    "ratelimit_headers",
    "register",
    "wait_for_install",
]

#: A redirect URI that nobody serves: the contract tests read the redirect, they never follow it.
REDIRECT_URI = "https://contract-tests.example.com/oauth/callback"
#: Real Kustomer role strings [3p], used where a definition or a scope needs roles.
ROLE_A = "org.permission.customer.read"
ROLE_B = "org.permission.conversation.read"
INSTALL_TERMINAL = ("installed", "install_failed")

# --- the target -------------------------------------------------------------------------------------------

LIVE = os.environ.get("KUSTOMER_LIVE") == "1"
LIVE_COMMAND = "KUSTOMER_LIVE=1 KUSTOMER_API_KEY=... KUSTOMER_BASE_URL=https://<org>.api.kustomerapp.com scripts/test tests/contract"
_PER_ORG_HOST = re.compile(r"^([a-z0-9-]+)\.api\.kustomerapp\.com$")


@dataclass
class Target:
    """Where the contract tests send requests, and what they may do there."""

    base_url: str
    api_key: str
    live: bool
    org_name: str | None
    sim: SimulatorProcess | None = None
    run_id: str = field(default_factory=lambda: time.strftime("%Y%m%d%H%M%S", time.gmtime()))
    #: How long an install may take: the simulator's take 100 ms; a real org's are slower.
    install_timeout: float = 10.0

    def new_app(self) -> str:
        """A fresh app name, ``contract_<timestamp>_<random>`` (30 characters, fits every limit)."""
        return f"contract_{self.run_id}_{secrets.token_hex(3)}"

    @property
    def oauth(self) -> OAuthEndpoints:
        """The authorize and token URLs of this target (the simulator serves both on its base URL)."""
        return oauth_endpoints(self.org_name, self.base_url)

    @property
    def consent_host_known(self) -> bool:
        """Whether :attr:`oauth` is right: a kustomerapp.com API host needs the org name for the consent host."""
        host = httpx.URL(self.base_url).host
        return bool(self.org_name) or not (host == "kustomerapp.com" or host.endswith(".kustomerapp.com"))


def live_target() -> Target:
    """The real org of ``KUSTOMER_LIVE=1``, from ``KUSTOMER_API_KEY`` and ``KUSTOMER_BASE_URL``."""
    missing = [v for v in ("KUSTOMER_API_KEY", "KUSTOMER_BASE_URL") if not os.environ.get(v)]
    if missing:
        pytest.fail(f"KUSTOMER_LIVE=1 needs {' and '.join(missing)}. Run: {LIVE_COMMAND}", pytrace=False)
    connection = resolve_connection({}, os.environ)  # validates the key and the base URL
    org_name = connection.org_name
    if org_name is None:
        match = _PER_ORG_HOST.match(httpx.URL(connection.base_url).host)
        org_name = match.group(1) if match else None
    return Target(
        base_url=connection.base_url,
        api_key=connection.api_key.get_secret_value(),
        live=True,
        org_name=org_name,
        install_timeout=300.0,
    )


# --- plain-HTTP calls -------------------------------------------------------------------------------------


def definition(app: str, version: str = "1.0.0", **extra: Any) -> dict[str, Any]:
    """A minimal private OAuth app definition (the seed tutorial's, plus a redirect URI)."""
    return {
        "app": app,
        "version": version,
        "title": "Contract test app",
        "visibility": "private",
        "redirectUris": [REDIRECT_URI],
        **extra,
    }


def register(api: httpx.Client, app: str, version: str = "1.0.0", **extra: Any) -> dict[str, Any]:
    """Register a version; assert a 2xx answer; return its ``data``."""
    response = api.post("/v1/apps/available", json=definition(app, version, **extra))
    assert response.is_success, f"register {app} {version}: {response.status_code} {response.text}"
    data: dict[str, Any] = response.json()["data"]
    return data


def install(api: httpx.Client, name: str, version: str) -> httpx.Response:
    """Start an install with our body ``{"app", "version"}`` [ours]."""
    return api.post("/v1/apps/install", json={"app": name, "version": version})


def wait_for_install(api: httpx.Client, name: str, version: str, timeout: float) -> dict[str, Any]:
    """Poll ``GET /v1/apps/{name}-{version}`` until the newest install is final; its attributes."""
    deadline = time.monotonic() + timeout
    while True:
        response = api.get(f"/v1/apps/{name}-{version}")
        assert response.status_code == 200, response.text
        records = response.json()["data"]
        if records and records[0]["attributes"]["status"] in INSTALL_TERMINAL:
            attributes: dict[str, Any] = records[0]["attributes"]
            return attributes
        assert time.monotonic() < deadline, f"install of {name} {version} not final after {timeout}s: {records}"
        time.sleep(0.05)


def mint(api: httpx.Client, path: str) -> dict[str, Any]:
    """POST ``{}`` to a mint path; assert 200; return ``data``."""
    response = api.post(path, json={})
    assert response.status_code == 200, f"mint at {path}: {response.status_code} {response.text}"
    data: dict[str, Any] = response.json()["data"]
    return data


def error_entries(response: httpx.Response) -> list[dict[str, Any]]:
    """The ``errors`` list of an error answer (asserting there is one)."""
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"], body
    return list(body["errors"])


def is_first_shape(entry: dict[str, Any]) -> bool:
    """``{"code", "message", "meta"}``."""
    return isinstance(entry.get("code"), str) and isinstance(entry.get("message"), str)


def is_jsonapi_shape(entry: dict[str, Any]) -> bool:
    """``{"status", "code", "title", "detail", "source"?}``."""
    return isinstance(entry.get("status"), str) and isinstance(entry.get("detail") or entry.get("title"), str)


def error_text(response: httpx.Response) -> str:
    """Every message of an error answer, whichever of the two shapes it has, as one string."""
    parts = []
    for entry in error_entries(response):
        assert is_first_shape(entry) or is_jsonapi_shape(entry), f"error in neither documented shape: {entry}"
        parts.extend(str(entry[k]) for k in ("message", "title", "detail") if entry.get(k))
    return " | ".join(parts)


def ratelimit_headers(response: httpx.Response) -> tuple[int, int, int]:
    """``(limit, remaining, reset)`` from the ``x-ratelimit-*`` headers, as integers."""
    values = []
    for name in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"):
        assert name in response.headers, f"{name} missing from {dict(response.headers)}"
        values.append(int(float(response.headers[name])))
    return values[0], values[1], values[2]


def query_of(location: str) -> dict[str, str]:
    """The query of a redirect ``Location`` as a flat dict."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
