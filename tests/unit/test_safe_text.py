"""Text from outside made safe to show (``safe_text``, ``safe_message``), one class of hostile text per test,
and the redaction fixes found on the way (a greedy ``key: value`` rule, and rules whose time grew with the
square of a text's length)."""

from __future__ import annotations

import logging
import tracemalloc
from collections.abc import Iterator

import pytest

from kustomer_provider import provider_process
from kustomer_provider.errors import KustomerAPIError, KustomerConfigError, KustomerError
from kustomer_provider.redaction import REDACTED, redact, register_secret
from kustomer_provider.safe_text import MESSAGE_LIMIT, SCAN_LIMIT, TEXT_LIMIT, safe_message, safe_text


@pytest.mark.parametrize(
    ("hostile", "shown"),
    [
        ("\x1b[2J\x1b[Hcleared", "\\x1b[2J\\x1b[Hcleared"),  # CSI: clear the screen
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),  # colours
        ("\x1b]0;owned\x07title", "\\x1b]0;owned\\x07title"),  # OSC 0: the window title
        (
            "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
            "\\x1b]8;;https://evil.example\\x1b\\click\\x1b]8;;\\x1b\\",
        ),
        ("\x9b2J", "\\x9b2J"),  # C1 CSI, one character
        ("\x9d0;title\x9c", "\\x9d0;title\\x9c"),  # C1 OSC
        ("admin\u202egnp.exe", "admin\\u202egnp.exe"),  # bidi override
        ("pay\u200bpal\u200d\u2060\ufeff", "pay\\u200bpal\\u200d\\u2060\\ufeff"),  # zero-width
        ("\u2066isolate\u2069", "\\u2066isolate\\u2069"),
        ("tag\U000e0041", "tag\\U000e0041"),  # a tag character (invisible)
        ("lone \ud800 surrogate", "lone \\ud800 surrogate"),  # would make print() fail on a UTF-8 stream
        ("nul\x00bell\x07del\x7f", "nul\\x00bell\\x07del\\x7f"),
        ("Café, Zürich, 東京, emoji 🙂", "Café, Zürich, 東京, emoji 🙂"),  # visible text stays as it is
    ],
)
def test_control_bidi_and_zero_width_characters_are_escaped_visibly(hostile: str, shown: str) -> None:
    assert safe_text(hostile) == shown
    assert safe_text(hostile).encode("utf-8")  # printable on any UTF-8 stream


def test_a_server_cannot_forge_a_line_of_its_own() -> None:
    forged = "bad request\nFAIL  client secret: rejected\r\nerror: run rm -rf\rok    all good\u2028x\u2029y"
    one_line = safe_text(forged)
    assert "\n" not in one_line and "\r" not in one_line
    assert one_line == (
        "bad request\\nFAIL  client secret: rejected\\r\\nerror: run rm -rf\\rok    all good\\u2028x\\u2029y"
    )
    # A message keeps its lines, but only its first starts at the left margin.
    message = safe_message(f"POST /v1/x answered 400: {forged}")
    lines = message.split("\n")
    assert lines[0] == "POST /v1/x answered 400: bad request"
    assert all(line.startswith(" ") for line in lines[1:]), lines
    assert "\r" not in message and "\\r" in message


def test_a_long_text_is_capped_with_a_note_of_what_was_cut() -> None:
    text = "x" * 200_000
    shown = safe_text(text)
    assert len(shown) == TEXT_LIMIT
    kept = shown.split(" … ")[0]
    assert kept == "x" * len(kept)
    assert shown.endswith(f" … [cut {200_000 - len(kept):,} characters]")
    assert shown.endswith(" … [cut 199,527 characters]")
    # A message has a larger cap, with the same note.
    message = safe_message("y" * 200_000)
    kept = message.split(" … ")[0]
    assert len(message) == MESSAGE_LIMIT and message.endswith(f" … [cut {200_000 - len(kept):,} characters]")
    # Short texts are not touched; a cap never leaves an escape sequence cut in half.
    assert safe_text("short") == "short"
    escaped = safe_text("\x1b" * 1000, limit=100)
    assert escaped.split(" … ")[0].endswith("\\x1b") and len(escaped) <= 100


