"""PKCE (RFC 7636, method S256) and the ``state`` value of one authorization request."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

__all__ = ["PKCE", "code_challenge", "new_pkce", "new_state", "same_state"]

# 64 random bytes give an 86-character verifier, inside RFC 7636's 43..128.
_VERIFIER_BYTES = 64
_STATE_BYTES = 24


def code_challenge(verifier: str) -> str:
    """``BASE64URL(SHA256(verifier))`` without padding: the S256 challenge of a verifier."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class PKCE:
    """A verifier (kept until the code exchange) and its challenge (sent to authorize)."""

    verifier: str = field(repr=False)
    challenge: str
    method: str = "S256"


def new_pkce() -> PKCE:
    """A fresh verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(_VERIFIER_BYTES)
    return PKCE(verifier=verifier, challenge=code_challenge(verifier))


def new_state() -> str:
    """An unguessable ``state``: ties the browser's answer to this login (CSRF protection)."""
    return secrets.token_urlsafe(_STATE_BYTES)


def same_state(expected: str, received: str | None) -> bool:
    """Compare states in constant time."""
    return received is not None and hmac.compare_digest(expected.encode(), received.encode())
