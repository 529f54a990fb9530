"""One frozen description per platform: what the common parts (authorize, consent, registration) read.

What differs in kind (how a code is exchanged, the answer's shape, the API endpoint) lives in the platform's
own router module; what differs in degree (lifetimes, parameters, limits) is here, as data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from . import rules

__all__ = ["PLATFORMS", "PlatformSpec"]


@dataclass(frozen=True)
class PlatformSpec:
    """How one platform's dashboard and authorize page behave."""

    name: str
    #: Shown on the consent page.
    title: str
    #: Path of the authorize page, after the `/<name>` prefix.
    authorize_path: str
    code_ttl_s: float
    new_secret: Callable[[], str]
    #: The authorize request carries `scope` (apaleo); else the token gets the scopes registered with the client.
    scopes_in_request: bool = False
    #: The authorize request must carry this `response_type` (apaleo: `code`, RFC 6749 §4.1.1).
    response_type: str | None = None
    #: PKCE (RFC 7636, S256) is accepted at authorize and checked at the token endpoint.
    pkce: bool = False
    #: Errors after the client and redirect URI are known go back to the redirect URI (RFC 6749 §4.1.2.1);
    #: without it they are shown as a page [ours: Teamwork and Komerza document no such redirect].
    redirect_errors: bool = False
    #: The consent page lets the user pick stores (Komerza [seed]).
    choose_stores: bool = False
    #: A redirect URI that is not http(s) gets a "you can close this window" page instead of a redirect
    #: (Teamwork [seed, Step Three]).
    page_for_other_schemes: bool = False
    #: The client may list allowed origins, then the exchange needs a matching `Origin` (Teamwork [seed][doc]).
    allowed_origins: bool = False
    max_redirect_uris: int | None = None
    #: The exact length of a client secret (Komerza: 72 [doc]).
    secret_length: int | None = None
    #: The `error` of an unknown client at authorize [ours: Komerza's documented `app_not_found` reused].
    unknown_client_error: str = "invalid_client"
    #: Other spellings of the authorize path that the platform serves too (Teamwork's trailing slash [doc]).
    authorize_aliases: tuple[str, ...] = ()
    #: The authorize page is also served per site, `https://{site}.<host>/<path>` (Teamwork [doc]), under
    #: `/<name>/sites/{site}` (``platforms.apply_endpoint_base_url``).
    per_site: bool = False
    #: The kinds of client a dashboard registers (`rules.CLIENT_KINDS`): the first is the default.
    client_kinds: tuple[str, ...] = (rules.CONNECT,)


PLATFORMS: Final[dict[str, PlatformSpec]] = {
    "teamwork": PlatformSpec(
        name="teamwork",
        title="Teamwork.com",
        authorize_path="/launchpad/login",  # [doc: Teamwork "App Login Flow", Step One]
        code_ttl_s=rules.TEAMWORK_CODE_TTL_S,
        new_secret=rules.new_client_secret,
        page_for_other_schemes=True,
        allowed_origins=True,
        # The guide spells the login page both ways, `/launchpad/login?...` and `/launchpad/login/?...`, and
        # has a per-site form `https://{site}.teamwork.com/launchpad/login` [doc: Teamwork "App Login Flow"].
        authorize_aliases=("/launchpad/login/",),
        per_site=True,
        client_kinds=rules.CLIENT_KINDS["teamwork"],
    ),
    "komerza": PlatformSpec(
        name="komerza",
        title="Komerza",
        authorize_path="/auth/authorize",  # [doc: Komerza "Authorization URL"]
        code_ttl_s=rules.KOMERZA_CODE_TTL_S,
        new_secret=rules.komerza_secret,
        choose_stores=True,
        max_redirect_uris=rules.KOMERZA_MAX_REDIRECT_URIS,
        secret_length=rules.KOMERZA_SECRET_LENGTH,
        unknown_client_error="app_not_found",
        client_kinds=rules.CLIENT_KINDS["komerza"],
    ),
    "apaleo": PlatformSpec(
        name="apaleo",
        title="apaleo",
        authorize_path=rules.APALEO_PATHS["authorization_endpoint"],  # [doc: apaleo "Authorization code grant"]
        code_ttl_s=rules.APALEO_CODE_TTL_S,
        new_secret=rules.new_client_secret,
        scopes_in_request=True,
        response_type="code",
        pkce=True,  # [ours: apaleo's identity server is IdentityServer, which supports RFC 7636; its docs are silent]
        redirect_errors=True,
        client_kinds=rules.CLIENT_KINDS["apaleo"],
    ),
}