def test_a_cut_never_leaves_half_of_a_secret() -> None:
    """Past the scan limit the text is cut at a separator: the secret that straddles the cut goes entirely."""
    secret = "s3cr3t-straddling-the-scan-limit-0123456789"
    register_secret(secret)
    text = "a " * (SCAN_LIMIT // 2 - 10) + secret + " tail" * 10
    shown = safe_text(text, limit=SCAN_LIMIT * 2)
    assert secret[:8] not in shown and "[cut" in shown


def test_secrets_are_redacted_by_value_in_free_text_and_by_pattern() -> None:
    register_secret("echoed-in-a-sentence-0123456789")
    said = "Your secret echoed-in-a-sentence-0123456789 is wrong; Authorization: Bearer tok.en-9 token=abc.def"
    shown = safe_text(said)
    assert "echoed-in-a-sentence" not in shown and "tok.en-9" not in shown and "abc.def" not in shown
    assert shown.count(REDACTED) == 3


def test_making_text_safe_twice_changes_nothing() -> None:
    # The last: once escaped, the newline joins "forged" and the x's into one run after "secret:", which the
    # redaction's patterns read as a credential; the first pass must see that too (found by the property).
    for text in (
        "\x1b[2J" * 300,
        "a\nb\n  c",
        "x" * 100_000,
        "tab\tand\r\nline",
        "plain",
        "secret: forged\n" + "x" * 20,
    ):
        once = safe_message(text)
        assert safe_message(once) == once
        once = safe_text(text)
        assert safe_text(once) == once


def test_the_error_tree_makes_every_message_safe() -> None:
    """``KustomerError``'s constructor: no message can skip it, whichever subclass is raised."""
    register_secret("planted-known-secret-value")
    hostile = "\x1b]0;owned\x07 planted-known-secret-value\nFAIL forged" + "z" * 200_000
    for error in (
        KustomerError(hostile),
        KustomerConfigError(hostile),
        KustomerAPIError(hostile, method="GET", path="/v1/\x1b[2J", status_code=400, detail=hostile, code="\u202e"),
    ):
        text = str(error)
        assert "\x1b" not in text and "planted-known-secret-value" not in text
        assert text.split("\n")[1].startswith("  FAIL forged")
        assert len(text) <= MESSAGE_LIMIT and text.endswith("characters]")
    api = KustomerAPIError("m", method="GET", path="/v1/\x1b[2J", status_code=400, detail=hostile, code="\u202e")
    assert api.path == "/v1/\\x1b[2J" and api.code == "\\u202e"
    assert api.detail is not None and "\n" not in api.detail and len(api.detail) <= TEXT_LIMIT


def test_our_own_advice_is_not_taken_for_a_credential() -> None:
    """Messages are redacted by value only: a key named in advice stays readable."""
    text = "kustomer:registeredClients[0].clientSecretKey: kustomer:apaleoSecret is not set"
    assert str(KustomerConfigError(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "FAIL  client secret: Komerza answered 401 invalid_client_secret: the client_secret is wrong.",
        "Komerza refused the code exchange: 401 invalid_client_secret: X-Client-Secret is not this application's "
        "secret.",
        "client secret: accepted.",
        "apaleo refused the client_secret: Apaleo-Identity said no",
    ],
)
def test_prose_after_a_secret_looking_word_stays_readable(text: str) -> None:
    """The ``key: value`` rule took any capitalised word for a credential ("client secret: [REDACTED] answered")."""
    assert redact(text) == text


@pytest.mark.parametrize(
    "text",
    ["x-api-key: abc.def-ghi", "x-api-key: ABCDEFGH", "token: abc123", "secret: Komerza-1", "password: Tr0ub4dor"],
)
def test_credential_shaped_values_after_a_secret_looking_key_are_still_redacted(text: str) -> None:
    assert redact(text).endswith(REDACTED)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "text",
    [
        "secret" * 34_000,  # one long name: its rule tried every split of the run (3 minutes before the fix)
        "x-" * 100_000,  # the userinfo rule started a scheme at every word (2 minutes before the fix)
        "secret: " + "X-" * 100_000,
        "'" + "token" * 40_000,
        "(b'" + "key" * 60_000,
    ],
)
def test_redaction_reads_a_hostile_text_in_one_pass(text: str) -> None:
    """A hang guard, not a performance figure: each of these took minutes when a rule's time grew with the
    square of the text's length; now each is one pass (well under a second)."""
    assert isinstance(redact(text), str)


def test_memory_is_bounded_by_the_scan_limit_not_by_the_text() -> None:
    huge = "\u202e\x1b[2J" * 2_000_000 + "end"  # 12 million characters, 48 MB as str
    tracemalloc.start()
    try:
        shown = safe_message(huge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(shown) <= MESSAGE_LIMIT and "[cut" in shown
    assert peak < 4 * 1024 * 1024  # a few copies of the scanned part, whatever the size of the text


@pytest.fixture
def pulumi_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """What the provider process's log handler hands to ``pulumi.log`` (installed by ``configure``)."""
    said: list[tuple[str, str]] = []
    monkeypatch.setattr(provider_process.pulumi.log, "warn", lambda message, *a, **k: said.append(("warn", message)))
    monkeypatch.setattr(provider_process.pulumi.log, "info", lambda message, *a, **k: said.append(("info", message)))
    package = logging.getLogger("kustomer_provider")
    handlers, propagate, level = list(package.handlers), package.propagate, package.level
    provider_process.configure({})
    package.propagate = False  # only the handler under test sees these records
    try:
        yield said
    finally:
        package.handlers[:] = handlers
        package.propagate, package.level = propagate, level
        provider_process.reset()


def test_the_pulumi_log_handler_shows_safe_text(pulumi_log: list[tuple[str, str]]) -> None:
    register_secret("log-planted-secret-0123")
    logger = logging.getLogger("kustomer_provider.client")
    logger.warning("retrying: server said %s", "\x1b[2J\u202elog-planted-secret-0123\nerror: forged" + "q" * 200_000)
    ((level, message),) = pulumi_log
    assert level == "warn" and "\x1b" not in message and "\u202e" not in message
    assert "log-planted-secret-0123" not in message and "\n  error: forged" in message
    assert len(message) <= MESSAGE_LIMIT and "[cut" in message
