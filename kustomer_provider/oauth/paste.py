"""Finishing a login whose redirect URI nothing on this machine listens at: the user pastes the answer.

apaleo takes https redirect URIs only ("Ensure the redirect URI can be called, and is using https", its seed),
and any app may register only a web app's callback; a loopback listener cannot receive those. Then ``login``
prints (or opens) the authorize URL, the user approves, and pastes the address the browser landed on (or just
its ``?code=...&state=...`` part); this module reads that text from stdin, checks it as the listener checks a
redirect (the ``state``, an ``error=`` answer, exactly one code), and returns the code to exchange.

Whatever the text is, the outcome is the code or an :class:`~.errors.OAuthHelperError` that says what to paste;
a message never repeats the pasted text, which holds the code.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, TextIO
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ..redaction import register_secret
from ..safe_text import safe_text
from .errors import OAuthCallbackError, OAuthInputError
from .pkce import same_state

__all__ = [
    "LISTENER_HOSTS",
    "MAX_PASTE_LENGTH",
    "RedirectTarget",
    "choose_redirect",
    "code_from_answer",
    "is_listener_uri",
    "read_pasted_answer",
]

#: The hosts the loopback listener serves (``loopback.check_loopback_redirect_uri`` takes the same).
LISTENER_HOSTS: Final = frozenset({"127.0.0.1", "localhost"})
#: Longer pasted text is refused: an address with a code and a state is far shorter.
MAX_PASTE_LENGTH: Final = 16 * 1024
#: At most this many query parameters are read from a pasted answer.
_MAX_FIELDS: Final = 100
#: RFC 3986 section 3.1: a scheme, then ``:``: the text is an absolute address, not a bare query.
_SCHEME: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_SHOWN: Final = 120
#: What to do about an authorization error (RFC 6749 section 4.1.2.1) other than access_denied.
_HINTS: Final = {
    "invalid_scope": "ask only for scopes the app registers (--scopes), then run login again",
    "unauthorized_client": "this client may not use the authorization code flow (an apaleo simple client uses "
    "client credentials); use a client that registers this redirect URI",
    "invalid_request": "check --redirect-uri and the client id against the app's registration, then run login again",
    "unsupported_response_type": "the platform does not take this request: check --platform and --base-url",
    "server_error": "the platform failed: run login again later",
    "temporarily_unavailable": "the platform is busy: run login again later",
}


@dataclass(frozen=True)
class RedirectTarget:
    """Where the browser is sent back, and how the code reaches the helper."""

    uri: str
    #: True: the loopback listener receives it; False: the user pastes the address the browser landed on.
    listen: bool


def is_listener_uri(uri: str) -> bool:
    """Whether the loopback listener can serve this redirect URI (plain http on 127.0.0.1 or localhost)."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme == "http" and host in LISTENER_HOSTS


def choose_redirect(
    redirect_uris: Sequence[str],
    *,
    given: bool,
    paste: bool,
    port: int | None,
    https_only: bool,
    title: str,
) -> RedirectTarget:
    """The redirect URI of a login and whether a listener receives it.

    ``--redirect-uri`` (``given``) wins, else the first registered URI the listener can serve, else the first
    registered one, pasted; ``--paste`` never listens. A platform that takes https only (``https_only``) never gets
    an http URI, whatever was given: it would refuse it.
    """
    if https_only:
        candidates = redirect_uris[:1] if given else redirect_uris
        usable = [u for u in candidates if u.lower().startswith("https://")]
        if not usable:
            shown = ", ".join(candidates) or "none"
            raise OAuthInputError(
                f"{title} takes https redirect URIs only ('Ensure the redirect URI can be called, and is using https', "
                f"its registration guide); got {shown}. Pass the https redirect URI the app registers with "
                "--redirect-uri: login then asks you to paste the address the browser lands on."
            )
        return _paste_target(usable[0], port)
    if not redirect_uris:
        raise OAuthInputError(
            "The app registers no redirect URI: add one to its registration (and the stack's redirectUris), or pass "
            "a registered one with --redirect-uri."
        )
    if paste:
        return _paste_target(redirect_uris[0], port)
    if given:
        uri = redirect_uris[0]
        return RedirectTarget(_with_port(uri, port), True) if is_listener_uri(uri) else _paste_target(uri, port)
    listenable = [u for u in redirect_uris if is_listener_uri(u)]
    if listenable:
        return RedirectTarget(_with_port(listenable[0], port), True)
    return _paste_target(redirect_uris[0], port)


