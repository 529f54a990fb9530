"""apaleo's authorization code flow in the simulator (RFC 6749 with apaleo's documented choices)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import httpx

from tests.support.simulator_client import (
    DEV,
    DEV_REDIRECT,
    FakeClock,
    MakeClient,
    TestClient,
    bearer,
    pkce_pair,
    platform_authorize,
    platform_code,
    query_of,
)

CLIENT_ID, SECRET = DEV["apaleo"]
TOKEN = "/apaleo/connect/token"
ACCOUNT = "/apaleo/account/v1/accounts/current"


def token(
    client: TestClient, form: dict[str, str], auth: tuple[str, str] | None = (CLIENT_ID, SECRET)
) -> httpx.Response:
    return client.post(TOKEN, data=form, auth=auth)  # type: ignore[arg-type]


def code_grant(code: str, **extra: str) -> dict[str, str]:
    return {"grant_type": "authorization_code", "code": code, "redirect_uri": DEV_REDIRECT, **extra}


def jwt_claims(jwt: str, key: bytes) -> dict[str, Any]:
    header, payload, signature = jwt.split(".")
    expected = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64encode(expected).rstrip(b"=").decode() == signature
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


def test_code_flow_with_basic_auth_gives_tokens_an_id_token_and_a_refresh_token(
    client: TestClient, clock: FakeClock
) -> None:
    answer = token(client, code_grant(platform_code(client, "apaleo", nonce="n-1")))

    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    tokens = answer.json()
    assert tokens["expires_in"] == 3600 and tokens["token_type"] == "Bearer"
    assert tokens["scope"] == "openid offline_access account.read"
    claims = jwt_claims(tokens["id_token"], SECRET.encode())
    assert claims["aud"] == CLIENT_ID and claims["nonce"] == "n-1" and claims["iss"] == "http://127.0.0.1/apaleo"
    assert client.get(ACCOUNT, headers=bearer(tokens["access_token"])).status_code == 200
    clock.advance(3600)  # one hour
    expired = client.get(ACCOUNT, headers=bearer(tokens["access_token"]))
    assert expired.status_code == 401 and 'error="invalid_token"' in expired.headers["www-authenticate"]

    refreshed = token(client, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    fresh = refreshed.json()
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert client.get(ACCOUNT, headers=bearer(fresh["access_token"])).status_code == 200
    reused = token(client, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"  # rotated


def test_client_secret_in_the_body_works_too(client: TestClient) -> None:
    form = code_grant(platform_code(client, "apaleo"), client_id=CLIENT_ID, client_secret=SECRET)
    assert token(client, form, auth=None).status_code == 200


def test_no_offline_access_no_refresh_token_no_openid_no_id_token(client: TestClient) -> None:
    code = platform_code(client, "apaleo", scope="account.read")
    tokens = token(client, code_grant(code)).json()
    assert "refresh_token" not in tokens and "id_token" not in tokens and tokens["scope"] == "account.read"


def test_client_is_checked_before_the_grant(client: TestClient) -> None:
    made_up = code_grant("made-up-code")
    assert token(client, made_up).json()["error"] == "invalid_grant"
    wrong = token(client, made_up, auth=(CLIENT_ID, "wrong"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert wrong.headers["www-authenticate"].startswith("Basic")
    in_body = token(client, {**made_up, "client_id": CLIENT_ID, "client_secret": "wrong"}, auth=None)
    assert in_body.status_code == 400 and in_body.json()["error"] == "invalid_client"
    assert token(client, {"grant_type": "nonsense"}, auth=("nobody", "x")).json()["error"] == "invalid_client"


def test_redirect_uri_must_match_exactly_trailing_slash_included(client: TestClient) -> None:
    slash = platform_authorize(client, "apaleo", CLIENT_ID, redirect_uri=DEV_REDIRECT + "/")
    assert slash.status_code == 400 and "not registered" in slash.json()["error_description"]
    code = platform_code(client, "apaleo")
    refused = token(client, code_grant(code, redirect_uri=DEV_REDIRECT + "/"))
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"


def test_pkce_is_checked(client: TestClient) -> None:
    verifier, challenge = pkce_pair()
    code = platform_code(client, "apaleo", code_challenge=challenge, code_challenge_method="S256")
    assert token(client, code_grant(code, code_verifier="w" * 50)).json()["error"] == "invalid_grant"
    code = platform_code(client, "apaleo", code_challenge=challenge, code_challenge_method="S256")
    assert token(client, code_grant(code, code_verifier=verifier)).status_code == 200


def test_authorize_errors_go_back_to_the_redirect_uri(client: TestClient) -> None:
    scope = platform_authorize(client, "apaleo", CLIENT_ID, scope="openid reservations.manage")
    assert scope.status_code == 302 and query_of(scope.headers["location"])["error"] == "invalid_scope"
    kind = platform_authorize(client, "apaleo", CLIENT_ID, response_type="token")
    assert query_of(kind.headers["location"]) == {
        "error": "unsupported_response_type",
        "error_description": "response_type must be code",
        "state": "st-1",
    }


def test_a_replayed_code_revokes_its_tokens(client: TestClient) -> None:
    code = platform_code(client, "apaleo")
    tokens = token(client, code_grant(code)).json()
    assert token(client, code_grant(code)).json()["error"] == "invalid_grant"
    assert client.get(ACCOUNT, headers=bearer(tokens["access_token"])).status_code == 401


def test_other_grants(client: TestClient) -> None:
    assert token(client, {"grant_type": "client_credentials"}).json()["error"] == "unauthorized_client"
    assert token(client, {"grant_type": "password"}).json()["error"] == "unsupported_grant_type"
    assert token(client, {}).json()["error"] == "invalid_request"


def test_account_needs_the_scope(make_client: MakeClient) -> None:
    client = make_client(auto_consent=True)
    app = client.post(
        "/_sim/platforms/apaleo/clients", json={"redirect_uris": [DEV_REDIRECT], "scopes": ["openid"]}
    ).json()
    location = platform_authorize(client, "apaleo", app["client_id"], scope="openid").headers["location"]
    tokens = token(client, code_grant(query_of(location)["code"]), auth=(app["client_id"], app["client_secret"]))
    refused = client.get(ACCOUNT, headers=bearer(tokens.json()["access_token"]))
    assert refused.status_code == 403 and refused.json()["error"] == "insufficient_scope"


def test_redirect_uris_must_be_https_except_loopback(client: TestClient) -> None:
    refused = client.post("/_sim/platforms/apaleo/clients", json={"redirect_uris": ["http://app.example.com/cb"]})
    assert refused.status_code == 400 and refused.json()["errors"][0]["source"]["pointer"] == "/redirect_uris/0"
    custom = client.post("/_sim/platforms/apaleo/clients", json={"redirect_uris": ["myapp://cb"]})
    assert custom.status_code == 400
