"""Kustomer private OAuth apps and their client secrets as Pulumi dynamic resources.

    from kustomer_provider import KustomerAppInstalls, KustomerAppSecret, KustomerPrivateApp, RegisteredOAuthClient

The layout follows the flow of a ``pulumi up``: the program declares resources (``private_app``,
``app_secret``, ``app_installs``, and ``registered_client`` for the OAuth clients of other platforms, described as
data in ``platforms``: each provider beside its resource), whose providers call the API client (``client``,
with ``models`` and ``errors``), which speaks HTTP. ``kustomer_provider.simulator`` is a local stand-in
for Kustomer that the provider code never imports.

``__version__`` is the installed distribution's version (``kustomer-pulumi``), ``"0+unknown"`` when the
package runs from a source tree that was never installed.
"""

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
