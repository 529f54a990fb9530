"""Where the provider sends requests and with which key: resolved from stack config, then the environment.

Stack config (``kustomer:apiKey`` as a secret, ``kustomer:orgName``, ``kustomer:baseUrl``, ...) wins;
the environment variables ``KUSTOMER_API_KEY``, ``KUSTOMER_ORG_NAME``, ``KUSTOMER_BASE_URL`` are the
fallbacks. Resolution happens inside the provider process, never on the pickled provider object.

Every value is checked before any request: printable ASCII only (a pasted zero-width space or line
break, or an international host name, is refused with a :class:`KustomerConfigError` naming the key
and the fix, never a ``UnicodeEncodeError`` from the HTTP stack), and a base URL with a user or
password in it (``https://user:pw@host``) is refused: the API key is the only credential, and a
password in a URL would be printed by every error message and traceback that shows the URL.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

from pydantic import SecretStr

from .errors import KustomerConfigError

__all__ = [
    "CONFIG_KEYS",
    "DEFAULT_INSTALL_TIMEOUT_SECONDS",
    "KUSTOMER_DOMAIN",
    "Connection",
    "OAuthEndpoints",
    "check_api_key",
    "check_base_url",
    "default_base_url",
    "oauth_endpoints",
    "resolve_connection",
    "resolve_endpoint",
]

DEFAULT_INSTALL_TIMEOUT_SECONDS: Final = 300.0
_MAX_INSTALL_TIMEOUT_SECONDS: Final = 3600.0

#: config key -> (environment variable, meaning). Every key the provider reads.
CONFIG_KEYS: Final = {
    "kustomer:apiKey": ("KUSTOMER_API_KEY", "API key with the roles org.admin.apps and org.permission.apps"),
    "kustomer:orgName": ("KUSTOMER_ORG_NAME", "org name, the subdomain of <org>.kustomerapp.com"),
    "kustomer:baseUrl": ("KUSTOMER_BASE_URL", "API base URL (default https://<orgName>.api.kustomerapp.com)"),
    "kustomer:installTimeoutSeconds": (
        "KUSTOMER_INSTALL_TIMEOUT_SECONDS",
        "how long to wait for an install to finish",
    ),
}

_ORG_NAME_RE: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
#: The domain of Kustomer's hosts: ``<org>.kustomerapp.com`` (web), ``<org>.api.kustomerapp.com`` (API).
KUSTOMER_DOMAIN: Final = "kustomerapp.com"
_LEGACY_OAUTH_HOST: Final = "https://api.apps.kustomerapp.com"


@dataclass(frozen=True)
class Connection:
    """The resolved settings of one provider process."""

    base_url: str
    api_key: SecretStr = field(repr=False)
    org_name: str | None = None
    install_timeout_seconds: float = DEFAULT_INSTALL_TIMEOUT_SECONDS


@dataclass(frozen=True)
class OAuthEndpoints:
    """Where a person authorizes the app and where a consumer exchanges codes for tokens."""

    authorize_url: str
    token_url: str


def default_base_url(org_name: str) -> str:
    """The per-org API host, which routes to the org's region."""
    return f"https://{org_name}.api.{KUSTOMER_DOMAIN}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _plain_ascii(value: str) -> bool:
    """Printable ASCII only: no control, zero-width or non-ASCII character (spaces are checked apart)."""
    return value.isascii() and value.isprintable()


def _without_userinfo(value: str) -> str:
    """``value`` with any ``user:password@`` of a URL replaced, for messages."""
    return re.sub(r"(?i)^([a-z][a-z0-9+.-]*://)[^/?#]*@", r"\1[REDACTED]@", value)


