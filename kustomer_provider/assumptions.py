"""Every behaviour of the Kustomer API that its documentation does not state, in one place.

Each name here is one of our decisions (marked [ours] in ``docs/kustomer-api.md``). The client and the
resources use these names rather than repeating the choice, so that a check against a real sandbox org
(``KUSTOMER_LIVE=1 scripts/test tests/contract``) can correct each one by editing this module alone.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

__all__ = [
    "APP_NAME_MAX_LENGTH",
    "APP_NAME_PATTERN",
    "CLIENT_ID_STABLE_ACROSS_VERSIONS",
    "INSTALLED",
    "INSTALLING",
    "INSTALL_FAILED",
    "INSTALL_TERMINAL_STATUSES",
    "MINT_REVOKES_PREVIOUS_SECRET",
    "NAMESPACED_NAME_MAX_LENGTH",
    "ORG_ID_PATTERN",
    "RATE_LIMIT_RESET_UNIT_SECONDS",
    "install_request_body",
    "install_status_path",
    "is_success",
    "mint_secret_paths",
    "org_id_from_name",
    "secret_fingerprint",
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

#: One OAuth client per app name: later versions keep the client id of the first.
CLIENT_ID_STABLE_ACROSS_VERSIONS: Final = True
#: A new mint revokes the previous secret (the pessimistic reading; rotation is tested under it).
MINT_REVOKES_PREVIOUS_SECRET: Final = True
#: ``x-ratelimit-reset`` counts seconds until the window resets (not an epoch timestamp).
RATE_LIMIT_RESET_UNIT_SECONDS: Final = True


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
