"""The inputs of ``RegisteredOAuthClient``, validated: each platform's documented rules, read from ``platforms``.

Beside ``app_inputs`` and built the same way (the field types of ``fields``, the failures of
``input_validation``): one pydantic model is the single source of validation for the resource's ``check`` and for
the stack config's ``kustomer:registeredClients`` (``stack_config``), so a value gets the same verdict through
either door, and every failure names its input (``redirect_uris[1]``, ``client_code``).

The field types judge what holds for every platform (a URI is parsed, a date is a real date, a secret holds no
control character); the model's one cross-field validator then applies the platform's own rules, as data from
:mod:`~kustomer_provider.platforms`: its redirect URI schemes and count, its required and foreign fields, its
secret length. No message ever shows a client secret: its checks say what is wrong, never the value.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Final
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, Strict, model_validator

from . import platforms
from .fields import (
    URI_CHARACTERS,
    Bool,
    NestedError,
    RotateAfterDays,
    UniqueItems,
    check_plain_text,
    is_loopback,
    parse_url,
    shown,
    whole_match,
)
from .input_validation import InputModel

__all__ = [
    "ClientId",
    "ClientSecret",
    "EndpointBaseUrl",
    "IsoDate",
    "PlatformName",
    "PlatformRedirectUri",
    "RegisteredClientInputs",
    "Scope",
    "rotate_at",
]

# ---------------------------------------------------------------------------------------------------
# Field types

#: RFC 3986 section 3.1: a scheme is a letter, then letters, digits, "+", "-" and ".".
_SCHEME: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*", re.ASCII)
#: [ours] Schemes that run or read something where they land instead of reaching an app: never a redirect.
_REFUSED_SCHEMES: Final = frozenset({"javascript", "data", "file", "vbscript", "blob", "about", "filesystem"})
#: A client id goes into URLs, headers and Basic credentials: visible ASCII, no space [ours].
_CLIENT_ID: Final = re.compile(r"[\x21-\x7e]+", re.ASCII)
#: RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
_SCOPE: Final = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+", re.ASCII)
_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
#: A Teamwork site: one DNS label, the ``acme`` of acme.teamwork.com [ours: lowercase, as Teamwork shows it].
_SITE: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.ASCII)
#: An apaleo client code [ours: letters, digits, dashes, underscores and dots, as a key would be written].
_CLIENT_CODE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", re.ASCII)


def _check_platform(value: str) -> str:
    platforms.get_platform(value)  # ValueError naming the known platforms
    return value


_check_client_id: Final = whole_match(
    _CLIENT_ID,
    "must hold only visible ASCII characters, no spaces (copy it from the platform's dashboard)",
)


def _check_client_secret(value: str) -> str:
    # Never show the value: say what is wrong, and where to get it right.
    if _CLIENT_ID.fullmatch(value) is None:
        raise ValueError(
            "must hold only visible ASCII characters, no spaces, line breaks or control characters: copy it again "
            "from the platform's dashboard (the value is not shown here)"
        )
    return value


def _check_any_redirect_uri(value: str) -> str:
    """An absolute URI: http(s) URLs parsed as the Kustomer inputs are, other schemes checked by RFC 3986."""
    check_plain_text(value)
    scheme, colon, rest = value.partition(":")
    if not colon or _SCHEME.fullmatch(scheme) is None:
        raise ValueError(f"must be an absolute URI such as 'https://example.com/callback'; got {shown(value)}")
    lowered = scheme.lower()
    if lowered in ("http", "https"):
        parse_url(
            value,
            schemes=("https", "http"),
            absolute="must be an absolute URL such as 'https://example.com/callback'",
            fragment="OAuth forbids it",
        )
        return value
    if lowered in _REFUSED_SCHEMES:
        raise ValueError(f"must not use the scheme {scheme!r}: it never reaches an app; got {shown(value)}")
    if any(c.isspace() for c in value) or URI_CHARACTERS.fullmatch(value) is None:
        raise ValueError(
            "must hold only the characters a URI allows (RFC 3986), no whitespace: percent-encode the others; "
            f"got {shown(value)}"
        )
    if "#" in value:
        raise ValueError(f"must not contain a fragment ('#...'), OAuth forbids it; got {shown(value)}")
    if not rest.strip("/"):
        raise ValueError(f"has nothing after its scheme; got {shown(value)}")
    return value


_check_scope: Final = whole_match(
    _SCOPE,
    "must be one OAuth scope: visible ASCII characters without spaces, quotes or backslashes (RFC 6749 "
    "section 3.3), such as 'account.read'",
    plain=False,
)


def _today() -> date:
    return datetime.now(UTC).date()


def _check_date(value: str) -> str:
    check_plain_text(value)
    if _DATE.fullmatch(value) is None:
        raise ValueError(f"must be a date written YYYY-MM-DD, such as '2026-01-31'; got {shown(value)}")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"is not a date of the calendar; got {shown(value)}") from None
    # One day of slack: "today" in the user's time zone may be tomorrow in UTC.
    if day > _today() + timedelta(days=1):
        raise ValueError(f"is in the future: give the day the secret was created or copied; got {shown(value)}")
    return value


_check_site: Final = whole_match(
    _SITE,
    "must be the site's name only, the 'acme' of https://acme.teamwork.com (lowercase letters, digits and dashes)",
    plain=False,
)


#: The values of ``client_kind`` (apaleo's): its code-flow kind first, then its client credentials kind.
_CLIENT_KINDS: Final = tuple(
    kind
    for p in platforms.PLATFORMS.values()
    if p.client_credentials is not None
    for kind in (p.client_credentials.default_kind, p.client_credentials.kind)
)


def _check_client_kind(value: str) -> str:
    kinds = _CLIENT_KINDS
    if value not in kinds:
        raise ValueError(
            f"must be one of {', '.join(map(repr, kinds))} (apaleo: 'connect' for a store app, the authorization "
            f"code flow; 'simple' for a custom app, the client credentials grant); got {shown(value)}"
        )
    return value


_check_client_code: Final = whole_match(
    _CLIENT_CODE,
    "must be the app's client code as the apaleo Dashboard shows it (letters, digits, '-', '_' and '.', at most 64)",
    plain=False,
)


def _check_origin(value: str) -> str:
    scheme, host = parse_url(
        value,
        schemes=("https", "http"),
        absolute="must be an origin such as 'https://app.example.com'",
        fragment="an origin has none",
    )
    parts = urlsplit(value)
    if parts.path or parts.query:
        raise ValueError(f"must be an origin only (scheme, host, port), no path or query; got {shown(value)}")
    if scheme == "http" and not is_loopback(host):
        raise ValueError(f"must use https; plain http only on a loopback host; got {shown(value)}")
    return value


def _check_endpoint_base_url(value: str) -> str:
    scheme, host = parse_url(
        value,
        schemes=("https", "http"),
        absolute="must be an absolute URL such as 'http://127.0.0.1:8787' (the local simulator)",
        fragment="a base URL has none",
    )
    parts = urlsplit(value)
    if parts.path not in ("", "/") or parts.query:
        raise ValueError(f"must be a base URL only (scheme, host, port), no path or query; got {shown(value)}")
    if scheme == "http" and not is_loopback(host):
        # The client secret travels to it: never in the clear over a network.
        raise ValueError(f"must use https (plain http only for a simulator on a loopback host); got {shown(value)}")
    return value


PlatformName = Annotated[str, Strict(), AfterValidator(_check_platform)]
"""``teamwork``, ``komerza`` or ``apaleo``."""
ClientId = Annotated[str, Strict(), Field(min_length=1, max_length=255), AfterValidator(_check_client_id)]
"""A client id as the dashboard shows it: visible ASCII."""
ClientSecret = Annotated[str, Strict(), Field(min_length=1, max_length=512), AfterValidator(_check_client_secret)]
"""A client secret: visible ASCII; its messages never show it."""
PlatformRedirectUri = Annotated[str, Strict(), Field(max_length=2048), AfterValidator(_check_any_redirect_uri)]
"""Any absolute redirect URI; the platform's own rules (https, custom schemes) are applied by the model."""
Scope = Annotated[str, Strict(), Field(max_length=255), AfterValidator(_check_scope)]
"""One OAuth scope token."""
IsoDate = Annotated[str, Strict(), AfterValidator(_check_date)]
"""A date ``YYYY-MM-DD``, not in the future."""
TeamworkSite = Annotated[str, Strict(), AfterValidator(_check_site)]
"""A Teamwork site name."""
ApaleoClientCode = Annotated[str, Strict(), AfterValidator(_check_client_code)]
"""An apaleo client code."""
ClientKind = Annotated[str, Strict(), AfterValidator(_check_client_kind)]
"""apaleo's kind of client: ``connect`` (the code flow) or ``simple`` (client credentials)."""
Origin = Annotated[str, Strict(), Field(max_length=2048), AfterValidator(_check_origin)]
"""A web origin, ``https://host[:port]``."""
EndpointBaseUrl = Annotated[str, Strict(), Field(max_length=2048), AfterValidator(_check_endpoint_base_url)]
"""A base URL standing in for a platform's hosts (the simulator): https, or http on a loopback host."""