def check_base_url(value: str, source: str = "config kustomer:baseUrl") -> str:
    """The API base URL normalised to ``scheme://host[:port]``; raises :class:`KustomerConfigError` naming ``source``.

    https only (plain http for a loopback simulator), a host, no path, query, fragment or userinfo,
    a port in 1-65535, printable ASCII (an international host name goes in its ``xn--`` form).
    """
    shown = repr(_without_userinfo(value)) if _plain_ascii(value) else "a value with such characters"
    if not _plain_ascii(value) or any(c.isspace() for c in value):
        raise KustomerConfigError(
            f"{source} must be plain ASCII without spaces or control characters (was it pasted with a hidden "
            "character? Write an international host name in its xn-- form), such as "
            "https://<org>.api.kustomerapp.com",
            key="kustomer:baseUrl",
        )
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise KustomerConfigError(
            f"{source} must be an absolute URL such as https://<org>.api.kustomerapp.com, with a port in "
            f"1-65535 if any; got {shown}",
            key="kustomer:baseUrl",
        ) from None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host or port == 0:
        raise KustomerConfigError(
            f"{source} must be an absolute URL such as https://<org>.api.kustomerapp.com; got {shown}",
            key="kustomer:baseUrl",
        )
    if "@" in parts.netloc:
        raise KustomerConfigError(
            f"{source} must not contain a user name or password (user:password@host): the API key is set "
            f"with kustomer:apiKey, and a password in a URL would be shown wherever the URL is; got {shown}",
            key="kustomer:baseUrl",
        )
    if parts.scheme == "http" and not _is_loopback(host):
        raise KustomerConfigError(
            f"{source} must use https (plain http is allowed only for a local simulator on a loopback "
            f"address); got {shown}",
            key="kustomer:baseUrl",
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or value.rstrip("/").endswith(("?", "#")):
        raise KustomerConfigError(
            f"{source} must be the host only, without a path such as /v1; got {shown}", key="kustomer:baseUrl"
        )
    return f"{parts.scheme}://{parts.netloc}"


def check_api_key(value: str, source: str = "config kustomer:apiKey") -> str:
    """The API key as given; raises :class:`KustomerConfigError` naming ``source``, never echoing the key."""
    if value.lower().startswith("bearer "):
        raise KustomerConfigError(
            f"{source} must be the key alone, without the 'Bearer ' prefix", key="kustomer:apiKey"
        )
    if any(c.isspace() for c in value):
        raise KustomerConfigError(
            f"{source} must not contain spaces or line breaks (was it pasted whole?)", key="kustomer:apiKey"
        )
    if not _plain_ascii(value):
        raise KustomerConfigError(
            f"{source} must hold only the printable ASCII characters of the key as Kustomer shows it: it "
            "contains a control, invisible or non-ASCII character (was it pasted with a hidden character?). "
            "Set it again with `pulumi config set --secret kustomer:apiKey <key>`.",
            key="kustomer:apiKey",
        )
    return value


Config = Callable[[str], object | None] | Mapping[str, object]


def _lookup(config: Config, environ: Mapping[str, str] | None) -> Callable[[str], tuple[str | None, str]]:
    """A function giving ``(value, where it came from)`` for a config key: stack config, else env."""
    env = os.environ if environ is None else environ
    get = config.get if isinstance(config, Mapping) else config

    def lookup(key: str) -> tuple[str | None, str]:
        raw = get(key)
        if raw is not None and str(raw).strip() != "":
            return str(raw).strip(), f"config {key}"
        variable = CONFIG_KEYS[key][0]
        value = env.get(variable, "").strip()
        return (value or None), f"environment variable {variable}"

    return lookup


def resolve_endpoint(config: Config, environ: Mapping[str, str] | None = None) -> tuple[str | None, str]:
    """``(org_name, base_url)`` from stack config, else the environment; no API key needed.

    Raises :class:`KustomerConfigError` naming the config key, the environment variable and the fix.
    """
    lookup = _lookup(config, environ)
    org_name, org_source = lookup("kustomer:orgName")
    if org_name is not None and not _ORG_NAME_RE.fullmatch(org_name):
        shown = repr(org_name) if _plain_ascii(org_name) else "a value with control or non-ASCII characters"
        raise KustomerConfigError(
            f"{org_source} must be the org's subdomain (the <org> of https://<org>.kustomerapp.com: "
            f"lowercase ASCII letters, digits, dashes, at most 63); got {shown}. Set kustomer:orgName "
            "(`pulumi config set kustomer:orgName <org>`) or KUSTOMER_ORG_NAME to it.",
            key="kustomer:orgName",
        )
    base_url, base_source = lookup("kustomer:baseUrl")
    if base_url is not None:
        return org_name, check_base_url(base_url, base_source)
    if org_name is not None:
        return org_name, default_base_url(org_name)
    raise KustomerConfigError(
        "No Kustomer endpoint. Set the org with `pulumi config set kustomer:orgName <org>` (or "
        "KUSTOMER_ORG_NAME), or a base URL with `pulumi config set kustomer:baseUrl <url>` (or "
        "KUSTOMER_BASE_URL), such as the local simulator's http://127.0.0.1:8787.",
        key="kustomer:orgName",
    )


def resolve_connection(config: Config, environ: Mapping[str, str] | None = None) -> Connection:
    """Resolve the connection from stack config (``config(key)`` or a mapping), falling back to ``environ``.

    Raises :class:`KustomerConfigError` naming the config key, the environment variable and the fix.
    """
    lookup = _lookup(config, environ)
    api_key, key_source = lookup("kustomer:apiKey")
    if api_key is None:
        raise KustomerConfigError(
            "No Kustomer API key. Set it as a stack secret with "
            "`pulumi config set --secret kustomer:apiKey <key>`, or export KUSTOMER_API_KEY. "
            "The key needs the roles org.admin.apps and org.permission.apps.",
            key="kustomer:apiKey",
        )
    check_api_key(api_key, key_source)
    org_name, base_url = resolve_endpoint(config, environ)

    timeout_text, timeout_source = lookup("kustomer:installTimeoutSeconds")
    install_timeout = DEFAULT_INSTALL_TIMEOUT_SECONDS
    if timeout_text is not None:
        try:
            install_timeout = float(timeout_text)
        except ValueError:
            install_timeout = -1.0
        if not 0 < install_timeout <= _MAX_INSTALL_TIMEOUT_SECONDS:
            raise KustomerConfigError(
                f"{timeout_source} must be a number of seconds above 0 and at most "
                f"{_MAX_INSTALL_TIMEOUT_SECONDS:.0f}; got {timeout_text!r}",
                key="kustomer:installTimeoutSeconds",
            )

    return Connection(
        base_url=base_url,
        api_key=SecretStr(api_key),
        org_name=org_name,
        install_timeout_seconds=install_timeout,
    )


def oauth_endpoints(org_name: str | None, base_url: str | None, *, legacy: bool = False) -> OAuthEndpoints:
    """The OAuth authorize and token URLs for an org.

    - ``legacy``: the seed tutorial's hosts, ``https://api.apps.kustomerapp.com/oauth/...``.
    - A base URL outside kustomerapp.com (the local simulator) serves both on itself.
    - Otherwise, with an org name: authorize on the org's web host ``https://<org>.kustomerapp.com``,
      token on its API host ``https://<org>.api.kustomerapp.com`` (the current docs).
    """
    if legacy:
        return OAuthEndpoints(f"{_LEGACY_OAUTH_HOST}/oauth/authorize", f"{_LEGACY_OAUTH_HOST}/oauth/token")
    if base_url:
        host = urlsplit(base_url).hostname or ""
        if not (host == KUSTOMER_DOMAIN or host.endswith("." + KUSTOMER_DOMAIN)) or not org_name:
            root = base_url.rstrip("/")
            return OAuthEndpoints(f"{root}/oauth/authorize", f"{root}/oauth/token")
    if not org_name:
        raise KustomerConfigError(
            "Set kustomer:orgName (or a base URL) to know the org's OAuth endpoints", key="kustomer:orgName"
        )
    return OAuthEndpoints(
        f"https://{org_name}.{KUSTOMER_DOMAIN}/oauth/authorize",
        f"{default_base_url(org_name)}/oauth/token",
    )
