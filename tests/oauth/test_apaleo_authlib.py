"""Authlib, configured from apaleo's discovery document alone, as the oracle of the simulator's identity server.

Nothing here knows a path of the server: every endpoint comes from `GET <issuer>/.well-known/openid-configuration`
(OpenID Connect Discovery 1.0). Authlib's httpx `OAuth2Client` runs the code flow with PKCE S256 and HTTP Basic
client authentication, refreshes, calls userinfo and revokes; `authlib.jose` with `authlib.oidc.core.CodeIDToken`
verifies the id token with the published JWKS (RS256 signature, issuer, audience, nonce, expiry, at_hash). A simple
client gets its token by the client credentials grant, as Authlib sends it.
"""

from __future__ import annotations

import base64
import json
import warnings
from typing import Any

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.deprecate import AuthlibDeprecationWarning

from kustomer_provider.simulator import SimulatorProcess
from tests.support.oauth_helper import TIMEOUT

with warnings.catch_warnings():
    # Authlib 1.9 announces that authlib.jose moves to joserfc, and that it prefers httpx2 (its deprecate module
    # installs an "always" filter for its warning when imported: ours must come after it).
    warnings.filterwarnings("ignore", category=AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client
    from authlib.jose import JsonWebKey, jwt
    from authlib.jose.errors import BadSignatureError
    from authlib.oidc.core import CodeIDToken

REDIRECT = "https://hotel-app.example.com/apaleo/callback"
SCOPES = "openid offline_access account.read"


def discover(sim: SimulatorProcess) -> dict[str, Any]:
    """The discovery document at the issuer the simulator stands in for (https://identity.apaleo.com)."""
    document = httpx.get(f"{sim.url}/apaleo/.well-known/openid-configuration", timeout=TIMEOUT)
    assert document.status_code == 200
    meta: dict[str, Any] = document.json()
    assert meta["issuer"] == f"{sim.url}/apaleo"
    return meta


def landed(url: str) -> str:
    """Where the browser is sent after the (automatic) approval: the redirect URI with the code and state."""
    answer = httpx.get(url, follow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code == 302, answer.text
    location: str = answer.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return location


def verified_id_token(meta: dict[str, Any], id_token: str, *, client_id: str, nonce: str, access_token: str) -> Any:
    """The id token's claims, verified by Authlib with the JWKS of `jwks_uri` (OpenID Connect Core §3.1.3.7)."""
    keys = JsonWebKey.import_key_set(httpx.get(meta["jwks_uri"], timeout=TIMEOUT).json())
    claims = jwt.decode(
        id_token,
        keys,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": meta["issuer"]}},
        claims_params={"nonce": nonce, "client_id": client_id, "access_token": access_token},
    )
    claims.validate(leeway=5)
    return claims


def test_authlib_code_flow_with_pkce_id_token_userinfo_refresh_and_revocation(auto_sim: SimulatorProcess) -> None:
    meta = discover(auto_sim)
    app = auto_sim.register_platform_client("apaleo", redirect_uris=[REDIRECT], scopes=SCOPES.split())
    client_id = app["client_id"]
    token_requests: list[httpx.Request] = []

    def record(request: httpx.Request) -> None:
        if request.url == meta["token_endpoint"]:
            token_requests.append(request)

    with OAuth2Client(
        client_id,
        app["client_secret"],
        scope=SCOPES,
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
        revocation_endpoint_auth_method="client_secret_basic",
        timeout=TIMEOUT,
        event_hooks={"request": [record]},
    ) as client:
        verifier, nonce = generate_token(64), generate_token(20)
        url, _state = client.create_authorization_url(
            meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
        token = client.fetch_token(meta["token_endpoint"], authorization_response=landed(url), code_verifier=verifier)
        assert token["token_type"] == "Bearer" and token["expires_in"] == 3600 and token["scope"] == SCOPES

        claims = verified_id_token(
            meta, token["id_token"], client_id=client_id, nonce=nonce, access_token=token["access_token"]
        )
        assert claims["aud"] == client_id
        userinfo = client.get(meta["userinfo_endpoint"])
        assert userinfo.status_code == 200 and userinfo.json()["sub"] == claims["sub"]

        refreshed = client.refresh_token(meta["token_endpoint"])
        assert refreshed["access_token"] != token["access_token"]
        assert refreshed["refresh_token"] != token["refresh_token"]
        assert client.get(meta["userinfo_endpoint"]).status_code == 200  # Authlib now sends the new token

        revoked = client.revoke_token(
            meta["revocation_endpoint"], token=refreshed["refresh_token"], token_type_hint="refresh_token"
        )
        assert revoked.status_code == 200
        # RFC 7009 §2.1: the refresh token and the access tokens of its grant are gone.
        assert client.get(meta["userinfo_endpoint"]).status_code == 401
        again = httpx.post(
            meta["token_endpoint"],
            data={"grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"]},
            auth=(client_id, app["client_secret"]),
            timeout=TIMEOUT,
        )
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    assert len(token_requests) >= 2
    for request in token_requests[:2]:  # the code exchange and the refresh: Basic, the secret not in the body
        assert request.headers["authorization"].startswith("Basic ")
        assert b"client_secret" not in request.content
    assert b"code_verifier=" + verifier.encode() in token_requests[0].content


def test_an_id_token_signed_by_another_key_or_for_another_client_is_refused(auto_sim: SimulatorProcess) -> None:
    """The oracle can fail: the same checks refuse a token whose signature does not verify or whose audience
    or nonce differ."""
    meta = discover(auto_sim)
    app = auto_sim.register_platform_client("apaleo", redirect_uris=[REDIRECT], scopes=SCOPES.split())
    with OAuth2Client(
        app["client_id"], app["client_secret"], scope=SCOPES, redirect_uri=REDIRECT, timeout=TIMEOUT
    ) as client:
        nonce = generate_token(20)
        url, _ = client.create_authorization_url(meta["authorization_endpoint"], nonce=nonce)
        token = client.fetch_token(meta["token_endpoint"], authorization_response=landed(url))
    id_token, access = token["id_token"], token["access_token"]
    verified_id_token(meta, id_token, client_id=app["client_id"], nonce=nonce, access_token=access)
    with pytest.raises(Exception, match=r"aud|azp"):  # Authlib asks for azp when aud is not this client
        verified_id_token(meta, id_token, client_id="another-client", nonce=nonce, access_token=access)
    with pytest.raises(Exception, match="nonce"):
        verified_id_token(meta, id_token, client_id=app["client_id"], nonce="another-nonce", access_token=access)
    with pytest.raises(Exception, match="at_hash"):
        verified_id_token(meta, id_token, client_id=app["client_id"], nonce=nonce, access_token="another-token")
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "sub": "someone-else"}).encode()).rstrip(b"=").decode()
    with pytest.raises(BadSignatureError):
        verified_id_token(
            meta,
            f"{header}.{forged}.{signature}",
            client_id=app["client_id"],
            nonce=nonce,
            access_token=access,
        )


def test_authlib_client_credentials_for_a_simple_client_and_not_for_a_connect_client(
    auto_sim: SimulatorProcess,
) -> None:
    meta = discover(auto_sim)
    simple = auto_sim.register_platform_client("apaleo", kind="simple", scopes=["account.read"])
    with OAuth2Client(simple["client_id"], simple["client_secret"], timeout=TIMEOUT) as client:
        token = client.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
        assert token["token_type"] == "Bearer" and "refresh_token" not in token and "id_token" not in token
        account = client.get(f"{auto_sim.url}/apaleo/account/v1/accounts/current")
        assert account.status_code == 200
    connect = auto_sim.register_platform_client("apaleo", redirect_uris=[REDIRECT], scopes=["account.read"])
    with OAuth2Client(connect["client_id"], connect["client_secret"], timeout=TIMEOUT) as client:
        with pytest.raises(Exception, match="unauthorized_client"):
            client.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
