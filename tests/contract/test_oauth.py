"""The OAuth provider: Invalid Client before install, the code grant (PKCE), the refresh grant, token use.

Only the Invalid Client check runs against a real org: every other test needs an authorization code,
and Kustomer gives one only after a person approves the consent screen. The simulator's
``--auto-consent`` plays that person.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from .conftest import Target
from .helpers import REDIRECT_URI, ROLE_A, ROLE_B, install, mint, query_of, register, wait_for_install

#: The seed tutorial's scope form: role strings joined by ``+``, plus ``offline_access``.
SCOPE = f"{ROLE_A}+{ROLE_B}+offline_access"
GRANTED = f"{ROLE_A} {ROLE_B} offline_access"


def authorize_url(target: Target, client_id: str, *, scope: str = SCOPE, state: str = "st-1", **extra: str) -> str:
    """The authorize URL exactly as the tutorial writes it (``+`` between scopes, other values encoded)."""
    query = {"client_id": client_id, "redirect_uri": REDIRECT_URI, "response_type": "code", "state": state, **extra}
    encoded = "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
    return f"{target.oauth.authorize_url}?{encoded}&scope={scope}"


@dataclass(frozen=True)
class OAuthApp:
    name: str
    client_id: str
    client_secret: str


@pytest.fixture
def auto_consent(target: Target) -> Iterator[None]:
    """Skip against a real org: an authorization code needs a human at the consent screen."""
    if target.sim is None:
        pytest.skip(
            "a live OAuth code grant needs a human to approve Kustomer's consent screen in a browser; "
            "the simulator's --auto-consent stands in for that person"
        )
    assert target.sim.set_faults()["auto_consent"] is True
    yield


@pytest.fixture
def oauth_app(api: httpx.Client, target: Target, app_name: str) -> OAuthApp:
    """A registered, installed app with a fresh client secret."""
    data = register(api, app_name)
    name = data["attributes"]["name"]
    assert install(api, name, "1.0.0").is_success
    wait_for_install(api, name, "1.0.0", target.install_timeout)
    secret = mint(api, f"/v1/apps/available/{name}/secret/")["attributes"]["clientSecret"]
    return OAuthApp(name=name, client_id=data["attributes"]["clientId"], client_secret=secret)


def get_code(anonymous: httpx.Client, target: Target, app: OAuthApp, **extra: str) -> str:
    """Run the authorize step (auto-consent) and return the code from the redirect."""
    response = anonymous.get(authorize_url(target, app.client_id, **extra))
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(f"{REDIRECT_URI}?")
    query = query_of(location)
    assert query["state"] == extra.get("state", "st-1")
    return query["code"]


def token(anonymous: httpx.Client, target: Target, app: OAuthApp, **form: str) -> httpx.Response:
    """POST the token endpoint, form-encoded, with the app's client credentials."""
    body = {"client_id": app.client_id, "client_secret": app.client_secret, **form}
    return anonymous.post(target.oauth.token_url, data=body)


