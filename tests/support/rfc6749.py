"""RFC 6749 written out for the tests (never read from the code under test)."""

from __future__ import annotations

#: RFC 6749 §5.2: the ``error`` values a token endpoint may answer.
RFC_TOKEN_ERRORS = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
    }
)