# ---------------------------------------------------------------------------------------------------
# The model

#: Inputs that belong to one platform only (``platforms.OwnField``): every platform's, by name.
_OWN_FIELDS: Final = frozenset(f.name for p in platforms.PLATFORMS.values() for f in p.own_fields)


class RegisteredClientInputs(InputModel):
    """The inputs of ``RegisteredOAuthClient``, validated: the common field types, then the platform's rules."""

    platform: PlatformName
    client_id: ClientId
    client_secret: ClientSecret = Field(repr=False)  # never in a repr, a log line or a traceback
    redirect_uris: Annotated[list[PlatformRedirectUri], Field(max_length=50), UniqueItems()] = Field(
        default_factory=list
    )
    scopes: Annotated[list[Scope], Field(max_length=100), UniqueItems()] = Field(default_factory=list)
    site: TeamworkSite | None = None
    origin: Origin | None = None
    client_code: ApaleoClientCode | None = None
    client_kind: ClientKind | None = None
    secret_created_on: IsoDate | None = None
    rotate_after_days: RotateAfterDays | None = None
    rotation_due_fails: Bool = False
    endpoint_base_url: EndpointBaseUrl | None = None

    @model_validator(mode="after")
    def _platform_rules(self) -> RegisteredClientInputs:
        """The platform's documented rules (``platforms``), each failure at the input it concerns."""
        platform = platforms.get_platform(self.platform)
        name = platform.title
        own = {f.name: f for f in platform.own_fields}
        for field_name in sorted(_OWN_FIELDS):
            given = getattr(self, field_name) is not None
            if given and field_name not in own:
                others = ", ".join(sorted(own)) or "none"
                raise NestedError(
                    f"is not a field of {name} clients (their own fields: {others}); remove it", (field_name,)
                )
            if not given and field_name in own and own[field_name].required:
                raise NestedError(f"is required for {name}: {own[field_name].description}", (field_name,))
        rules = platform.redirect_rules
        grant = platform.client_credentials
        if grant is not None and self.uses_client_credentials():
            if self.redirect_uris:
                raise NestedError(
                    f"must be empty for this {name} client ({grant.kind_field} {grant.kind!r}): it uses the client "
                    f"credentials grant and registers no redirect URI (remove redirect_uris, or set {grant.kind_field} "
                    f"{grant.default_kind!r} for a store app, which uses the authorization code flow)",
                    ("redirect_uris",),
                )
        elif not self.redirect_uris:
            raise NestedError(
                f"must list at least one redirect URI registered on {name}: its login flow sends the user back to one",
                ("redirect_uris",),
            )
        if rules.max_count is not None and len(self.redirect_uris) > rules.max_count:
            raise NestedError(
                f"lists {len(self.redirect_uris)} redirect URIs; {name} allows at most {rules.max_count} per "
                "application",
                ("redirect_uris",),
            )
        for index, uri in enumerate(self.redirect_uris):
            problem = _redirect_problem(uri, rules, name)
            if problem is not None:
                raise NestedError(f"{problem}; got {shown(uri)}", ("redirect_uris", index))
        if platform.scopes_required and not self.scopes:
            raise NestedError(
                f"must list at least one scope for {name}: its authorize URL asks for them (such as 'account.read'"
                + (f", and '{platform.refresh_scope}' for a refresh token)" if platform.refresh_scope else ")"),
                ("scopes",),
            )
        length = platform.client_secret_length
        if length is not None and len(self.client_secret) != length:
            raise NestedError(
                f"must be {length} characters for {name} (its client secrets are); this one has "
                f"{len(self.client_secret)}: copy it again, whole, from {platform.dashboard_url(self.site)}",
                ("client_secret",),
            )
        if self.rotate_after_days is not None and self.secret_created_on is None:
            raise NestedError(
                "is required when rotate_after_days is set: the day the secret was created or copied (YYYY-MM-DD)",
                ("secret_created_on",),
            )
        return self

    def uses_client_credentials(self) -> bool:
        """Whether this client gets its tokens by the client credentials grant (apaleo's simple clients)."""
        platform = platforms.get_platform(self.platform)
        return platform.is_client_credentials_client({f.name: getattr(self, f.name) for f in platform.own_fields})

    def rotate_at(self) -> date | None:
        """The day the secret is due for rotation, if a rotation is asked for."""
        return rotate_at(self.secret_created_on, self.rotate_after_days)


def _redirect_problem(uri: str, rules: platforms.RedirectRules, name: str) -> str | None:
    scheme = uri.partition(":")[0].lower()
    if scheme == "https":
        return None
    if scheme == "http":
        host = urlsplit(uri).hostname or ""
        if rules.http_on_loopback and is_loopback(host):
            return None
        if rules.http_on_loopback:
            return f"must use https for {name}; plain http only on a loopback host (localhost, 127.0.0.1, [::1])"
        return f"must use https for {name}, even on a loopback host"
    if rules.custom_schemes:
        return None
    return f"must be an https URL for {name}, which accepts no custom scheme"


def rotate_at(secret_created_on: str | None, rotate_after_days: int | None) -> date | None:
    """``secret_created_on`` + ``rotate_after_days``, or ``None`` when either is not given."""
    if secret_created_on is None or rotate_after_days is None:
        return None
    return date.fromisoformat(secret_created_on) + timedelta(days=rotate_after_days)


def secret_rotation_due(inputs: RegisteredClientInputs, today: date | None = None) -> bool:
    """Whether the secret's rotation day has come."""
    due = inputs.rotate_at()
    return due is not None and (today or _today()) >= due
