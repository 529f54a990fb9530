"""The helper's HTTP side (``OAuthClient``) against ``httpx.MockTransport``: unreachable hosts, bad answers, refresh."""

from __future__ import annotations

import httpx
import pytest

import kustomer_provider.oauth as oauth
from kustomer_provider.oauth.errors import OAuthEndpointError
from tests.support.oauth_data import tokens


def test_client_errors_for_unreachable_hosts_and_bad_answers() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with oauth.OAuthClient(transport=httpx.MockTransport(down)) as client:
        with pytest.raises(OAuthEndpointError, match=r"POST https://x.example/oauth/token failed: ConnectError"):
            client.refresh(
                tokens(), client_id="cid", client_secret="s3cr3t-value", token_url="https://x.example/oauth/token"
            )
    with oauth.OAuthClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"token_type": "bearer"}))
    ) as client:
        with pytest.raises(OAuthEndpointError, match="token_type: no access_token or refresh_token to keep"):
            client.refresh(tokens(), client_id="cid", client_secret="s3cr3t-value", token_url="https://x.example/t")
        with pytest.raises(OAuthEndpointError, match="offline_access"):
            client.refresh(
                tokens(refresh_token=None), client_id="c", client_secret="s", token_url="https://x.example/t"
            )


def test_refresh_keeps_the_old_refresh_token_when_none_comes_back() -> None:
    answer = {"access_token": "new-access-token", "token_type": "bearer", "expires_in": 60}
    with oauth.OAuthClient(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=answer))) as client:
        fresh = client.refresh(tokens(), client_id="cid", client_secret="secret-value", token_url="https://x.example/t")
    assert fresh.access_token == "new-access-token" and fresh.refresh_token == "refresh-token-value-1"
