"""Kustomer private OAuth apps and their client secrets as Pulumi dynamic resources.

    from kustomer_provider import KustomerAppInstalls, KustomerAppSecret, KustomerPrivateApp, RegisteredOAuthClient

The layout follows the flow of a ``pulumi up``: the program declares resources (``private_app``,
``app_secret``, ``app_installs``, and ``registered_client`` for the OAuth clients of other platforms, described as
data in ``platforms``: each provider beside its resource), whose providers call the API client (``client``,
with ``answers`` and ``errors``), which speaks HTTP. ``kustomer_provider.simulator`` is a local stand-in
for Kustomer that the provider code never imports.

``__version__`` is the installed distribution's version (``kustomer-pulumi``), ``"0+unknown"`` when the
package runs from a source tree that was never installed.

The public names load on first use (PEP 562): ``import kustomer_provider.simulator`` or ``.oauth`` runs this
file, and must not bring in pulumi and the resources with it. ``from kustomer_provider import X`` and
``kustomer_provider.X`` work as before; type checkers read the ``TYPE_CHECKING`` imports below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._version import __version__
    from .app_installs import KustomerAppInstalls
    from .app_secret import KustomerAppSecret
    from .errors import (
        KustomerAPIError,
        KustomerAuthError,
        KustomerConfigError,
        KustomerConflictError,
        KustomerError,
        KustomerInstallError,
        KustomerInvalidRequestError,
        KustomerMintUnreadableError,
        KustomerNotFoundError,
        KustomerOutdatedVersionError,
        KustomerOwnershipError,
        KustomerPermissionError,
        KustomerRateLimitError,
        KustomerRedirectError,
        KustomerRolesChangedError,
        KustomerServerError,
        KustomerTransportError,
        KustomerUnexpectedAnswerError,
    )
    from .private_app import KustomerPrivateApp
    from .registered_client import RegisteredClientRejectedError, RegisteredOAuthClient

__all__ = [
    "KustomerAPIError",
    "KustomerAppInstalls",
    "KustomerAppSecret",
    "KustomerAuthError",
    "KustomerConfigError",
    "KustomerConflictError",
    "KustomerError",
    "KustomerInstallError",
    "KustomerInvalidRequestError",
    "KustomerMintUnreadableError",
    "KustomerNotFoundError",
    "KustomerOutdatedVersionError",
    "KustomerOwnershipError",
    "KustomerPermissionError",
    "KustomerPrivateApp",
    "KustomerRateLimitError",
    "KustomerRedirectError",
    "KustomerRolesChangedError",
    "KustomerServerError",
    "KustomerTransportError",
    "KustomerUnexpectedAnswerError",
    "RegisteredClientRejectedError",
    "RegisteredOAuthClient",
    "__version__",
]

# Public name -> the submodule that defines it (imported on first use of the name).
_LAZY_NAMES: dict[str, str] = {
    "__version__": "._version",
    "KustomerAppInstalls": ".app_installs",
    "KustomerAppSecret": ".app_secret",
    "KustomerAPIError": ".errors",
    "KustomerAuthError": ".errors",
    "KustomerConfigError": ".errors",
    "KustomerConflictError": ".errors",
    "KustomerError": ".errors",
    "KustomerInstallError": ".errors",
    "KustomerInvalidRequestError": ".errors",
    "KustomerMintUnreadableError": ".errors",
    "KustomerNotFoundError": ".errors",
    "KustomerOutdatedVersionError": ".errors",
    "KustomerOwnershipError": ".errors",
    "KustomerPermissionError": ".errors",
    "KustomerRateLimitError": ".errors",
    "KustomerRedirectError": ".errors",
    "KustomerRolesChangedError": ".errors",
    "KustomerServerError": ".errors",
    "KustomerTransportError": ".errors",
    "KustomerUnexpectedAnswerError": ".errors",
    "KustomerPrivateApp": ".private_app",
    "RegisteredClientRejectedError": ".registered_client",
    "RegisteredOAuthClient": ".registered_client",
}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use, and keep the name here for the next use."""
    module = _LAZY_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's own names and every public name, loaded or not."""
    return sorted({*globals(), *__all__})
