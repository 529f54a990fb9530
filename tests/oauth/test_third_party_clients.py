"""OAuth clients nobody here wrote, as oracles: Authlib and requests-oauthlib against the simulator.

Each runs the authorization code flow with PKCE S256, authenticating with ``client_secret_post`` (the seed
tutorial's form fields) and with ``client_secret_basic`` (RFC 6749 §2.3.1; both libraries' default), then
refreshes, then calls the API with the access token. The simulator (``--auto-consent``) redirects at once;
the tests read the redirect instead of serving the loopback redirect URI.
"""

from __future__ import annotations

import warnings
from typing import Any

import httpx
import pytest
import requests
from authlib.common.security import generate_token
from authlib.deprecate import AuthlibDeprecationWarning
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from kustomer_provider.simulator import SimulatorProcess
from tests.support.oauth_helper import TIMEOUT, SimApp, loopback_uri, make_app

with warnings.catch_warnings():
    # Authlib 1.9 warns that it prefers httpx2; httpx is what the project ships with. (Its deprecate module
    # installs an "always" filter for its warning when imported: ours must come after it.)
    warnings.filterwarnings("ignore", category=AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client

SCOPES = ["org.permission.apps.read", "offline_access"]
METHODS = ["client_secret_post", "client_secret_basic"]


def oauth_app(sim: SimulatorProcess, library: str, method: str) -> SimApp:
    """An installed app with a secret and a loopback redirect URI (nothing listens there: the redirect is read)."""
    return make_app(sim, f"tp_{library}_{method.removeprefix('client_secret_')}", redirect_uris=[loopback_uri()])


def authorize_redirect(url: str) -> str:
    """Open the authorize URL as the browser would and return where the simulator sends it (code and state)."""
    response = httpx.get(url, follow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 302, response.text
    location: str = response.headers["location"]
    return location


def check_token_requests(seen: list[tuple[str, str | None, str]], app: SimApp, method: str) -> None:
    """Every token request authenticated the way asked: Basic header xor secret in the form body."""
    token_requests = [(auth, body) for path, auth, body in seen if path == "/oauth/token"]
    assert len(token_requests) == 2  # the code exchange and the refresh
    for auth, body in token_requests:
        if method == "client_secret_basic":
            assert auth is not None and auth.startswith("Basic ") and "client_secret" not in body
        else:
            assert auth is None and f"client_secret={app.client_secret}" in body


@pytest.mark.parametrize("method", METHODS)
def test_authlib(auto_sim: SimulatorProcess, method: str) -> None:
    """Authlib's httpx ``OAuth2Client``: code + PKCE S256, refresh, then ``GET /v1/apps`` with the token."""
    app = oauth_app(auto_sim, "authlib", method)
    seen: list[tuple[str, str | None, str]] = []

    def record(request: httpx.Request) -> None:
        seen.append((request.url.path, request.headers.get("authorization"), request.content.decode()))

    with OAuth2Client(
        app.client_id,
        app.client_secret,
        scope=" ".join(SCOPES),
        redirect_uri=app.redirect_uris[0],
        code_challenge_method="S256",
        token_endpoint_auth_method=method,
        timeout=TIMEOUT,
        event_hooks={"request": [record]},
    ) as client:
        verifier = generate_token(64)  # 64 characters, inside RFC 7636's 43..128
        url, _state = client.create_authorization_url(f"{auto_sim.url}/oauth/authorize", code_verifier=verifier)
        assert "code_challenge_method=S256" in url
        token = client.fetch_token(
            f"{auto_sim.url}/oauth/token", authorization_response=authorize_redirect(url), code_verifier=verifier
        )
        assert token["token_type"] == "bearer" and token["expires_in"] == 86400
        assert token["scope"] == " ".join(SCOPES)
        refreshed = client.refresh_token(f"{auto_sim.url}/oauth/token")
        assert refreshed["access_token"] != token["access_token"]
        assert refreshed["refresh_token"] != token["refresh_token"]
        response = client.get(f"{auto_sim.url}/v1/apps")  # the library adds `Authorization: Bearer <access token>`
    assert response.status_code == 200, response.text
    assert seen[-1][1] == f"Bearer {refreshed['access_token']}"
    assert app.name in {item["attributes"]["name"] for item in response.json()["data"]}
    check_token_requests(seen, app, method)


@pytest.mark.parametrize("method", METHODS)
def test_requests_oauthlib(auto_sim: SimulatorProcess, method: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """requests-oauthlib's ``OAuth2Session``: code + PKCE S256, refresh, then ``GET /v1/apps`` with the token."""
    # oauthlib refuses http:// URLs unless told; the simulator and the redirect URI are on 127.0.0.1 only.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    app = oauth_app(auto_sim, "requests_oauthlib", method)
    token_url = f"{auto_sim.url}/oauth/token"
    seen: list[tuple[str, str | None, str]] = []

    def record(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
        seen.append((httpx.URL(str(request.url)).path, request.headers.get("Authorization"), body))

    with OAuth2Session(app.client_id, redirect_uri=app.redirect_uris[0], scope=SCOPES, pkce="S256") as session:
        session.hooks["response"].append(record)
        url, _state = session.authorization_url(f"{auto_sim.url}/oauth/authorize")
        assert "code_challenge_method=S256" in url
        basic = method == "client_secret_basic"
        # Without include_client_id the library sends Basic (its default); with it, the form fields.
        token = session.fetch_token(
            token_url,
            authorization_response=authorize_redirect(url),
            client_secret=app.client_secret,
            include_client_id=None if basic else True,
            timeout=10,
        )
        assert token["token_type"] == "bearer" and token["expires_in"] == 86400
        if basic:
            refreshed = session.refresh_token(token_url, auth=HTTPBasicAuth(app.client_id, app.client_secret))
        else:
            refreshed = session.refresh_token(token_url, client_id=app.client_id, client_secret=app.client_secret)
        assert refreshed["access_token"] != token["access_token"]
        assert refreshed["refresh_token"] != token["refresh_token"]
        response = session.get(f"{auto_sim.url}/v1/apps", timeout=10)
    assert response.status_code == 200, response.text
    assert response.request.headers["Authorization"] == f"Bearer {refreshed['access_token']}"
    assert app.name in {item["attributes"]["name"] for item in response.json()["data"]}
    check_token_requests(seen, app, method)
