"""apaleo's identity server in the simulator: the authorization code flow (RFC 6749 with apaleo's documented
choices), https-only redirect URIs, OpenID Connect (discovery, RS256 id tokens and their JWKS, userinfo),
revocation (RFC 7009) and simple clients (client credentials)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from tests.support.simulator_client import (
    DEV,
    DEV_HTTPS_REDIRECT,
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
USERINFO = "/apaleo/connect/userinfo"
REVOCATION = "/apaleo/connect/revocation"
DISCOVERY = "/apaleo/.well-known/openid-configuration"
ISSUER = "http://127.0.0.1/apaleo"


def token(
    client: TestClient, form: dict[str, str], auth: tuple[str, str] | None = (CLIENT_ID, SECRET)
) -> httpx.Response:
    return client.post(TOKEN, data=form, auth=auth)  # type: ignore[arg-type]


def code_grant(code: str, **extra: str) -> dict[str, str]:
    return {"grant_type": "authorization_code", "code": code, "redirect_uri": DEV_HTTPS_REDIRECT, **extra}


def segment(part: str) -> dict[str, Any]:
    """A JWS header or payload, decoded (no check)."""
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # type: ignore[no-any-return]


def id_token_claims(client: TestClient, id_token: str) -> dict[str, Any]:
    """The id token's claims, its RS256 signature verified (joserfc, Authlib's JOSE library) with the key the
    discovery document's JWKS publishes."""
    jwks_uri = client.get(DISCOVERY).json()["jwks_uri"]
    published = client.get(jwks_uri.removeprefix("http://127.0.0.1")).json()
    header = segment(id_token.split(".")[0])
    assert header["alg"] == "RS256" and header["kid"] in {k["kid"] for k in published["keys"]}
    return dict(jwt.decode(id_token, KeySet.import_key_set(published), algorithms=["RS256"]).claims)


def test_code_flow_with_basic_auth_gives_tokens_an_id_token_and_a_refresh_token(
    client: TestClient, clock: FakeClock
) -> None:
    answer = token(client, code_grant(platform_code(client, "apaleo", nonce="n-1")))

    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    tokens = answer.json()
    assert tokens["expires_in"] == 3600 and tokens["token_type"] == "Bearer"
    assert tokens["scope"] == "openid offline_access account.read"
    claims = id_token_claims(client, tokens["id_token"])
    assert claims["aud"] == CLIENT_ID and claims["nonce"] == "n-1" and claims["iss"] == ISSUER
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
    slash = platform_authorize(client, "apaleo", CLIENT_ID, redirect_uri=DEV_HTTPS_REDIRECT + "/")
    assert slash.status_code == 400 and "not registered" in slash.json()["error_description"]
    code = platform_code(client, "apaleo")
    refused = token(client, code_grant(code, redirect_uri=DEV_HTTPS_REDIRECT + "/"))
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
        "/_sim/platforms/apaleo/clients", json={"redirect_uris": [DEV_HTTPS_REDIRECT], "scopes": ["openid"]}
    ).json()
    location = platform_authorize(client, "apaleo", app["client_id"], scope="openid").headers["location"]
    tokens = token(client, code_grant(query_of(location)["code"]), auth=(app["client_id"], app["client_secret"]))
    refused = client.get(ACCOUNT, headers=bearer(tokens.json()["access_token"]))
    assert refused.status_code == 403 and refused.json()["error"] == "insufficient_scope"


@pytest.mark.parametrize(
    "uri", ["http://127.0.0.1:8765/callback", "http://localhost/cb", "http://[::1]:9/cb", "http://app.example.com/cb"]
)
def test_registration_refuses_every_redirect_uri_that_is_not_https_loopback_included(
    client: TestClient, uri: str
) -> None:
    """ "Ensure the redirect URI can be called, and is using https" [seed: apaleo, line 21]: no loopback exception."""
    refused = client.post("/_sim/platforms/apaleo/clients", json={"redirect_uris": ["https://ok.example/cb", uri]})
    assert refused.status_code == 400
    error = refused.json()["errors"][0]
    assert error["source"]["pointer"] == "/redirect_uris/1" and "https" in error["detail"]
    assert client.post("/_sim/platforms/apaleo/clients", json={"redirect_uris": ["myapp://cb"]}).status_code == 400
    # The same URI is fine where the platform allows http on loopback (Komerza [ours], Teamwork [doc]).
    if "app.example.com" not in uri:
        assert client.post("/_sim/platforms/komerza/clients", json={"redirect_uris": [uri]}).status_code == 201


