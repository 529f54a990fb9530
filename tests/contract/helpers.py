"""Helpers of the contract suite: app definitions, error bodies of both shapes, polling.

Everything here talks plain HTTP (``httpx``), as Kustomer's documentation does; nothing depends on
the simulator, so each helper works against a real org too.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

__all__ = [
    "REDIRECT_URI",
    "ROLE_A",
    "ROLE_B",
    "definition",
    "error_entries",
    "error_text",
    "install",
    "is_first_shape",
    "is_jsonapi_shape",
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
