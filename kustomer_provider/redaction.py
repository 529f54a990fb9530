"""Redaction of credentials from any text that may reach a log line, an exception message or a repr.

Three layers, applied in this order by :func:`redact`:

1. **By value.** Every secret the process has seen (its API key, secrets it minted, OAuth tokens and
   codes) is registered with :func:`register_secret` and replaced wherever it appears, also in its
   percent-encoded and JSON-escaped spellings, whatever surrounds it (free text included).
2. **By key.** A value under a key that looks secret is replaced, in JSON and Python reprs (any
   nesting), form bodies and query strings, HTTP headers (``x-api-key: ...``, httpcore's
   ``(b'x-api-key', b'...')`` tuples) and ``key: value`` text. A key looks secret when, ignoring case
   and separators, it contains ``secret``, ``token``, ``password``, ``key``, ``authorization``,
   ``verifier``, ``credential``, ``cookie`` or ``signature`` (``clientSecret``, ``client-secret``,
   ``CLIENT_SECRET``, ``x-api-key``, ``code_verifier``...). OAuth's ``code=`` is secret in forms and
   queries; in JSON ``code`` is Kustomer's error code (``conflict``) and stays readable.
3. **By shape.** ``Bearer <token>`` / ``Basic <credentials>``, the userinfo of a URL
   (``https://user:password@host`` -> ``https://[REDACTED]@host``) and "client secret <long value>"
   in free text.

:func:`redact_json` does layer 2 on a parsed JSON value (so nested objects under a secret key go too),
and :class:`RedactingFilter`, installed by :func:`install_log_redaction` on the ``httpx``, ``httpcore``
and ``kustomer_provider`` loggers, applies :func:`redact` to every log record they emit.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import traceback
from typing import Any, Final
from urllib.parse import quote, quote_plus

__all__ = [
    "REDACTED",
    "RedactingFilter",
    "install_log_redaction",
    "looks_secret",
    "redact",
    "redact_json",
    "redact_known",
    "register_secret",
]

REDACTED: Final = "[REDACTED]"

#: Parts of a key name that mark its value as a credential (compared without case and separators).
_SECRET_WORDS: Final = (
    "secret",
    "token",
    "password",
    "passwd",
    "pwd",
    "key",
    "authorization",
    "verifier",
    "credential",
    "cookie",
    "signature",
)
# A key name in text: word characters, dots and dashes around one of the words, any case.
_WORDS_RE: Final = r"secret|token|passw(?:or)?d|pwd|key|authori[sz]ation|verifier|credential|cookie|signature"
# Matched as a whole run, with no backtracking into it (a lookahead finds the word, a possessive run takes the
# name): a long run of name characters costs one pass, not one pass per place the word could be.
_NAME: Final = rf"(?=[A-Za-z0-9_.-]*?(?:{_WORDS_RE}))[A-Za-z0-9_.-]++"
# A word, or words joined by dashes, in lower or title case, or an abbreviation of at most 7 capitals (``accepted``,
# ``Komerza``, ``X-Client-Secret``, ``GET``, ``HTTP``): prose or a header's name, never taken for a credential's value
# when shorter than 16 characters.
_PROSE_WORD: Final = r"(?:[A-Z][a-z]*+(?![A-Z])|[a-z]++|[A-Z]{2,7}+(?![A-Za-z]))"
_PROSE_WORDS: Final = rf"{_PROSE_WORD}(?:-{_PROSE_WORD})*+"
# In forms and query strings the OAuth authorization code is a credential too.
_FORM_NAME: Final = rf"(?:{_NAME}|code)"

_PATTERNS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    # The userinfo of a URL: scheme://user:password@host.
    # Only where a scheme can start (not inside a longer run of scheme characters), so each run is read once.
    (re.compile(r"(?i)(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*+://)[^/\s@?#'\"<>]*+@"), rf"\1{REDACTED}@"),
    # Authorization: Bearer <token> (also Basic), in headers or repr()s of headers.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {REDACTED}"),
    # httpcore's header tuples: (b'x-api-key', b'value').
    (re.compile(rf"(?i)(\(\s*b?(['\"]){_NAME}\2\s*,\s*b?(['\"]))(?:(?!\3).)*"), rf"\1{REDACTED}"),
    # JSON and Python reprs, quoted value: "clientSecret": "value", 'token': 'value'.
    (
        re.compile(rf"(?i)((['\"]){_NAME}\2\s*[:=]\s*(['\"]))(?:\\.|(?!\3).)*"),
        rf"\1{REDACTED}",
    ),
    # JSON and Python reprs, bare value: "token": 12345, "secret": true.
    (re.compile(rf"(?i)((['\"]){_NAME}\2\s*:\s*)(?![\s'\"\[{{])[^,}}\]\s]+"), rf"\1{REDACTED}"),
    # Keyword reprs: token='value'.
    (re.compile(rf"(?i)(?<![A-Za-z0-9_.-])({_NAME}=(['\"]))(?:(?!\2).)*"), rf"\1{REDACTED}"),
    # Forms and query strings: client_secret=value, access_token=value, code=value.
    (re.compile(rf"(?i)(?<![A-Za-z0-9_.-])({_FORM_NAME}=)[^&\s'\"#<>]+"), rf"\1{REDACTED}"),
    # Headers and "key: value" text: x-api-key: value, Authorization: value. Prose stays ("client secret:
    # accepted.", "client secret: Komerza answered 401", "invalid_client_secret: X-Client-Secret is wrong", "access
    # token: GET ... failed"): the value must look like a credential, that is at least 16 characters, or anything
    # but a prose word (or words joined by dashes) followed at most by punctuation. A backslash ends the value:
    # in text made safe to show, `\n` is an escaped line end, not part of a credential.
    (
        re.compile(
            rf"(?i)(?<![A-Za-z0-9_.'\"-])({_NAME}\s*:[ \t]*)(?!{re.escape(REDACTED)})"
            rf"(?-i:(?=[^\s,;'\"\\]{{16}}|(?!{_PROSE_WORDS}[.!?:)]*+(?![^\s,;'\"\\]))))[^\s,;'\"\\]+"
        ),
        rf"\1{REDACTED}",
    ),
    # Free text: "clientSecret abc123...", "access token abc123..." (long token-like values only).
    (
        re.compile(
            r"(?i)\b((?:client[ _-]?secret|access[ _-]?token|refresh[ _-]?token|api[ _-]?key)\s+)"
            r"(?!/|\.{1,2}/|[a-z][a-z0-9+.-]*://)"  # a file path or a URL is not the secret itself
            r"[A-Za-z0-9._~+/-]{12,}"
        ),
        rf"\1{REDACTED}",
    ),
)

_known_secrets: set[str] = set()
_known_lock = threading.Lock()

# Shorter values are too likely to be ordinary words to be replaced everywhere.
_MIN_KNOWN_SECRET_LENGTH: Final = 8


def _spellings(value: str) -> set[str]:
    """The ways a value can appear in text: as is, percent-encoded, form-encoded, JSON-escaped."""
    spellings = {value, quote(value, safe=""), quote_plus(value, safe=""), json.dumps(value)[1:-1]}
    spellings.add(json.dumps(value, ensure_ascii=False)[1:-1])
    return {s for s in spellings if len(s) >= _MIN_KNOWN_SECRET_LENGTH}


def register_secret(value: str | None) -> None:
    """Remember a secret value so that :func:`redact` removes it wherever it appears."""
    if value and len(value) >= _MIN_KNOWN_SECRET_LENGTH:
        with _known_lock:
            _known_secrets.update(_spellings(value))


def looks_secret(name: str) -> bool:
    """Whether a key (JSON, form, query or header name) holds a credential, in any case or separator."""
    squashed = re.sub(r"[^a-z0-9]", "", name.lower())
    return any(word in squashed for word in _SECRET_WORDS)


def redact_known(text: str) -> str:
    """Return ``text`` with every registered secret replaced by ``[REDACTED]`` (layer 1 alone: by value)."""
    with _known_lock:
        known = sorted(_known_secrets, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, REDACTED)
    return text


def redact(text: str) -> str:
    """Return ``text`` with every credential replaced by ``[REDACTED]``."""
    text = redact_known(text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_json(value: Any) -> Any:
    """A parsed JSON value with every value under a secret-looking key replaced, and every string redacted.

    ``code`` stays: in Kustomer's JSON error bodies it is an error code, not an OAuth code.
    """
    if isinstance(value, dict):
        return {
            key: REDACTED if isinstance(key, str) and looks_secret(key) else redact_json(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_json(item) for item in value]
    if isinstance(value, str):
        return redact(value)
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that redacts a record's message, arguments, traceback text and stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: keep what can be shown
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


#: Loggers whose records may carry a URL, a header or a body: the HTTP stack's and ours.
_REDACTED_LOGGERS: Final = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "kustomer_provider",
    "kustomer_provider.client",
)
_REDACTED_PREFIXES: Final = ("httpx", "httpcore", "kustomer_provider")
_FILTER: Final = RedactingFilter()


def install_log_redaction() -> None:
    """Install :class:`RedactingFilter` on the httpx, httpcore and kustomer_provider loggers (idempotent).

    A logger's filter sees only the records logged on that very logger, not those its children
    propagate, so the filter goes on every logger of those families known now, and on the fixed list.
    """
    names = set(_REDACTED_LOGGERS)
    names.update(name for name in list(logging.root.manager.loggerDict) if name.split(".")[0] in _REDACTED_PREFIXES)
    for name in sorted(names):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