def test_authorize_refuses_an_http_redirect_uri_kept_from_an_older_state_file(
    make_client: MakeClient, tmp_path: Path
) -> None:
    """A state file of an older simulator holds the dev client with http://127.0.0.1:8765/callback: authorize
    refuses to send a code there (a 400 page, no redirect), and still works with the https one."""
    path = tmp_path / "state.json"
    make_client(state_file=path).post("/_sim/reset")  # writes the file
    state = json.loads(path.read_text())
    clients = state["sections"]["platforms"]["clients"]
    dev = next(c for c in clients if c["platform"] == "apaleo" and c["client_id"] == CLIENT_ID)
    dev["redirect_uris"] = [DEV_REDIRECT, DEV_HTTPS_REDIRECT]
    path.write_text(json.dumps(state))
    client = make_client(state_file=path, auto_consent=True)
    assert client.get("/_sim/platforms").json()["apaleo"][0]["redirect_uris"] == [DEV_REDIRECT, DEV_HTTPS_REDIRECT]

    refused = platform_authorize(client, "apaleo", CLIENT_ID, redirect_uri=DEV_REDIRECT)
    assert refused.status_code == 400 and "location" not in refused.headers
    assert refused.json()["error"] == "invalid_request" and "https" in refused.json()["error_description"]
    sent = platform_authorize(client, "apaleo", CLIENT_ID)
    assert sent.status_code == 302 and sent.headers["location"].startswith(DEV_HTTPS_REDIRECT + "?code=")


# --- OpenID Connect: discovery, JWKS, userinfo -------------------------------------------------------------


