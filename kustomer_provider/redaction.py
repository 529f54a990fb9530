"""Redaction of credentials from any text that may reach a log line or an exception message.

Two layers: patterns that catch secrets by their shape in headers, JSON bodies, form bodies and
query strings; and exact values the process knows to be secret (its API key, secrets it minted), which
are replaced wherever they appear, whatever surrounds them.
"""

from __future__ import annotations

import re
import threading

__all__ = ["REDACTED", "redact", "register_secret"]

REDACTED = "[REDACTED]"

# The field names whose values are credentials, in every spelling the API and OAuth use.
_SECRET_FIELDS = (
    "clientSecret",
    "client_secret",
    "access_token",
    "refresh_token",
    "accessToken",
    "refreshToken",
    "code",
    "code_verifier",
    "apiKey",
    "api_key",
    "password",
)
_FIELDS = "|".join(_SECRET_FIELDS)
# In JSON bodies "code" is Kustomer's error code, not an OAuth code: keep it readable there.
_JSON_FIELDS = "|".join(f for f in _SECRET_FIELDS if f != "code")

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization: Bearer <token> (also Basic), in headers or repr()s of headers.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {REDACTED}"),
    (re.compile(r"(?i)(['\"]?authorization['\"]?\s*[:=]\s*['\"]?)[^'\",}\s]+"), rf"\1{REDACTED}"),
    # JSON: "clientSecret": "value"
    (re.compile(rf"(['\"](?:{_JSON_FIELDS})['\"]\s*:\s*['\"])[^'\"]*"), rf"\1{REDACTED}"),
    # Forms and query strings: client_secret=value
    (re.compile(rf"(?<![A-Za-z0-9_])((?:{_FIELDS})=)[^&\s'\"]+"), rf"\1{REDACTED}"),
    # Free text: "clientSecret abc123...", "access token: abc123..." (long token-like values only).
    (
        re.compile(
            r"(?i)\b((?:client[ _-]?secret|access[ _-]?token|refresh[ _-]?token|api[ _-]?key)\s*[:=]?\s+)"
            r"(?!/|\.{1,2}/|[a-z][a-z0-9+.-]*://)"  # a file path or a URL is not the secret itself
            r"[A-Za-z0-9._~+/-]{12,}"
        ),
        rf"\1{REDACTED}",
    ),
)

_known_secrets: set[str] = set()
_known_lock = threading.Lock()

# Shorter values are too likely to be ordinary words to be replaced everywhere.
_MIN_KNOWN_SECRET_LENGTH = 8


def register_secret(value: str | None) -> None:
    """Remember a secret value so that :func:`redact` removes it wherever it appears."""
    if value and len(value) >= _MIN_KNOWN_SECRET_LENGTH:
        with _known_lock:
            _known_secrets.add(value)


def redact(text: str) -> str:
    """Return ``text`` with every credential replaced by ``[REDACTED]``."""
    with _known_lock:
        known = sorted(_known_secrets, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
