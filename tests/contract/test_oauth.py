"""The OAuth provider: Invalid Client before install, the code grant (PKCE), the refresh grant, token use.

Tests that need no authorization code run against a real org too (client authentication, error
answers, authorize errors); every other test needs a code, and Kustomer gives one only after a person
approves the consent screen: the simulator's ``--auto-consent`` plays that person.

Kustomer's docs say nothing of the RFC 6749 / RFC 7636 points checked here (Basic authentication,
``no-store``, code replay, verifier length, errors by redirect, ``WWW-Authenticate``, refresh scope):
following the RFCs there is our decision, so those tests carry ``@pytest.mark.ours`` and ``rfc`` in
their names, and a live run reports them apart (``-m "live and ours"``).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from kustomer_provider.oauth.client import OAuthClient
from tests.support.contract import (
    REDIRECT_URI,
    ROLE_A,
    ROLE_B,
    Target,
    install,
    mint,
    query_of,
    register,
    wait_for_install,
)

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
    # accepted: the consent page, or a redirect that is not an error (a sign-in page, or a code)
    assert after.status_code == 200 or after.is_redirect, after.text
    assert "error" not in query_of(after.headers.get("location", "")), after.headers.get("location")


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


# --- client authentication (RFC 6749 §2.3.1: Basic MUST be supported; the seed's form fields) --------


def basic(client_id: str, secret: str) -> dict[str, str]:
    """``Authorization: Basic`` as RFC 6749 §2.3.1 builds it (each part form-urlencoded, then base64)."""
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


Send = Callable[..., httpx.Response]


def sender(anonymous: httpx.Client, target: Target, app: OAuthApp, how: str) -> Send:
    """POST the token endpoint authenticating with ``how`` (``basic`` or ``post``); ``client_secret=`` overrides."""

    def send(*, client_secret: str = app.client_secret, **form: str) -> httpx.Response:
        if how == "basic":
            return anonymous.post(target.oauth.token_url, data=form, headers=basic(app.client_id, client_secret))
        return anonymous.post(
            target.oauth.token_url, data={"client_id": app.client_id, "client_secret": client_secret, **form}
        )

    return send


@pytest.mark.ours
@pytest.mark.parametrize("how", ["post", "basic"])
def test_client_is_authenticated_before_the_grant(
    anonymous: httpx.Client, target: Target, oauth_app: OAuthApp, how: str
) -> None:
    """[ours] A made-up refresh token: a good secret gets ``invalid_grant``, a bad one ``invalid_client``.

    How a secret is checked without a user (the OAuth helper's ``verify``, the provider's dead-secret check);
    with Basic it is also [ours: rfc] RFC 6749 §2.3.1 (Basic MUST be supported).
    """
    send = sender(anonymous, target, oauth_app, how)
    probe = {"grant_type": "refresh_token", "refresh_token": f"made-up-{secrets.token_hex(8)}"}
    good = send(**probe)
    assert (good.status_code, good.json()["error"]) == (400, "invalid_grant"), good.text
    bad = send(**probe, client_secret=secrets.token_urlsafe(32))
    assert (bad.status_code, bad.json()["error"]) == (401, "invalid_client"), bad.text


@pytest.mark.ours
def test_rfc_401_invalid_client_carries_www_authenticate(
    anonymous: httpx.Client, target: Target, oauth_app: OAuthApp
) -> None:
    """[ours: rfc] RFC 6749 §5.2: a 401 from the token endpoint names a scheme in ``WWW-Authenticate``."""
    for how in ("post", "basic"):
        send = sender(anonymous, target, oauth_app, how)
        bad = send(grant_type="refresh_token", refresh_token="made-up", client_secret=secrets.token_urlsafe(32))
        assert bad.status_code == 401, bad.text
        assert bad.headers.get("www-authenticate", "").lower().startswith("basic"), (how, dict(bad.headers))


@pytest.mark.ours
def test_helper_verify_tells_a_live_secret_from_a_dead_one(target: Target, oauth_app: OAuthApp) -> None:
    """[ours] The OAuth helper's ``check_client_secret`` (the same probe) over HTTP: accepted, then refused."""
    with OAuthClient() as helper:
        live = helper.check_client_secret(
            target.oauth.token_url, client_id=oauth_app.client_id, client_secret=oauth_app.client_secret
        )
        dead = helper.check_client_secret(
            target.oauth.token_url, client_id=oauth_app.client_id, client_secret=secrets.token_urlsafe(32)
        )
    assert live.ok is True, live.message
    assert dead.ok is False, dead.message


