"""An in-process simulator (FastAPI's ``TestClient``), its fake clock, and plain-HTTP calls of the Kustomer
flows (register, install, mint, consent, token) and of the other platforms' flows against it."""

from __future__ import annotations

import base64
import hashlib
import warnings
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from kustomer_provider.simulator import rules

with warnings.catch_warnings():
    # This starlette warns that it prefers httpx2; httpx is what the project ships with.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient as TestClient  # re-exported: the tests' client type

ADMIN_KEY = rules.DEFAULT_API_KEY
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
ORG_ID = rules.org_id_for("acme")
REDIRECT = "https://app.example.com/callback"
START = 1_800_000_000.0
CONTROL_TOKEN = "made-up-control-token-for-tests"
#: The ``make_client`` fixture's type: ``make_client(**simulator_settings) -> TestClient``.
MakeClient = Callable[..., TestClient]


class FakeClock:
    """An injectable clock (epoch seconds) that only moves when told."""

    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def name_of(app: str) -> str:
    """The namespaced name of a private app of the default org."""
    return f"{app}_{ORG_ID}"


def definition(app: str = "myapp", version: str = "1.0.0", **extra: Any) -> dict[str, Any]:
    """A minimal private OAuth app definition."""
    return {"app": app, "version": version, "title": f"{app} title", "redirectUris": [REDIRECT], **extra}


def register(client: httpx.Client, app: str = "myapp", version: str = "1.0.0", **extra: Any) -> dict[str, Any]:
    """Register a version; assert 201; return `data`."""
    response = client.post("/v1/apps/available", json=definition(app, version, **extra), headers=ADMIN)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def install(client: httpx.Client, app: str = "myapp", version: str = "1.0.0") -> httpx.Response:
    """Start an install of a version."""
    return client.post("/v1/apps/install", json={"app": app, "version": version}, headers=ADMIN)


def mint(client: httpx.Client, app: str = "myapp") -> dict[str, Any]:
    """Mint a secret (seed form); assert 200; return the attributes."""
    response = client.post(f"/v1/apps/available/{app}/secret/", json={}, headers=ADMIN)
    assert response.status_code == 200, response.text
    attributes: dict[str, Any] = response.json()["data"]["attributes"]
    return attributes


def installed_app(client: httpx.Client, clock: FakeClock, app: str = "myapp") -> tuple[str, str]:
    """Register, install (and let the install finish), mint: (client_id, client_secret)."""
    register(client, app)
    assert install(client, app).status_code == 202
    clock.advance(1)
    attributes = mint(client, app)
    return attributes["clientId"], attributes["clientSecret"]


def pkce_pair(verifier: str = "v" * 50) -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def query_of(location: str) -> dict[str, str]:
    """The query of a redirect `Location` as a flat dict."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def authorize_params(client_id: str, **extra: str) -> dict[str, str]:
    """Query of an authorize request."""
    return {
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "org.permission.customer.read offline_access",
        "state": "st-1",
        **extra,
    }


def approve(client: httpx.Client, client_id: str, **extra: str) -> str:
    """Post an approving consent for these params; return the code."""
    response = client.post("/oauth/authorize", data={**authorize_params(client_id, **extra), "decision": "approve"})
    assert response.status_code == 302, response.text
    query = query_of(response.headers["location"])
    assert query["state"] == extra.get("state", "st-1")
    return query["code"]


def token(client: httpx.Client, **form: str) -> httpx.Response:
    """POST /oauth/token with a form."""
    return client.post("/oauth/token", data=form)


def exchange(client: httpx.Client, client_id: str, secret: str, code: str, **extra: str) -> httpx.Response:
    """authorization_code grant."""
    form = {"grant_type": "authorization_code", "client_id": client_id, "client_secret": secret, "code": code}
    return token(client, **{**form, "redirect_uri": REDIRECT, **extra})


# --- the other platforms (Teamwork, Komerza, apaleo) --------------------------------------------------------

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DEV_REDIRECT = "http://127.0.0.1:8765/callback"
#: The dev clients' https redirect URI: apaleo's only one (apaleo takes https only).
DEV_HTTPS_REDIRECT = "https://example.com/oauth/callback"
#: The redirect URI the helpers below use for each platform's dev client.
DEV_REDIRECTS = {"teamwork": DEV_REDIRECT, "komerza": DEV_REDIRECT, "apaleo": DEV_HTTPS_REDIRECT}
DEV = {
    "teamwork": ("sim-dev-teamwork-client", "sim-dev-teamwork-secret"),
    "komerza": ("sim-dev-komerza-client", "sim-dev-komerza-secret-" + "x" * 49),
    "apaleo": ("sim-dev-apaleo-client", "sim-dev-apaleo-secret"),
}
AUTHORIZE_PATH = {
    "teamwork": "/teamwork/launchpad/login",
    "komerza": "/komerza/auth/authorize",
    "apaleo": "/apaleo/connect/authorize",
}


def platform_authorize(client: httpx.Client, platform: str, client_id: str, **extra: str) -> httpx.Response:
    """GET a platform's authorize page with the dev redirect URI (apaleo: its https one, the code flow with its
    dev scopes)."""
    params = {"client_id": client_id, "redirect_uri": DEV_REDIRECTS[platform], "state": "st-1"}
    if platform == "apaleo":
        params.update(response_type="code", scope="openid offline_access account.read")
    return client.get(AUTHORIZE_PATH[platform], params={**params, **extra})


def platform_code(client: httpx.Client, platform: str, client_id: str | None = None, **extra: str) -> str:
    """Approve a platform's consent form for a client (the dev client by default); return the code."""
    client_id = client_id or DEV[platform][0]
    page = platform_authorize(client, platform, client_id, **extra)
    assert page.status_code == 200, page.text
    form = {"client_id": client_id, "redirect_uri": DEV_REDIRECTS[platform], "state": "st-1", "decision": "approve"}
    if platform == "apaleo":
        form.update(response_type="code", scope="openid offline_access account.read")
    form.update(extra)
    pairs = list(form.items())
    if platform == "komerza":
        pairs.append(("store", "store_sim_main"))
    response = client.post(AUTHORIZE_PATH[platform], content=urlencode(pairs), headers=FORM)
    assert response.status_code == 302, response.text
    query = query_of(response.headers["location"])
    assert query["state"] == "st-1"
    return query["code"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
