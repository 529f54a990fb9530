"""The errors of this package: one tree, each message saying what happened and what to do.

    KustomerError
    ├── KustomerConfigError            credentials or endpoint missing or malformed (no request made)
    ├── KustomerTransportError         no usable answer: connection refused, timeout, connection dropped
    ├── KustomerAPIError               Kustomer answered with an error status, or with an answer we cannot use
    │   ├── KustomerInvalidRequestError    400, 422: invalid app definition or request
    │   │   ├── KustomerOutdatedVersionError   400: version not greater than the latest registered
    │   │   └── KustomerRolesChangedError      400: roles changed without a major version bump
    │   ├── KustomerAuthError              401: bad API key, or a key of another region (pod)
    │   ├── KustomerPermissionError        403, or 401 naming a role: the key lacks a role (org.admin.apps, ...)
    │   ├── KustomerNotFoundError          404: app or version unknown
    │   ├── KustomerConflictError          409: this version is already registered
    │   ├── KustomerRateLimitError         429: the org's per-minute budget is spent
    │   ├── KustomerServerError            5xx: Kustomer failed
    │   └── KustomerUnexpectedAnswerError  an answer the client cannot use: empty, not JSON, wrong shape,
    │       │                              badly encoded, too large, or a status Kustomer does not document
    │       ├── KustomerRedirectError          3xx: redirected (redirects are never followed)
    │       └── KustomerMintUnreadableError    a mint answered 2xx unreadably: the secret was probably rotated
    ├── KustomerInstallError           an install ended install_failed, or did not finish in time
    └── KustomerOwnershipError         the app is another's: its owner marker names another resource, or a
                                       secret just minted was revoked at once by another mint

Messages never contain an API key, a client secret, a token, or a character that a terminal would act on:
:class:`KustomerError`'s constructor passes every message through
:func:`kustomer_provider.safe_text.safe_message` (every registered secret redacted by value; control, bidi
and zero-width characters escaped; continuation lines indented; at most 8,000 characters), so that no message
can skip it; the attributes that
hold a server's words (``code``, ``detail``, ``pointer``, ``status``, ``path``) pass through
:func:`~kustomer_provider.safe_text.safe_text` (one line). Where a message is built, each piece of outside
text must still go through ``safe_text`` itself: there it is also redacted by pattern (a credential under a
key, ``Bearer ...``), capped on its own and kept on one line. The patterns are not applied to the whole
message, whose own words may name a key in a way they would take for a credential.

``secret_probably_rotated`` (on every error, ``False`` by default) is ``True`` when a mint may have
generated a new secret in Kustomer (revoking the previous one) although the caller did not receive it:
an unreadable mint answer, or a mint whose answer was lost after it was sent. The next ``pulumi up``
mints again.
"""

from __future__ import annotations

from .safe_text import safe_message, safe_text

__all__ = [
    "KustomerAPIError",
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
    "KustomerRateLimitError",
    "KustomerRedirectError",
    "KustomerRolesChangedError",
    "KustomerServerError",
    "KustomerTransportError",
    "KustomerUnexpectedAnswerError",
]


class KustomerError(Exception):
    """Base class of every error raised by this package; its message is made safe here (see the module)."""

    #: True when an earlier attempt of the same request failed in a way that may have committed it.
    retried_after_ambiguous: bool = False
    #: True when a mint may have rotated the app's secret in Kustomer without the caller receiving it.
    secret_probably_rotated: bool = False

    def __init__(self, message: object = "", *args: object) -> None:
        super().__init__(safe_message(message, by_pattern=False), *args)


def _safe(value: str | None) -> str | None:
    """A server's words kept on an error as an attribute: one safe line (None stays None)."""
    return None if value is None else safe_text(value)