def test_discovery_names_the_real_servers_paths_under_the_issuer(client: TestClient) -> None:
    """OpenID Connect Discovery 1.0: the document at issuer + /.well-known/openid-configuration, the endpoints at
    the paths of apaleo's identity server [doc: apaleo; 3p: IdentityServer4's route table]."""
    document = client.get(DISCOVERY)
    assert document.status_code == 200
    meta = document.json()
    assert meta["issuer"] == ISSUER  # the simulator's stand-in for https://identity.apaleo.com
    assert {name: meta[name].removeprefix(ISSUER) for name in meta if name.endswith(("_endpoint", "_uri"))} == {
        "authorization_endpoint": "/connect/authorize",
        "token_endpoint": "/connect/token",
        "userinfo_endpoint": "/connect/userinfo",
        "revocation_endpoint": "/connect/revocation",
        "jwks_uri": "/.well-known/openid-configuration/jwks",
    }
    assert meta["id_token_signing_alg_values_supported"] == ["RS256"]
    assert meta["response_types_supported"] == ["code"] and meta["code_challenge_methods_supported"] == ["S256"]
    assert "client_credentials" in meta["grant_types_supported"]
    jwks = client.get("/apaleo/.well-known/openid-configuration/jwks").json()
    (key,) = jwks["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig" and "d" not in key  # public only


def test_id_token_is_rs256_with_at_hash_and_a_tampered_one_fails(client: TestClient) -> None:
    tokens = token(client, code_grant(platform_code(client, "apaleo"))).json()
    claims = id_token_claims(client, tokens["id_token"])
    assert claims["sub"] == "sim-apaleo-user" and claims["exp"] - claims["iat"] == 3600 and "at_hash" in claims
    header, payload, signature = tokens["id_token"].split(".")
    forged = segment(payload)
    forged["sub"] = "someone-else"
    body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises(BadSignatureError):
        id_token_claims(client, f"{header}.{body}.{signature}")


def test_userinfo_answers_the_users_sub_for_an_openid_token_only(client: TestClient) -> None:
    tokens = token(client, code_grant(platform_code(client, "apaleo"))).json()
    claims = id_token_claims(client, tokens["id_token"])
    got = client.get(USERINFO, headers=bearer(tokens["access_token"]))
    assert got.status_code == 200 and got.json() == {"sub": claims["sub"]}
    posted = client.post(USERINFO, data={"access_token": tokens["access_token"]})  # RFC 6750 §2.2
    assert posted.status_code == 200 and posted.json()["sub"] == claims["sub"]
    without = token(client, code_grant(platform_code(client, "apaleo", scope="account.read"))).json()
    refused = client.get(USERINFO, headers=bearer(without["access_token"]))
    assert refused.status_code == 403 and 'error="insufficient_scope"' in refused.headers["www-authenticate"]
    unknown = client.get(USERINFO, headers=bearer("made-up"))
    assert unknown.status_code == 401 and 'error="invalid_token"' in unknown.headers["www-authenticate"]


# --- revocation (RFC 7009) ----------------------------------------------------------------------------------


def test_revoking_the_refresh_token_ends_the_grant_and_an_access_token_ends_alone(client: TestClient) -> None:
    first = token(client, code_grant(platform_code(client, "apaleo"))).json()
    second = token(client, code_grant(platform_code(client, "apaleo"))).json()

    revoked = client.post(REVOCATION, data={"token": second["access_token"]}, auth=(CLIENT_ID, SECRET))
    assert revoked.status_code == 200 and revoked.content == b""
    assert client.get(ACCOUNT, headers=bearer(second["access_token"])).status_code == 401
    assert token(client, {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}).status_code == 200

    form = {"token": first["refresh_token"], "token_type_hint": "refresh_token"}
    assert client.post(REVOCATION, data=form, auth=(CLIENT_ID, SECRET)).status_code == 200
    # RFC 7009 §2.1: the access tokens of the same grant go with it; the refresh token is spent.
    assert client.get(ACCOUNT, headers=bearer(first["access_token"])).status_code == 401
    reused = token(client, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"


def test_revocation_authenticates_the_client_and_ignores_unknown_tokens(client: TestClient) -> None:
    tokens = token(client, code_grant(platform_code(client, "apaleo"))).json()
    wrong = client.post(REVOCATION, data={"token": tokens["access_token"]}, auth=(CLIENT_ID, "wrong"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert client.get(ACCOUNT, headers=bearer(tokens["access_token"])).status_code == 200  # not revoked
    other = client.post("/_sim/platforms/apaleo/clients", json={"redirect_uris": [DEV_HTTPS_REDIRECT]}).json()
    by_other = client.post(
        REVOCATION, data={"token": tokens["access_token"]}, auth=(other["client_id"], other["client_secret"])
    )
    assert by_other.status_code == 200  # §2.2: answered 200, but another client's token stays
    assert client.get(ACCOUNT, headers=bearer(tokens["access_token"])).status_code == 200
    assert client.post(REVOCATION, data={"token": "made-up"}, auth=(CLIENT_ID, SECRET)).status_code == 200
    hint = client.post(REVOCATION, data={"token": "x", "token_type_hint": "id_token"}, auth=(CLIENT_ID, SECRET))
    assert hint.status_code == 400 and hint.json()["error"] == "unsupported_token_type"
    missing = client.post(REVOCATION, data={}, auth=(CLIENT_ID, SECRET))
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"


# --- simple clients: client credentials ----------------------------------------------------------------------


def simple_client(client: TestClient, **fields: Any) -> dict[str, Any]:
    made = client.post("/_sim/platforms/apaleo/clients", json={"kind": "simple", "scopes": ["account.read"], **fields})
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


def test_a_simple_client_gets_a_token_by_client_credentials_and_nothing_of_a_user(client: TestClient) -> None:
    app = simple_client(client)
    assert app["kind"] == "simple" and app["redirect_uris"] == []
    answer = token(client, {"grant_type": "client_credentials"}, auth=(app["client_id"], app["client_secret"]))
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    tokens = answer.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600 and tokens["scope"] == "account.read"
    assert "refresh_token" not in tokens and "id_token" not in tokens  # RFC 6749 §4.4.3; no user, no id token
    assert client.get(ACCOUNT, headers=bearer(tokens["access_token"])).status_code == 200
    assert client.get(USERINFO, headers=bearer(tokens["access_token"])).status_code == 403
    in_body = {"grant_type": "client_credentials", "client_id": app["client_id"], "client_secret": app["client_secret"]}
    assert token(client, in_body, auth=None).status_code == 200
    narrower = token(
        client, {"grant_type": "client_credentials", "scope": "openid"}, auth=(app["client_id"], app["client_secret"])
    )
    assert narrower.status_code == 400 and narrower.json()["error"] == "invalid_scope"
    wrong = token(client, {"grant_type": "client_credentials"}, auth=(app["client_id"], "wrong"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


def test_a_simple_client_has_no_code_flow_and_a_connect_client_no_client_credentials(
    make_client: MakeClient,
) -> None:
    client = make_client(auto_consent=True)
    app = simple_client(client)
    auth = (app["client_id"], app["client_secret"])
    page = platform_authorize(client, "apaleo", app["client_id"])
    assert page.status_code == 400 and page.json()["error"] == "unauthorized_client" and "location" not in page.headers
    code = token(client, code_grant("made-up-code"), auth=auth)
    assert code.status_code == 400 and code.json()["error"] == "unauthorized_client"
    revoke = client.post(REVOCATION, data={"token": "x"}, auth=auth)  # "only ... the authorization code grant flow"
    assert revoke.status_code == 400 and revoke.json()["error"] == "unauthorized_client"
    connect = token(client, {"grant_type": "client_credentials"})  # the dev client is a connect client
    assert connect.status_code == 400 and connect.json()["error"] == "unauthorized_client"


def test_simple_clients_register_without_redirect_uris_on_apaleo_only(client: TestClient) -> None:
    with_uri = client.post(
        "/_sim/platforms/apaleo/clients", json={"kind": "simple", "redirect_uris": [DEV_HTTPS_REDIRECT]}
    )
    assert with_uri.status_code == 400 and with_uri.json()["errors"][0]["source"]["pointer"] == "/redirect_uris"
    teamwork = client.post("/_sim/platforms/teamwork/clients", json={"kind": "simple", "redirect_uris": []})
    assert teamwork.status_code == 400 and teamwork.json()["errors"][0]["source"]["pointer"] == "/kind"
    odd = client.post("/_sim/platforms/apaleo/clients", json={"kind": "service", "redirect_uris": []})
    assert odd.status_code == 400