@pytest.mark.ours
def test_helper_check_authorize_tells_installed_from_not_installed(
    api: httpx.Client, target: Target, app_name: str
) -> None:
    """[ours] The OAuth helper's ``check_authorize`` (``oauth.assumptions.AUTHORIZE_ACCEPTED_STATUSES``) over
    HTTP: refused before the install ([doc] 400 "Invalid Client"), accepted after it."""
    if not target.consent_host_known:
        pytest.skip("set KUSTOMER_ORG_NAME (or a https://<org>.api.kustomerapp.com base URL) for the consent host")
    data = register(api, app_name)
    name, client_id = data["attributes"]["name"], data["attributes"]["clientId"]
    scopes = [ROLE_A]
    with OAuthClient() as helper:
        before = helper.check_authorize(
            target.oauth.authorize_url, client_id=client_id, redirect_uri=REDIRECT_URI, scopes=scopes
        )
        assert install(api, name, "1.0.0").is_success
        wait_for_install(api, name, "1.0.0", target.install_timeout)
        after = helper.check_authorize(
            target.oauth.authorize_url, client_id=client_id, redirect_uri=REDIRECT_URI, scopes=scopes
        )
    assert before.ok is False and "Invalid Client" in before.message, before.message
    assert after.ok is True, after.message


# --- authorize errors (RFC 6749 §4.1.2.1) ------------------------------------------------------------


@pytest.mark.ours
@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge": "c" * 43, "code_challenge_method": "plain"}, "invalid_request"),
    ],
    ids=["response_type", "code_challenge_method"],
)
def test_rfc_authorize_errors_are_redirected_to_a_valid_redirect_uri(
    anonymous: httpx.Client, target: Target, oauth_app: OAuthApp, extra: dict[str, str], error: str
) -> None:
    """[ours: rfc] RFC 6749 §4.1.2.1: with a valid client and redirect URI, an error goes back by redirect with state."""
    if not target.consent_host_known:
        pytest.skip("set KUSTOMER_ORG_NAME (or a https://<org>.api.kustomerapp.com base URL) for the consent host")
    query = {"client_id": oauth_app.client_id, "redirect_uri": REDIRECT_URI, "response_type": "code", "state": "st-9"}
    response = anonymous.get(target.oauth.authorize_url, params={**query, "scope": ROLE_A, **extra})
    assert response.is_redirect, response.text
    location = response.headers["location"]
    assert location.startswith(f"{REDIRECT_URI}?"), location
    assert query_of(location)["error"] == error and query_of(location)["state"] == "st-9"


def test_unregistered_redirect_uri_is_never_redirected_to(
    anonymous: httpx.Client, target: Target, oauth_app: OAuthApp
) -> None:
    """RFC 6749 §4.1.2.1 (a MUST): an authorize request with an unregistered redirect URI is not sent there."""
    if not target.consent_host_known:
        pytest.skip("set KUSTOMER_ORG_NAME (or a https://<org>.api.kustomerapp.com base URL) for the consent host")
    evil = "https://attacker.example.com/cb"
    query = {"client_id": oauth_app.client_id, "redirect_uri": evil, "response_type": "code", "scope": ROLE_A}
    response = anonymous.get(target.oauth.authorize_url, params=query)
    assert not response.headers.get("location", "").startswith(evil)
    assert response.status_code >= 400 or response.is_redirect, response.status_code


# --- the code grant: RFC points (simulator only: a code needs consent) -------------------------------