class KustomerConfigError(KustomerError):
    """Credentials or endpoint settings are missing or malformed; nothing was sent."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        #: The config key to fix (``kustomer:apiKey``), when the error is about one.
        self.key = key


class KustomerTransportError(KustomerError):
    """The request got no usable answer (connection refused, timeout, connection dropped)."""

    def __init__(self, message: str, *, method: str, path: str, ambiguous: bool) -> None:
        super().__init__(message)
        self.method = method
        self.path = safe_text(path)
        #: True when the request may have reached Kustomer and changed something before the failure.
        self.ambiguous = ambiguous


class KustomerAPIError(KustomerError):
    """Kustomer answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status_code: int,
        code: str | None = None,
        detail: str | None = None,
        pointer: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.path = safe_text(path)
        self.status_code = status_code
        #: Kustomer's error code (``conflict``, ``invalid_version``, ...), when it gave one.
        self.code = _safe(code)
        #: Kustomer's own explanation, redacted, escaped, one line.
        self.detail = _safe(detail)
        #: JSON pointer of the field Kustomer blamed (``/redirectUris/0``), when it gave one.
        self.pointer = _safe(pointer)
        #: Seconds Kustomer asked us to wait (429 and some 503), when it said.
        self.retry_after = retry_after


class KustomerInvalidRequestError(KustomerAPIError):
    """400: Kustomer rejected the request or the app definition."""


class KustomerOutdatedVersionError(KustomerInvalidRequestError):
    """400: the version is not greater than the latest registered version."""


class KustomerRolesChangedError(KustomerInvalidRequestError):
    """400: the app's roles changed without a major version bump."""


class KustomerAuthError(KustomerAPIError):
    """401: the API key is not valid here (wrong key, revoked key, or a key of another region)."""


class KustomerPermissionError(KustomerAPIError):
    """403 (or a 401 that names a role, as Kustomer's older error reference has it): the key lacks a role."""


class KustomerNotFoundError(KustomerAPIError):
    """404: the app or version does not exist in this org."""


class KustomerConflictError(KustomerAPIError):
    """409: this version of the app is already registered."""


class KustomerRateLimitError(KustomerAPIError):
    """429: the org's shared per-minute request budget is spent."""


class KustomerServerError(KustomerAPIError):
    """5xx: Kustomer failed to handle the request."""


class KustomerUnexpectedAnswerError(KustomerAPIError):
    """Kustomer answered something the client cannot use (empty, not JSON, wrong shape, too large...)."""


class KustomerRedirectError(KustomerUnexpectedAnswerError):
    """3xx: the request was redirected; the client never follows redirects (they could carry the key away)."""


class KustomerMintUnreadableError(KustomerUnexpectedAnswerError):
    """A mint answered 2xx but unreadably: Kustomer probably rotated the secret; the next ``up`` mints again."""

    secret_probably_rotated = True


class KustomerInstallError(KustomerError):
    """An install ended ``install_failed`` or did not reach a final state in time."""

    def __init__(self, message: str, *, app_name: str, version: str, status: str | None) -> None:
        super().__init__(message)
        self.app_name = app_name
        self.version = version
        #: The last install status seen (``install_failed``, ``installing``, ...).
        self.status = _safe(status)

    def with_advice(self, advice: str) -> KustomerInstallError:
        """The same failure, its message followed by ``advice`` (what the caller knows about recovering)."""
        return KustomerInstallError(
            f"{self} {advice}", app_name=self.app_name, version=self.version, status=self.status
        )


class KustomerOwnershipError(KustomerError):
    """The app is managed elsewhere: a registered version's owner marker names another Pulumi resource, or a
    client secret just minted was refused at once (another mint for the app revoked it). Nothing of the other's
    was taken over; the message says how to move the app on purpose."""

    def __init__(self, message: str, *, app: str, version: str | None = None, owner: str | None = None) -> None:
        super().__init__(message)
        self.app = app
        self.version = version
        #: The other resource's owner marker (``<project>/<stack>/<resource name>``), when one says so.
        self.owner = owner