def _paste_target(uri: str, port: int | None) -> RedirectTarget:
    if port is not None:
        raise OAuthInputError(
            f"--port is for the loopback listener, and this login has none: its redirect URI {uri} is not a plain "
            "http URI on 127.0.0.1 or localhost, so you paste the answer instead. Drop --port."
        )
    return RedirectTarget(uri, False)


def _with_port(uri: str, port: int | None) -> str:
    if port is None:
        return uri
    parts = urlsplit(uri)
    return urlunsplit((parts.scheme, f"{parts.hostname}:{port}", parts.path, parts.query, parts.fragment))


# --- reading the answer ------------------------------------------------------------------------------------


def read_pasted_answer(stream: TextIO | None, *, timeout: float) -> str:
    """The first non-blank line of ``stream`` (stdin), within ``timeout`` seconds."""
    if stream is None:
        raise OAuthInputError("login needs stdin to read the pasted address, and this process has none.")
    outcome: dict[str, str] = {}
    done = threading.Event()

    def read() -> None:
        try:
            while True:
                line = stream.readline(MAX_PASTE_LENGTH + 1)
                if not line:
                    outcome["problem"] = "stdin ended before an address was pasted"
                    return
                if len(line) > MAX_PASTE_LENGTH and not line.endswith("\n"):
                    outcome["problem"] = f"the pasted line is longer than {MAX_PASTE_LENGTH} characters"
                    return
                if line.strip():
                    outcome["line"] = line
                    return
        except (UnicodeDecodeError, ValueError, OSError) as exc:
            # Bytes that are not text (or a closed stream): say so, never a traceback.
            outcome["problem"] = f"stdin could not be read as text ({type(exc).__name__})"
        finally:
            done.set()

    # A thread, so that --timeout holds while the read blocks; it ends with the process if nothing comes.
    threading.Thread(target=read, name="paste-reader", daemon=True).start()
    if not done.wait(timeout):
        raise OAuthCallbackError(
            f"Nothing was pasted within {timeout:g} s. Run login again, approve in the browser, and paste the address "
            "it lands on; or raise --timeout."
        )
    if "line" not in outcome:
        raise OAuthInputError(f"No answer was pasted: {outcome['problem']}. Run login again and paste the address.")
    return outcome["line"]


