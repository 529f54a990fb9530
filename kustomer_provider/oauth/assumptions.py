"""What the helper assumes about Kustomer's OAuth provider beyond its documentation, in one place.

Each name here is one of our decisions ([ours] in ``shared/kustomer-api.md``'s sense), so that a check
against a real sandbox org can correct it by editing this module alone.
"""

from __future__ import annotations

from typing import Final

from ..assumptions import CLIENT_SECRET_PROBE_REFRESH_TOKEN, SECRET_DEAD_ERRORS, SECRET_LIVE_ERRORS

__all__ = [
    "API_CHECKS",
    "AUTHORIZE_ACCEPTED_STATUSES",
    "CLIENT_SECRET_PROBE_REFRESH_TOKEN",
    "LEGACY_API_BASE_URL",
    "PKCE_PLATFORMS",
    "SECRET_ACCEPTED_ERRORS",
    "SECRET_REJECTED_ERRORS",
    "TOKEN_TYPE_OPTIONAL",
]

#: ``GET /oauth/authorize`` accepted the client when it answers the consent page (200) or redirects
#: (302: straight back with a code under auto-consent, or to a sign-in page on a real org). Kustomer
#: documents only the refusal: 400 "Invalid Client" when the app is not installed.
AUTHORIZE_ACCEPTED_STATUSES: Final = frozenset({200, 301, 302, 303, 307, 308})

#: ``verify`` checks a client secret without a user exactly as ``KustomerAppSecret`` notices a dead one: one
#: decision, kept in ``kustomer_provider.assumptions`` (a refresh with a refresh token that cannot exist; a
#: good secret gets ``invalid_grant``, a bad one ``invalid_client``). These names are kept for callers.
SECRET_ACCEPTED_ERRORS: Final = SECRET_LIVE_ERRORS
SECRET_REJECTED_ERRORS: Final = SECRET_DEAD_ERRORS

#: The API host for ``--legacy-hosts`` without an org or base URL: the seed tutorial's.
LEGACY_API_BASE_URL: Final = "https://api.kustomerapp.com"

# --- the other platforms (Teamwork.com, Komerza, apaleo) --------------------------------------------------
# What they are is in ``kustomer_provider.platforms`` (endpoints, exchange, verification); these are the helper's
# own choices beside it.

#: Platforms whose login sends a PKCE (RFC 7636, S256) challenge. apaleo's identity server is an IdentityServer,
#: which supports PKCE for the code flow, though apaleo's docs do not mention it [ours]. Teamwork's and Komerza's
#: documents describe no PKCE parameter, so their logins run without it (``state`` still ties the answer to the
#: login) [seed][doc].
PKCE_PLATFORMS: Final = frozenset({"apaleo"})

#: Platforms whose token answers carry no ``token_type``, so its absence is not noted: Teamwork's answer is
#: ``access_token``, ``installation``, ``status``, ``user`` [seed], Komerza's envelope ``success``, ``message``,
#: ``code``, ``data`` [seed][doc]; both say to send the token as ``Authorization: Bearer`` [seed][doc]. A
#: ``token_type`` they do send is still checked: only Bearer is used (RFC 6749 §7.1). Kustomer and apaleo answer
#: ``token_type`` (RFC 6749 §5.1 requires it); an answer of theirs without one is taken as Bearer, with a note.
TOKEN_TYPE_OPTIONAL: Final = frozenset({"teamwork", "komerza"})

#: The endpoint ``verify`` calls with a platform's token to see that the API accepts it, and its source.
API_CHECKS: Final = {
    # [3p: Teamwork's own MCP server code] answers user_id, installation_id, url for the bearer token.
    "teamwork": "https://www.teamwork.com/launchpad/v1/userinfo.json",
    # [doc: Komerza "Get user", https://docs.komerza.com/api-reference/endpoint/users/get] the key's user and its
    # stores; the one documented endpoint that needs no store id (`GET /stores/{storeId}` does) [ours: the choice].
    "komerza": "https://api.komerza.com/user",
    # [doc: apaleo Account API] the account of the token; needs the account.read scope.
    "apaleo": "https://api.apaleo.com/account/v1/accounts/current",
}
