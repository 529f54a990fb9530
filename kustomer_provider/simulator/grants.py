"""OAuth grants of Kustomer's authorization server: authorization codes, access and refresh tokens.

The rules applied here are in rules.py with their sources; routers/oauth.py checks the syntax of a request,
this module everything that needs state. Codes and tokens are kept only as sha256 hashes. The store's lock
guards every call; a method that changes state calls `commit` before it returns.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from . import rules
from .app_registry import AppRegistry
from .errors import OAuthError
from .records import AppRecord, ClientAuth, Clock, Grant, Install, Org, Principal

__all__ = ["OAuthGrants"]


class OAuthGrants:
    """Codes (live and already used), access tokens and refresh tokens, each by hash."""

    def __init__(
        self,
        apps: AppRegistry,
        *,
        pod: str,
        clock: Clock,
        commit: Callable[[], None],
        refresh_token_idle_s: float | None,
    ) -> None:
        self._apps = apps
        self._pod = pod
        self._clock = clock
        self._commit = commit
        self._refresh_token_idle_s = refresh_token_idle_s
        self.codes: dict[str, Grant] = {}
        self.access: dict[str, Grant] = {}
        self.refresh_tokens: dict[str, Grant] = {}
        # Codes already exchanged, kept until they would have expired, so that a replay is recognised.
        self.used_codes: dict[str, Grant] = {}

    def access_principal(self, token: str) -> Principal | None:
        """Who an access token acts as; None if unknown or expired."""
        grant = self.access.get(rules.secret_hash(token))  # one dict read: atomic, safe without the lock
        if grant is None or grant.expired(self._clock()):
            return None
        roles = frozenset(s for s in grant.scopes if s != rules.OFFLINE_ACCESS)
        return Principal(org=grant.org, roles=roles, pod=self._pod)

    def installed_client(self, client_id: str) -> tuple[Org, AppRecord, Install]:
        """The installed app of a client id, or 400 invalid_client "Invalid Client" [doc: seed, Step 3]."""
        found = self._apps.app_of_client(client_id)
        if found is not None:
            org, app = found
            installed = app.installed(self._clock())
            if installed is not None:
                return org, app, installed
        raise OAuthError(400, "invalid_client", rules.INVALID_CLIENT)

    def authorize_target(self, client_id: str, redirect_uri: str) -> tuple[str, str]:
        """Check an authorize request's client and redirect URI; return (app title, org name)."""
        org, app, installed = self.installed_client(client_id)
        definition = app.versions[installed.version].definition
        if redirect_uri not in definition.get("redirectUris", []):
            raise OAuthError(400, "invalid_request", "redirect_uri is not registered for this client")
        return str(definition.get("title", app.name)), org.name

    def issue_code(self, client_id: str, redirect_uri: str, scopes: list[str], code_challenge: str | None) -> str:
        """An authorization code for a checked request (single use, short-lived)."""
        org, _, _ = self.installed_client(client_id)
        code = rules.new_token()
        self.codes[rules.secret_hash(code)] = Grant(
            client_id=client_id,
            org=org.name,
            scopes=list(scopes),
            expires_at=self._clock() + rules.AUTH_CODE_TTL_S,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
        )
        self._commit()
        return code

    def check_client_secret(self, auth: ClientAuth) -> None:
        """Authenticate the client of a token request, before anything about its grant.

        Unknown client or app not installed: invalid_client "Invalid Client", 400 with form fields
        [doc: seed], 401 with Basic (RFC 6749 §5.2: the Authorization header was used). Wrong or revoked
        secret: 401 invalid_client "Invalid client secret". Every 401 carries `WWW-Authenticate: Basic`.
        """
        challenge = {"WWW-Authenticate": rules.WWW_AUTHENTICATE_BASIC}
        try:
            _, app, _ = self.installed_client(auth.client_id)
        except OAuthError as exc:
            if auth.basic:
                raise OAuthError(401, exc.error, exc.description, headers=challenge) from None
            raise
        presented = rules.secret_hash(auth.client_secret)
        if app.secret_hash is None or not hmac.compare_digest(presented, app.secret_hash):
            raise OAuthError(401, "invalid_client", rules.INVALID_CLIENT_SECRET, headers=challenge)

    def exchange_code(
        self, auth: ClientAuth, code: str, redirect_uri: str | None, code_verifier: str | None
    ) -> dict[str, Any]:
        """The authorization_code grant (RFC 6749 §4.1.3, RFC 7636 §4.6)."""
        self.check_client_secret(auth)
        now = self._clock()
        hashed = rules.secret_hash(code)
        used = self.used_codes.get(hashed)
        if used is not None and used.client_id == auth.client_id and not used.expired(now):
            # RFC 6749 §4.1.2: a code used twice is refused, and the server "SHOULD revoke (when
            # possible) all tokens previously issued based on that authorization code".
            self.drop(lambda g: g.family == hashed)
            self._commit()
            raise OAuthError(
                400,
                "invalid_grant",
                "The authorization code was already used; the tokens issued from it are revoked",
            )
        grant = self.codes.get(hashed)
        if grant is None or grant.client_id != auth.client_id or grant.expired(now):
            raise OAuthError(400, "invalid_grant", "The authorization code is invalid, expired or used")
        if redirect_uri != grant.redirect_uri:  # RFC 6749 §4.1.3: "identical"
            raise OAuthError(400, "invalid_grant", "redirect_uri does not match the authorization request")
        if grant.code_challenge is None and code_verifier is not None:
            # RFC 9700 §4.8.2 (PKCE downgrade): a verifier for a code issued without a challenge.
            raise OAuthError(400, "invalid_grant", "code_verifier given but the authorization had no code_challenge")
        if grant.code_challenge is not None:
            if code_verifier is None:
                raise OAuthError(400, "invalid_grant", "code_verifier is required")
            if not hmac.compare_digest(rules.s256_challenge(code_verifier), grant.code_challenge):
                raise OAuthError(400, "invalid_grant", "code_verifier does not match the code_challenge")
        del self.codes[hashed]
        self.used_codes[hashed] = grant
        return self._issue_tokens(grant, family=hashed)

    def refresh(self, auth: ClientAuth, refresh_token: str, scope: str | None) -> dict[str, Any]:
        """The refresh_token grant (RFC 6749 §6); the used refresh token is revoked (rotation [doc: seed])."""
        self.check_client_secret(auth)
        hashed = rules.secret_hash(refresh_token)
        grant = self.refresh_tokens.get(hashed)
        if grant is None or grant.client_id != auth.client_id or grant.expired(self._clock()):
            raise OAuthError(400, "invalid_grant", "The refresh token is invalid, expired or used")
        scopes = rules.refresh_scopes(grant.scopes, scope)
        if scopes is None:
            raise OAuthError(400, "invalid_scope", "scope asks for more than the refresh token was granted")
        del self.refresh_tokens[hashed]
        return self._issue_tokens(grant, family=grant.family, access_scopes=scopes)

    def drop(self, doomed: Callable[[Grant], bool]) -> None:
        """Forget every code and token `doomed` picks (the caller commits)."""
        for grants in (self.codes, self.access, self.refresh_tokens, self.used_codes):
            for hashed in [h for h, g in grants.items() if doomed(g)]:
                del grants[hashed]

    def _issue_tokens(
        self, grant: Grant, *, family: str | None, access_scopes: list[str] | None = None
    ) -> dict[str, Any]:
        """A new access token (of `access_scopes`, default the grant's) and, with offline_access, a refresh
        token of the grant's full scope (RFC 6749 §6: "identical to that of the refresh token" used)."""
        now = self._clock()
        self.drop(lambda g: g.expired(now))  # housekeeping, so old grants do not pile up
        scopes = list(grant.scopes if access_scopes is None else access_scopes)
        access = rules.new_token()
        self.access[rules.secret_hash(access)] = Grant(
            client_id=grant.client_id,
            org=grant.org,
            scopes=scopes,
            expires_at=now + rules.ACCESS_TOKEN_TTL_S,
            family=family,
        )
        # The answer's fields and values [doc: seed tutorial, "POST /oauth/token"].
        answer: dict[str, Any] = {
            "scope": " ".join(scopes),
            "token_type": "bearer",
            "access_token": access,
            "expires_in": rules.ACCESS_TOKEN_TTL_S,
        }
        if rules.OFFLINE_ACCESS in grant.scopes:  # [doc: seed tutorial, "add offline_access to scope"]
            refresh = rules.new_token()
            idle = self._refresh_token_idle_s
            self.refresh_tokens[rules.secret_hash(refresh)] = Grant(
                client_id=grant.client_id,
                org=grant.org,
                scopes=list(grant.scopes),
                expires_at=None if idle is None else now + idle,
                family=family,
            )
            answer["refresh_token"] = refresh
        self._commit()
        return answer