def code_from_answer(text: str, *, state: str, redirect_uri: str, title: str) -> str:
    """The authorization code of a pasted answer: an address starting with ``redirect_uri`` or its query alone.

    Refused, with what to do: text that is not such an answer, a missing or different ``state`` (a stale tab or
    a forged answer), an ``error=`` answer (explained), and an answer without exactly one code.
    """
    text = text.strip()
    if not text:
        raise OAuthInputError("Nothing was pasted. Paste the address the browser landed on after you approved.")
    if len(text) > MAX_PASTE_LENGTH:
        raise OAuthInputError(f"The pasted text is longer than {MAX_PASTE_LENGTH} characters: not an answer.")
    if not _plain(text):
        raise OAuthInputError(
            "The pasted text holds control or invisible characters: copy the address again from the browser's "
            "address bar (the text itself is not shown here)."
        )
    query = _query_of(text, redirect_uri)
    if "=" not in query:
        raise OAuthInputError(
            "Paste the whole address the browser landed on (or its ?code=...&state=... part), not the code alone: "
            "the helper must check its state against this login's."
        )
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=_MAX_FIELDS, errors="strict")
    except (ValueError, UnicodeError):
        raise OAuthInputError(
            "The pasted answer's query cannot be read (bad percent-encoding, or too many fields): copy the address "
            "again from the browser."
        ) from None
    fields: dict[str, list[str]] = {}
    for name, value in pairs:
        fields.setdefault(name, []).append(value)
    repeated = sorted(name for name in ("code", "state", "error") if len(fields.get(name, ())) > 1)
    if repeated:
        raise OAuthCallbackError(
            f"The pasted answer has {', '.join(repeated)} more than once: refused. Run login again."
        )
    received = fields.get("state", [None])[0]
    if received is None:
        raise OAuthCallbackError(
            "The pasted answer has no state, and this login sent one: it is not this login's answer (refused). "
            "Paste the address the browser landed on after approving the URL this login printed."
        )
    if not _plain(received) or not same_state(state, received):
        raise OAuthCallbackError(
            "The pasted answer's state does not match this login (a stale tab, another login's answer, or a forged "
            "one): refused. Run login again and paste the address of that login's approval."
        )
    error = fields.get("error", [None])[0]
    if error is not None:
        raise _authorization_error(error, fields.get("error_description", [""])[0], title)
    code = fields.get("code", [""])[0]
    if not code:
        raise OAuthCallbackError("The pasted answer has the right state but no code: run login again.")
    if not _plain(code):
        raise OAuthCallbackError(
            "The pasted answer's code holds control characters: it is not a code. Run login again."
        )
    register_secret(code)  # from here on it is this login's code: never in a message (none above repeats it)
    return code


def _plain(text: str) -> bool:
    """No control, format, surrogate, private-use or unassigned characters (nothing a terminal could act on)."""
    return not any(unicodedata.category(ch)[0] == "C" for ch in text)


def _query_of(text: str, redirect_uri: str) -> str:
    """The query of a pasted address (which must be the redirect URI's), or the pasted query itself."""
    if _SCHEME.match(text) is None:
        return text.removeprefix("?")
    try:
        pasted, expected = urlsplit(text), urlsplit(redirect_uri)
        same = (
            pasted.scheme.lower() == expected.scheme.lower()
            and (pasted.hostname or "") == (expected.hostname or "")
            and _port(pasted.scheme, pasted.port) == _port(expected.scheme, expected.port)
            and (pasted.path or "/") == (expected.path or "/")
        )
    except ValueError:  # an invalid port or IPv6 literal
        same = False
    if not same:
        start = safe_text(text.split("?", 1)[0].split("#", 1)[0], limit=_SHOWN)
        raise OAuthInputError(
            f"The pasted address ({start}) is not the redirect URI {redirect_uri}: paste the address the browser "
            "landed on after you approved (it starts with the redirect URI), not the authorize URL."
        )
    if not pasted.query and pasted.fragment:
        raise OAuthCallbackError(
            "The pasted address carries its answer in the fragment (#...), not the query: it is not an "
            "authorization code answer. Run login again."
        )
    return pasted.query


def _port(scheme: str, port: int | None) -> int | None:
    return port if port is not None else _DEFAULT_PORTS.get(scheme.lower())


def _authorization_error(error: str, description: str, title: str) -> OAuthCallbackError:
    """An ``error=`` answer (RFC 6749 section 4.1.2.1), explained."""
    if error == "access_denied":
        return OAuthCallbackError("Authorization was denied in the browser (error=access_denied).")
    shown_error = error[:64] if _plain(error) else "(unreadable)"
    shown = description[:_SHOWN] if _plain(description) else ""
    hint = _HINTS.get(error, "run login again")
    return OAuthCallbackError(
        f"{title} answered error={shown_error}{': ' + shown if shown else ''}. What to do: {hint}."
    )