@pytest.mark.ours
def test_rfc_code_grant_and_refresh_with_basic_authentication(
    auto_consent: None, anonymous: httpx.Client, target: Target, oauth_app: OAuthApp
) -> None:
    """[ours: rfc] RFC 6749 §2.3.1: the whole flow with ``Authorization: Basic`` instead of the form fields."""
    send = sender(anonymous, target, oauth_app, "basic")
    first = send(
        grant_type="authorization_code", code=get_code(anonymous, target, oauth_app), redirect_uri=REDIRECT_URI
    )
    assert first.status_code == 200, first.text
    second = send(grant_type="refresh_token", refresh_token=first.json()["refresh_token"])
    assert second.status_code == 200, second.text
    headers = {"Authorization": f"Bearer {second.json()['access_token']}"}
    assert anonymous.get("/v1/customers", headers=headers).status_code == 200


@pytest.mark.ours
def test_rfc_token_answers_are_not_cached(
    auto_consent: None, anonymous: httpx.Client, target: Target, oauth_app: OAuthApp
) -> None:
    """[ours: rfc] RFC 6749 §5.1: ``Cache-Control: no-store`` and ``Pragma: no-cache`` on a token answer."""
    response = token(
        anonymous,
        target,
        oauth_app,
        grant_type="authorization_code",
        code=get_code(anonymous, target, oauth_app),
        redirect_uri=REDIRECT_URI,
    )
    assert response.status_code == 200, response.text
    assert response.headers.get("cache-control") == "no-store"
    assert response.headers.get("pragma") == "no-cache"


@pytest.mark.ours
def test_rfc_replayed_code_revokes_its_tokens(
    auto_consent: None, anonymous: httpx.Client, target: Target, oauth_app: OAuthApp
) -> None:
    """[ours: rfc] RFC 6749 §4.1.2: a second use of a code is refused and the tokens issued from it revoked."""
    code = get_code(anonymous, target, oauth_app)
    first = exchange(anonymous, target, oauth_app, code)
    headers = {"Authorization": f"Bearer {first['access_token']}"}
    assert anonymous.get("/v1/customers", headers=headers).status_code == 200
    again = token(anonymous, target, oauth_app, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
    assert anonymous.get("/v1/customers", headers=headers).status_code == 401
    refresh = token(anonymous, target, oauth_app, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert (refresh.status_code, refresh.json()["error"]) == (400, "invalid_grant")


@pytest.mark.ours
def test_rfc_short_code_verifier_is_refused(
    auto_consent: None, anonymous: httpx.Client, target: Target, oauth_app: OAuthApp
) -> None:
    """[ours: rfc] RFC 7636 §4.1: a verifier of 10 characters is refused even when its challenge matches."""
    verifier = "short-verf"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    code = get_code(anonymous, target, oauth_app, code_challenge=challenge, code_challenge_method="S256")
    response = token(
        anonymous,
        target,
        oauth_app,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI,
        code_verifier=verifier,
    )
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request"), response.text


@pytest.mark.ours
def test_rfc_refresh_with_a_narrower_scope(
    auto_consent: None, anonymous: httpx.Client, target: Target, oauth_app: OAuthApp
) -> None:
    """[ours: rfc] RFC 6749 §6: a subset of the scope narrows the new access token; a wider one is ``invalid_scope``."""
    first = exchange(anonymous, target, oauth_app, get_code(anonymous, target, oauth_app))
    wider = token(
        anonymous,
        target,
        oauth_app,
        grant_type="refresh_token",
        refresh_token=first["refresh_token"],
        scope="org.admin.apps",
    )
    assert (wider.status_code, wider.json()["error"]) == (400, "invalid_scope")
    narrow = token(
        anonymous, target, oauth_app, grant_type="refresh_token", refresh_token=first["refresh_token"], scope=ROLE_B
    )
    assert narrow.status_code == 200, narrow.text
    assert narrow.json()["scope"] == ROLE_B
    headers = {"Authorization": f"Bearer {narrow.json()['access_token']}"}
    assert anonymous.get("/v1/customers", headers=headers).status_code == 403  # ROLE_A left out
