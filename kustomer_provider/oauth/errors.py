"""The errors of the OAuth helper, below the package's own base class.

    KustomerError                      (kustomer_provider.errors)
    └── OAuthHelperError               the helper could not finish; exit status 1
        ├── OAuthInputError            an input is missing or malformed (nothing was sent); exit status 2
        ├── OAuthCallbackError         the browser side: denied, wrong state, no answer in time
        └── OAuthEndpointError         authorize, token or API endpoint refused, or could not be reached

Every message has passed :func:`kustomer_provider.redaction.redact` (here) and
:func:`kustomer_provider.safe_text.safe_message` (in ``KustomerError``'s constructor): no client secret, code or
token, and no character a terminal would act on.
"""

from __future__ import annotations

from ..errors import KustomerError
from ..redaction import redact

__all__ = ["OAuthCallbackError", "OAuthEndpointError", "OAuthHelperError", "OAuthInputError"]


class OAuthHelperError(KustomerError):
    """The helper could not finish; the message says what happened and what to do."""

    exit_status: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


class OAuthInputError(OAuthHelperError):
    """An input is missing or malformed; nothing was sent."""

    exit_status = 2


class OAuthCallbackError(OAuthHelperError):
    """The browser came back without a usable code: denied, wrong state, an error, or no answer in time."""


class OAuthEndpointError(OAuthHelperError):
    """An endpoint refused the request (status and OAuth error kept), or could not be reached."""

    def __init__(self, message: str, *, status_code: int | None = None, error: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        #: The OAuth ``error`` code (``invalid_client``, ``invalid_grant``, ...), when the answer had one.
        self.error = error
