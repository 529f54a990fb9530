"""Every behaviour of the Kustomer API that its documentation does not state, in one place.

Each name here is one of our decisions (marked [ours] in ``docs/kustomer-api.md``). The client and the
resources use these names rather than repeating the choice, so that a check against a real sandbox org
(``KUSTOMER_LIVE=1 scripts/test tests/contract``) can correct each one by editing this module alone.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final, Literal

__all__ = [
    "APP_NAME_MAX_LENGTH",
    "APP_NAME_PATTERN",
    "CLIENT_SECRET_PROBE_GRANT_TYPE",
    "CLIENT_SECRET_PROBE_REFRESH_TOKEN",
    "INSTALLED",
    "INSTALLING",
    "INSTALL_FAILED",
    "INSTALL_TERMINAL_STATUSES",
    "MINTED_SECRET_CHECKS",
    "MINTED_SECRET_CHECK_PAUSE_S",
    "MINT_NOT_INSTALLED_STATUS",
    "NAMESPACED_NAME_MAX_LENGTH",
    "ORG_ID_PATTERN",
    "OWNER_MARKER_META_KEY",
    "RATE_LIMIT_RESET_UNIT_SECONDS",
    "SECRET_DEAD_ERRORS",
    "SECRET_LIVE_ERRORS",
    "SecretVerdict",
    "install_request_body",
    "install_status_path",
    "is_success",
    "mint_refused_as_not_installed",
    "mint_secret_paths",
    "org_id_from_name",
    "secret_fingerprint",
    "secret_verdict",
    "versioned_mint_path",
]

# Kustomer says "no spaces or dashes" and shows lowercase with underscores [doc]; the exact pattern
# and the total length of the namespaced name are ours.
APP_NAME_PATTERN: Final = r"^[a-z][a-z0-9_]*$"
NAMESPACED_NAME_MAX_LENGTH: Final = 64
ORG_ID_PATTERN: Final = r"^[0-9a-f]{24}$"
#: Room for ``_<24-hex orgId>`` inside the 64 characters.
APP_NAME_MAX_LENGTH: Final = NAMESPACED_NAME_MAX_LENGTH - 25

INSTALLING: Final = "installing"
INSTALLED: Final = "installed"
INSTALL_FAILED: Final = "install_failed"
INSTALL_TERMINAL_STATUSES: Final = frozenset({INSTALLED, INSTALL_FAILED})

#: A mint for an app with no installed version is refused: the tutorial's order is register, install, then
#: the secret ("Install the app before you continue to Step 2: Generate a client secret"), but Kustomer's docs
#: do not say what a premature mint answers. We expect 409 (the app's state, not the request, is wrong); the
#: client also takes a 400 or 422 whose text speaks of the install as that refusal.
MINT_NOT_INSTALLED_STATUS: Final = 409
#: ``x-ratelimit-reset`` counts seconds until the window resets (not an epoch timestamp).
RATE_LIMIT_RESET_UNIT_SECONDS: Final = True


#: How a stored client secret is checked without a user or a way to read it: a token request with a grant
#: that cannot succeed (a made-up refresh token, the credentials in the form: client_secret_post). Kustomer
#: is assumed to authenticate the client first, as RFC 6749 section 5.2 orders the errors, so a live secret
#: gets an error about the grant and a dead (revoked, never minted) one ``invalid_client``.
CLIENT_SECRET_PROBE_GRANT_TYPE: Final = "refresh_token"  # noqa: S105 (a grant type)
CLIENT_SECRET_PROBE_REFRESH_TOKEN: Final = "kustomer-client-secret-probe-not-a-token"  # noqa: S105 (not a secret)
#: ``unauthorized_client`` is "the *authenticated* client may not use this grant" (RFC 6749 5.2): live too.
SECRET_LIVE_ERRORS: Final = frozenset({"invalid_grant", "unauthorized_client"})
SECRET_DEAD_ERRORS: Final = frozenset({"invalid_client"})

SecretVerdict = Literal["live", "dead", "unknown"]

#: A secret just minted is checked at the token endpoint before its create reports success: refused, it was
#: revoked at once by another mint for the same app (another stack, a person). Kustomer does not say how soon a
#: new secret is accepted; we assume at once, and look again this many times in all, this far apart, before
#: calling it revoked.
MINTED_SECRET_CHECKS: Final = 3
MINTED_SECRET_CHECK_PAUSE_S: Final = 1.0

#: The key of ``meta`` (a documented top-level key of the app definition) under which each registered version
#: carries its owner marker, ``<project>/<stack>/<resource name>``: what tells a stack its own version after an
#: interrupted create. That Kustomer keeps the whole definition and returns it in the available app's attributes
#: is documented; that it keeps ``meta``'s keys as given is our reading of it.
OWNER_MARKER_META_KEY: Final = "pulumiOwner"


def secret_verdict(error: str | None) -> SecretVerdict:
    """What a probe's OAuth ``error`` says of the secret; anything else (a 200, a 5xx page) is ``unknown``."""
    if error in SECRET_LIVE_ERRORS:
        return "live"
    if error in SECRET_DEAD_ERRORS:
        return "dead"
    return "unknown"


def mint_refused_as_not_installed(status_code: int, text: str) -> bool:
    """Whether a mint's error answer is the refusal of a mint for an app that is not installed."""
    if status_code == MINT_NOT_INSTALLED_STATUS:
        return True
    return status_code in (400, 422) and "install" in text.lower()


def is_success(status_code: int) -> bool:
    """Kustomer documents no exact success codes: any 2xx is success."""
    return 200 <= status_code < 300


def install_request_body(app_name: str, version: str) -> dict[str, Any]:
    """The body of ``POST /v1/apps/install`` (undocumented)."""
    return {"app": app_name, "version": version}


def install_status_path(app_name: str, version: str) -> str:
    """Where an install's progress is read: the installs of one version."""
    return f"/v1/apps/{app_name}-{version}"


def mint_secret_paths(app_name: str, version: str | None) -> tuple[str, str | None]:
    """The mint endpoint form to try first, and the other form to fall back to when it answers 404.

    The seed tutorial's curl uses ``/v1/apps/available/{name}/secret/`` (with its trailing slash); newer
    docs write ``/v1/apps/available/{name}-{version}/secret`` (without). Without a version: the seed's
    form first, the versioned form (of the latest version; ``None`` here, the client fills it in) as the
    fallback. With a version:
    that version's form first (the only one that names it), the seed's form as the fallback.
    """
    unversioned = f"/v1/apps/available/{app_name}/secret/"
    if version is None:
        return unversioned, None
    return f"/v1/apps/available/{app_name}-{version}/secret", unversioned


def versioned_mint_path(app_name: str, version: str) -> str:
    """The newer docs' mint form for one version."""
    return f"/v1/apps/available/{app_name}-{version}/secret"


def org_id_from_name(app_name: str, namespaced_name: str) -> str | None:
    """The org id in a namespaced name (``myapp_<orgId>`` registered as ``myapp``), if it has one."""
    prefix = f"{app_name}_"
    if namespaced_name.startswith(prefix) and len(namespaced_name) > len(prefix):
        return namespaced_name[len(prefix) :]
    return None


def secret_fingerprint(secret: str) -> str:
    """A short, non-secret identifier of a secret: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]
