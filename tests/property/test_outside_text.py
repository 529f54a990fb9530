"""Property: hostile text from outside, through the error tree (``KustomerError`` and its subclasses) and the
provider process's ``pulumi.log`` handler, reaches the user with no control, bidi, zero-width or other invisible
character, no line of its own, no planted secret, and within the cap; it never raises.

The text mixes what a hostile server sends (escape sequences: CSI, OSC window titles, OSC 8 links, C1 controls;
bidi overrides and isolates; zero-width characters; lone surrogates; forged ``FAIL``/``error:`` lines; CR tricks),
a secret the process knows planted anywhere in it, any other characters, and sometimes a 200 kB tail.
"""

from __future__ import annotations

import logging
import traceback
import unicodedata
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kustomer_provider import errors, provider_process
from kustomer_provider.redaction import register_secret
from kustomer_provider.safe_text import MESSAGE_LIMIT, TEXT_LIMIT, safe_message, safe_text

INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
KNOWN_SECRET = "known-planted-secret-4f1c0a9b6d2e"
register_secret(KNOWN_SECRET)

NASTY = (
    "\x1b[2J\x1b[H",
    "\x1b[31;1m",
    "\x1b]0;window title\x07",
    "\x1b]2;title\x1b\\",
    "\x1b]8;;https://evil.example/\x1b\\innocent\x1b]8;;\x1b\\",
    "\x9b6n",
    "\x9d8;;x\x9c",
    "\x07",
    "\x00",
    "\x7f",
    "\u202e",
    "\u2066",
    "\u200b",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\u2028",
    "\u2029",
    "\U000e0001",
    "\ud800",
    "\udfff",
    "\n",
    "\r",
    "\r\n",
    "\nFAIL  client secret: forged",
    "\nerror: forged by the server",
    "\rok    all checks passed",
    "\n\tok    indented forgery",
    KNOWN_SECRET,
    f"Authorization: Bearer {KNOWN_SECRET}",
    f"sentence with {KNOWN_SECRET} inside",
)

pieces = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(codec=None, categories=None), max_size=20),  # any code point, surrogates included
    st.text(max_size=40),
)


@st.composite
def hostile_texts(draw: st.DrawFn) -> str:
    text = "".join(draw(st.lists(pieces, max_size=12)))
    if draw(st.integers(0, 9)) == 0:  # now and then a 200 kB text
        text += draw(st.sampled_from(["x", "\x1b[0m", "\u200b", " word"])) * (200_000 // 4)
    return text


def assert_safe(shown: str, *, limit: int, one_line: bool) -> None:
    assert len(shown) <= limit
    assert KNOWN_SECRET not in shown
    shown.encode("utf-8")  # printable on a UTF-8 stream (no lone surrogate)
    allowed = set() if one_line else {"\n", "\t"}
    bad = [c for c in shown if unicodedata.category(c) in INVISIBLE and c not in allowed]
    assert not bad, bad
    for line in shown.split("\n")[1:]:
        assert line[:1].isspace(), line  # no line of the server's own at the margin


@given(hostile_texts())
def test_outside_text_is_shown_safely(text: str) -> None:
    assert_safe(safe_text(text), limit=TEXT_LIMIT, one_line=True)
    assert_safe(safe_message(text), limit=MESSAGE_LIMIT, one_line=False)
    assert safe_text(safe_text(text)) == safe_text(text)


ERRORS = [
    lambda text: errors.KustomerError(text),
    lambda text: errors.KustomerConfigError(f"kustomer:baseUrl is {text}"),
    lambda text: errors.KustomerTransportError(f"GET {text} failed", method="GET", path=text, ambiguous=True),
    lambda text: errors.KustomerAPIError(
        f"POST /v1/apps answered 400: {text}", method="POST", path=text, status_code=400, code=text, detail=text
    ),
    lambda text: errors.KustomerConflictError(
        text, method="POST", path="/v1/apps/available", status_code=409, pointer=text
    ),
    lambda text: errors.KustomerInstallError(f"install failed: {text}", app_name="a", version="1.0.0", status=text),
]


@given(hostile_texts(), st.sampled_from(range(len(ERRORS))))
def test_every_error_message_and_attribute_is_safe(text: str, which: int) -> None:
    error = ERRORS[which](text)
    assert_safe(str(error), limit=MESSAGE_LIMIT, one_line=False)
    for name in ("path", "code", "detail", "pointer", "status"):
        value = getattr(error, name, None)
        if isinstance(value, str):
            assert_safe(value, limit=TEXT_LIMIT, one_line=True)
    # What the Pulumi host shows of a failed operation: the traceback text of the raised error.
    try:
        raise error
    except errors.KustomerError:
        shown = traceback.format_exc()
    assert KNOWN_SECRET not in shown and "\x1b" not in shown and "\u202e" not in shown


@pytest.fixture(scope="module")
def pulumi_log() -> Iterator[list[tuple[str, str]]]:
    """What the provider process's handler (installed by ``configure``) hands to ``pulumi.log``."""
    said: list[tuple[str, str]] = []
    log = provider_process.pulumi.log
    saved = (log.warn, log.info)
    log.warn = lambda message, *a, **k: said.append(("warn", message))  # type: ignore[assignment]
    log.info = lambda message, *a, **k: said.append(("info", message))  # type: ignore[assignment]
    package = logging.getLogger("kustomer_provider")
    handlers, propagate, level = list(package.handlers), package.propagate, package.level
    provider_process.configure({})
    try:
        yield said
    finally:
        log.warn, log.info = saved  # type: ignore[method-assign]
        package.handlers[:] = handlers
        package.propagate, package.level = propagate, level
        provider_process.reset()


@given(hostile_texts(), st.sampled_from([logging.INFO, logging.WARNING, logging.ERROR]))
def test_the_pulumi_log_handler_shows_only_safe_text(pulumi_log: list[tuple[str, str]], text: str, level: int) -> None:
    pulumi_log.clear()
    # The record goes to the handler the provider process installed, and to it alone: through the logger tree it
    # would also reach pytest's capture, whose report cannot carry a lone surrogate between test workers. (The
    # path through the logger is in tests/unit/test_safe_text.py.)
    logger = logging.getLogger("kustomer_provider.client")
    record = logger.makeRecord(logger.name, level, __file__, 0, "the server said %s", (text,), None)
    (handler,) = [h for h in logging.getLogger("kustomer_provider").handlers if type(h).__name__ == "_PulumiLogHandler"]
    handler.handle(record)
    ((_, message),) = pulumi_log
    assert_safe(message, limit=MESSAGE_LIMIT, one_line=False)
