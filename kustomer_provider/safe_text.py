"""Text from outside (a server, a file, a browser's query, a name) made safe to show: the one place.

Anything the package did not write itself passes through :func:`safe_text` (one line) or
:func:`safe_message` (a whole message, several lines allowed) before it reaches a terminal, a log or an
exception:

1. **Read within bounds.** At most :data:`SCAN_LIMIT` characters are looked at; a longer text is cut
   first, at a separator, so that no half of a secret is left behind to escape the redaction.
2. **Redacted** by :func:`kustomer_provider.redaction.redact`: known secrets by value wherever they are (in
   a sentence too), credentials by key and by shape (a message of our own words: by value only); once on the
   text as it came, once more on the text as it is shown (steps 3 and 4).
3. **Escaped visibly.** Control characters (C0, DEL, C1: so no escape sequence, CSI or OSC, reaches the
   terminal: no screen clear, colour, window title or OSC 8 link), format characters (bidi controls such
   as ``U+202E``, zero-width characters, ``U+FEFF``), line and paragraph separators, private-use,
   unassigned and lone surrogate code points become ``\\x1b``, ``\\u202e``, ``\\U000e0001`` (``\\n``,
   ``\\r``, ``\\t`` for those three). Printing
   the result cannot fail on a UTF-8 stream (no lone surrogate is left).
4. **Lines.** :func:`safe_text` escapes newlines too (``\\n``): a server's text stays on the line it was
   put on, so it cannot forge a line of its own (a ``FAIL`` or ``error:`` line). :func:`safe_message` keeps
   the newlines of a message and indents every continuation line that does not start with white space, so
   no line of it but the first starts at the left margin.
5. **Capped.** Longer than ``limit`` characters, the text is cut and says so:
   ``… [cut 199,800 characters]``; the result, note included, is never longer than ``limit``.

Both are idempotent: text made safe once passes again unchanged. Standard library only.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from .redaction import redact, redact_known

__all__ = ["MESSAGE_LIMIT", "SCAN_LIMIT", "TEXT_LIMIT", "escape_invisible", "safe_message", "safe_text"]

#: The default cap of one piece of outside text (a server's message, a name, a callback's error).
TEXT_LIMIT: Final = 500
#: The default cap of a whole message (an exception's, a log record's): our words around the pieces.
MESSAGE_LIMIT: Final = 8000
#: At most this many characters of a text are read; the rest is counted, never looked at.
SCAN_LIMIT: Final = 65_536
#: How far back from the scan limit the cut looks for a separator (a longer secret is not plausible).
_SEPARATOR_WINDOW: Final = 4096
#: Characters no credential contains: a cut there leaves no half of one behind.
_SEPARATORS: Final = re.compile(r"[\s\"',;&<>(){}\[\]]")

#: Unicode categories shown escaped: control, format (bidi, zero-width), surrogate, private use, unassigned,
#: line and paragraph separators.
_ESCAPED_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Every character outside printable ASCII is a candidate; most are shown as they are.
_CANDIDATES: Final = re.compile(r"[^\x20-\x7e]")
_CANDIDATES_KEEPING_LINES: Final = re.compile(r"[^\x20-\x7e\n\t]")
# An escape sequence of ours cut short by the cap (``\u20``): dropped whole rather than left broken.
_BROKEN_ESCAPE_AT_END: Final = re.compile(r"\\(?:x[0-9a-f]?|u[0-9a-f]{0,3}|U[0-9a-f]{0,7})?$")


_NAMED_ESCAPES: Final = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    return _escape(char) if unicodedata.category(char) in _ESCAPED_CATEGORIES else char


def escape_invisible(text: str, *, keep_lines: bool = False) -> str:
    """``text`` with every control, format, separator, private-use, unassigned or surrogate character escaped
    (``\\x1b``, ``\\u202e``); with ``keep_lines``, newlines and tabs are kept. No redaction, no cap: for a value
    the user asked to see (a secret printed on request)."""
    pattern = _CANDIDATES_KEEPING_LINES if keep_lines else _CANDIDATES
    return pattern.sub(_escaped, text)


def _as_str(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value[: SCAN_LIMIT * 4]).decode("utf-8", errors="replace")
    try:
        return str(value)
    except Exception:  # a value whose str() fails still gets a line
        return f"<{type(value).__name__}>"


def _bounded(text: str) -> tuple[str, int]:
    """The part of ``text`` that is read, and how many characters after it are not."""
    if len(text) <= SCAN_LIMIT:
        return text, 0
    head = text[:SCAN_LIMIT]
    window_start = SCAN_LIMIT - _SEPARATOR_WINDOW
    separators = [match.start() for match in _SEPARATORS.finditer(head, window_start)]
    end = separators[-1] if separators else window_start
    return head[:end], len(text) - end


def _indent_continuations(text: str) -> str:
    lines = text.split("\n")
    return "\n".join([lines[0], *(line if line[:1].isspace() else f"  {line}" for line in lines[1:])])


def _capped(text: str, limit: int, unread: int) -> str:
    if len(text) <= limit and not unread:
        return text
    # The note's room is reserved for the largest count it can show, so the result never exceeds ``limit``.
    room = len(f" … [cut {len(text) + unread:,} characters]")
    keep = max(0, limit - room)
    kept = _BROKEN_ESCAPE_AT_END.sub("", text[:keep])
    cut = len(text) - len(kept) + unread
    return f"{kept} … [cut {cut:,} characters]"


def _made_safe(value: object, limit: int, *, keep_lines: bool, redacted: bool, by_pattern: bool = True) -> str:
    text, unread = _bounded(_as_str(value))
    redaction = (redact if by_pattern else redact_known) if redacted else None
    if redaction is not None:
        text = redaction(text)
    text = escape_invisible(text.replace("\r\n", "\n") if keep_lines else text, keep_lines=keep_lines)
    if keep_lines:
        text = _indent_continuations(text)
    if redaction is not None:
        # Again on what is shown: an escaped newline joins two runs, which the patterns may now read as one
        # credential; without this pass, making the result safe once more would redact more (not idempotent).
        text = redaction(text)
    return _capped(text, max(limit, 0), unread)


def safe_text(value: object, *, limit: int = TEXT_LIMIT, redacted: bool = True, by_pattern: bool = True) -> str:
    """One line of outside text, safe to print, log or put in an exception: redacted (unless ``redacted=False``,
    for a value the user asked to see), every invisible or control character escaped (newlines too), at most
    ``limit`` characters with a note of what was cut. ``by_pattern=False``: registered secrets only, for a line
    of our own words whose outside pieces went through ``safe_text`` already (see :func:`safe_message`)."""
    return _made_safe(value, limit, keep_lines=False, redacted=redacted, by_pattern=by_pattern)


def safe_message(value: object, *, limit: int = MESSAGE_LIMIT, by_pattern: bool = True) -> str:
    """A whole message, safe to print, log or raise: as :func:`safe_text`, but its newlines (and tabs) are kept
    and every continuation line is indented, so that only its first line starts at the left margin.

    ``by_pattern=False`` redacts registered secrets only (by value): for a message of our own words, whose
    advice may name a key in a way the patterns would take for a credential (``clientSecretKey:
    kustomer:apaleoSecret``); its pieces from outside went through :func:`safe_text` where it was built.
    """
    return _made_safe(value, limit, keep_lines=True, redacted=True, by_pattern=by_pattern)