def exchange(anonymous: httpx.Client, target: Target, app: OAuthApp, code: str, **extra: str) -> dict[str, Any]:
    response = token(
        anonymous, target, app, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI, **extra
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_invalid_client_before_install(
    api: httpx.Client, anonymous: httpx.Client, target: Target, app_name: str
) -> None:
    """[doc] Authorize answers 400 "Invalid Client" until the app is installed; not after."""
    if not target.consent_host_known:
        pytest.skip("set KUSTOMER_ORG_NAME (or a https://<org>.api.kustomerapp.com base URL) for the consent host")
    data = register(api, app_name)
    name, client_id = data["attributes"]["name"], data["attributes"]["clientId"]
    before = anonymous.get(authorize_url(target, client_id))
    assert before.status_code == 400
    assert "invalid client" in before.text.lower()

    assert install(api, name, "1.0.0").is_success
    wait_for_install(api, name, "1.0.0", target.install_timeout)
    after = anonymous.get(authorize_url(target, client_id))
    assert after.status_code != 400 and "invalid client" not in after.text.lower(), after.text


def test_code_grant(auto_consent: None, anonymous: httpx.Client, target: Target, oauth_app: OAuthApp) -> None:
    """[doc] The code from the redirect (with ``state``) buys an access and a refresh token, form-encoded."""
    body = exchange(anonymous, target, oauth_app, get_code(anonymous, target, oauth_app))
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 86400
    assert body["scope"] == GRANTED
    assert body["access_token"] and body["refresh_token"]


def test_access_token_acts_like_an_api_key_limited_to_its_scopes(
    auto_consent: None, anonymous: httpx.Client, target: Target, oauth_app: OAuthApp
) -> None:
    """[doc] An access token is used exactly like an API key, limited to the requested roles."""
    access = exchange(anonymous, target, oauth_app, get_code(anonymous, target, oauth_app))["access_token"]
    headers = {"Authorization": f"Bearer {access}"}
    assert anonymous.get("/v1/customers", headers=headers).status_code == 200
    assert anonymous.get("/v1/apps/available", headers=headers).status_code == 403


def test_no_refresh_token_without_offline_access(
    auto_consent: None, anonymous: httpx.Client, target: Target, oauth_app: OAuthApp
) -> None:
    """[doc] A refresh token only when ``offline_access`` is in the scope."""
    body = exchange(anonymous, target, oauth_app, get_code(anonymous, target, oauth_app, scope=ROLE_A))
    assert body["scope"] == ROLE_A
    assert body["access_token"] and "refresh_token" not in body


def test_pkce_s256(auto_consent: None, anonymous: httpx.Client, target: Target, oauth_app: OAuthApp) -> None:
    """[doc] With ``code_challenge`` (S256) the exchange needs the matching ``code_verifier``."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    pkce = {"code_challenge": challenge, "code_challenge_method": "S256"}

    wrong = token(
        anonymous,
        target,
        oauth_app,
        grant_type="authorization_code",
        code=get_code(anonymous, target, oauth_app, **pkce),
        redirect_uri=REDIRECT_URI,
        code_verifier=secrets.token_urlsafe(48),
    )
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    code = get_code(anonymous, target, oauth_app, **pkce)
    assert exchange(anonymous, target, oauth_app, code, code_verifier=verifier)["access_token"]


def test_refresh_grant(auto_consent: None, anonymous: httpx.Client, target: Target, oauth_app: OAuthApp) -> None:
    """[doc] A refresh token gives a new access token and a new refresh token."""
    first = exchange(anonymous, target, oauth_app, get_code(anonymous, target, oauth_app))
    response = token(anonymous, target, oauth_app, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert response.status_code == 200, response.text
    second = response.json()
    assert second["token_type"] == "bearer" and second["expires_in"] == 86400
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    headers = {"Authorization": f"Bearer {second['access_token']}"}
    assert anonymous.get("/v1/customers", headers=headers).status_code == 200


@pytest.mark.ours
def test_used_refresh_token_is_rejected(
    auto_consent: None, anonymous: httpx.Client, target: Target, oauth_app: OAuthApp
) -> None:
    """[ours] Refresh tokens rotate: a used refresh token is revoked (``invalid_grant``)."""
    first = exchange(anonymous, target, oauth_app, get_code(anonymous, target, oauth_app))
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    assert token(anonymous, target, oauth_app, **refresh).status_code == 200
    again = token(anonymous, target, oauth_app, **refresh)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


@pytest.mark.ours
def test_code_is_single_use(auto_consent: None, anonymous: httpx.Client, target: Target, oauth_app: OAuthApp) -> None:
    """[ours] ``rules.AUTH_CODE_TTL_S``: codes are single use (and valid 10 minutes, not waited for here)."""
    code = get_code(anonymous, target, oauth_app)
    exchange(anonymous, target, oauth_app, code)
    again = token(anonymous, target, oauth_app, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


# --- the OAuth helper's decisions (kustomer_provider/oauth/assumptions.py) --------------------------


@pytest.mark.ours
def test_authorize_accepts_an_installed_client(anonymous: httpx.Client, target: Target, oauth_app: OAuthApp) -> None:
    """[ours] ``oauth.assumptions.AUTHORIZE_ACCEPTED_STATUSES``: an installed client gets a page or a redirect."""
    helper = pytest.importorskip("kustomer_provider.oauth.assumptions")
    if not target.consent_host_known:
        pytest.skip("set KUSTOMER_ORG_NAME (or a https://<org>.api.kustomerapp.com base URL) for the consent host")
    response = anonymous.get(authorize_url(target, oauth_app.client_id))
    assert response.status_code in helper.AUTHORIZE_ACCEPTED_STATUSES, response.text


@pytest.mark.ours
def test_token_endpoint_checks_the_client_first(anonymous: httpx.Client, target: Target, oauth_app: OAuthApp) -> None:
    """[ours] ``oauth.assumptions.CLIENT_SECRET_PROBE_REFRESH_TOKEN``, ``SECRET_ACCEPTED_ERRORS``, ``SECRET_REJECTED_ERRORS``.

    A refresh with a token that cannot exist tells a good client secret (``invalid_grant``) from a bad
    one (``invalid_client``) without any user: the helper's ``verify`` and our revocation check rely on it.
    """
    helper = pytest.importorskip("kustomer_provider.oauth.assumptions")
    probe = {"grant_type": "refresh_token", "refresh_token": helper.CLIENT_SECRET_PROBE_REFRESH_TOKEN}
    good = token(anonymous, target, oauth_app, **probe)
    assert good.json()["error"] in helper.SECRET_ACCEPTED_ERRORS, good.text
    bad = token(anonymous, target, oauth_app, **probe, client_secret=secrets.token_urlsafe(32))
    assert bad.json()["error"] in helper.SECRET_REJECTED_ERRORS, bad.text
