"""Values of the OAuth helper's unit tests: the dev stack's outputs as the helper reads them, and token sets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kustomer_provider.oauth.tokens import TokenSet

#: The dev simulator's URL, as the dev stack's outputs give it (nothing listens there in unit tests).
SIM = "http://127.0.0.1:8787"


def stack_outputs(**overrides: Any) -> dict[str, Any]:
    """What `pulumi stack output --json --show-secrets` prints for the dev stack."""
    app = {
        "appName": "stackone_link_0123456789abcdef01234567",
        "orgName": "acme",
        "clientId": "stack-client-id",
        "clientSecret": "fake-stack-secret",
        "redirectUris": ["https://api.stackone.com/connect/oauth2/kustomer/callback", "http://127.0.0.1:8765/callback"],
        "scopes": ["org.permission.customer.read", "offline_access"],
        "authorizeUrl": f"{SIM}/oauth/authorize",
        "tokenUrl": f"{SIM}/oauth/token",
        **overrides,
    }
    return {"apps": {"stackone_link": app}}


def tokens(**overrides: Any) -> TokenSet:
    """A token set obtained on 2026-01-01 for a day, with ``overrides`` on top."""
    values: dict[str, Any] = {
        "access_token": "access-token-value-1",
        "refresh_token": "refresh-token-value-1",
        "token_type": "bearer",
        "scope": "offline_access",
        "expires_in": 86400,
        "obtained_at": datetime(2026, 1, 1, tzinfo=UTC),
        "client_id": "cid",
        "token_url": f"{SIM}/oauth/token",
        "api_base_url": SIM,
        **overrides,
    }
    return TokenSet(**values)
