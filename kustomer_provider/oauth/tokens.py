"""The token file: the tokens of one login, with what is needed to refresh them (never the client secret).

The file is JSON, written atomically (temporary file in the same directory, fsync, rename) and created
with mode 0600 from the start, so no other user can read it even for a moment. Reading it back checks
every field (a hand-edited file gets an error naming the field, never a traceback).
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from ..redaction import register_secret
from ..safe_text import safe_text
from .answers import TokenAnswer, describe, is_bearer, is_token, lifetime, read_json
from .errors import OAuthEndpointError, OAuthInputError

__all__ = [
    "TOKEN_FILE_MODE",
    "TokenSet",
    "default_token_file",
    "is_private",
    "read_token_file",
    "write_token_file",
]

TOKEN_FILE_MODE: Final = 0o600
_DIR_MODE: Final = 0o700
_FORMAT: Final = 1
#: A token file is a few kilobytes; a bigger one is not this helper's (and is not read into memory).
_MAX_FILE_BYTES: Final = 1024 * 1024
_FAR_FUTURE: Final = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class TokenSet:
    """The answer of the token endpoint, plus where it came from (for ``refresh`` and ``verify``)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    token_type: str
    scope: str
    expires_in: int | None
    obtained_at: datetime
    client_id: str
    token_url: str
    api_base_url: str
    #: ``kustomer``, ``teamwork``, ``komerza`` or ``apaleo`` (files without it are Kustomer's).
    platform: str = "kustomer"
    #: The platform endpoint ``verify`` calls with the access token (None: Kustomer's ``/v1/users/current``).
    api_check_url: str | None = None
    #: apaleo's OpenID Connect ``id_token``, when ``openid`` was granted.
    id_token: str | None = field(default=None, repr=False)
    #: What was odd in the answer these tokens came from (one sentence per field); not written to the file.
    notes: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        # Whatever happens next, these values never reach a message in the clear.
        register_secret(self.access_token)
        register_secret(self.refresh_token)
        register_secret(self.id_token)

    @property
    def expires_at(self) -> datetime | None:
        """When the access token expires, if the token endpoint said (past year 9999: the last moment of it)."""
        if self.expires_in is None:
            return None
        try:
            return self.obtained_at + timedelta(seconds=self.expires_in)
        except OverflowError:
            return _FAR_FUTURE

    @property
    def problem(self) -> str | None:
        """Why the access token must not be used, if it must not: there is none (only a refresh token was
        kept), or its type is not Bearer (RFC 6749 §7.1: a client must not use a token of a type it does not
        understand)."""
        if not self.access_token:
            return "the answer held no usable access token (only a refresh token was kept)"
        if not is_bearer(self.token_type):
            return (
                f"its token_type is '{safe_text(self.token_type, limit=60)}', not Bearer, the only type this "
                "helper understands (RFC 6749 §7.1: a client must not use a token of a type it does not understand)"
            )
        return None

    def expired(self, now: datetime | None = None) -> bool:
        """Whether the access token has expired (by the clock of this machine)."""
        expires_at = self.expires_at
        return expires_at is not None and (now or datetime.now(UTC)) >= expires_at

    @classmethod
    def from_answer(
        cls,
        answer: TokenAnswer,
        *,
        what: str,
        client_id: str,
        token_url: str,
        api_base_url: str,
        platform: str = "kustomer",
        api_check_url: str | None = None,
        previous: TokenSet | None = None,
        now: datetime | None = None,
    ) -> TokenSet:
        """Keep whatever tokens a 2xx answer holds (read by :func:`~.answers.read_token_answer`), its odd fields
        noted; an :class:`OAuthEndpointError` naming what came when it holds none (``what`` names the request).

        A refresh answer without a ``refresh_token`` keeps the previous one (RFC 6749 §6: the server may leave
        the old one valid), and without a ``scope`` the previous scope.
        """
        if not answer.holds_tokens:
            came = answer.not_an_object or f"an object with {', '.join(answer.keys) or 'no keys'}"
            odd = f" ({'; '.join(answer.notes)})" if answer.notes else ""
            raise OAuthEndpointError(
                f"{token_url} answered the {what} with {came}: no access_token or refresh_token to keep{odd}."
            )
        return cls(
            access_token=answer.access_token or "",
            refresh_token=answer.refresh_token or (previous.refresh_token if previous else None),
            token_type=answer.token_type or "Bearer",
            scope=answer.scope if answer.scope is not None else (previous.scope if previous else ""),
            expires_in=answer.expires_in,
            obtained_at=now or datetime.now(UTC),
            client_id=client_id,
            token_url=token_url,
            api_base_url=api_base_url,
            platform=platform,
            api_check_url=api_check_url,
            id_token=answer.id_token or (previous.id_token if previous else None),
            notes=answer.notes,
        )

    def to_json(self) -> dict[str, Any]:
        """The file's content."""
        expires_at = self.expires_at
        return {
            "format": _FORMAT,
            "token_type": self.token_type,
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "scope": self.scope,
            "expires_in": self.expires_in,
            "obtained_at": _iso(self.obtained_at),
            "expires_at": _iso(expires_at) if expires_at else None,
            "client_id": self.client_id,
            "token_url": self.token_url,
            "api_base_url": self.api_base_url,
            "platform": self.platform,
            "api_check_url": self.api_check_url,
            "id_token": self.id_token,
        }

    @classmethod
    def from_json(cls, data: Any, source: str) -> TokenSet:
        """Read the file's content back; ``source`` names the file in errors, which name the field and the fix."""
        if not isinstance(data, dict):
            raise OAuthInputError(
                f"{source} is not a token file written by this helper: it holds {describe(data)}, not a JSON "
                "object. Run login to write it again."
            )
        for name in ("access_token", "refresh_token", "id_token"):  # before any error could quote another field
            if isinstance(data.get(name), str):
                register_secret(data[name])
        fields = _FileFields(data, source)
        access_token = fields.token("access_token")
        refresh_token = fields.token("refresh_token")
        if not access_token and not refresh_token:
            raise fields.wrong("access_token", "is missing (and so is refresh_token)")
        return cls(
            access_token=access_token or "",
            refresh_token=refresh_token,
            token_type=fields.text("token_type") or "Bearer",
            scope=fields.text("scope") or "",
            expires_in=fields.lifetime("expires_in"),
            obtained_at=fields.moment("obtained_at"),
            client_id=fields.required("client_id"),
            token_url=fields.required_url("token_url"),
            api_base_url=fields.required_url("api_base_url"),
            platform=fields.text("platform") or "kustomer",
            api_check_url=fields.url("api_check_url"),
            id_token=fields.token("id_token"),
        )


class _FileFields:
    """The fields of a token file, each checked, with errors that name the field and say what to do."""

    def __init__(self, data: dict[str, Any], source: str) -> None:
        self.data = data
        self.source = source

    def wrong(self, name: str, problem: str) -> OAuthInputError:
        return OAuthInputError(
            f"{self.source} is not a token file this helper can use: `{name}` {problem}. Fix it, or run login to "
            "write it again."
        )

    def text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self.wrong(name, f"is {describe(value)}, not a string")
        return value

    def required(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            raise self.wrong(name, "is missing")
        return value

    def required_url(self, name: str) -> str:
        value = self.url(name)
        if value is None:
            raise self.wrong(name, "is missing")
        return value

    def url(self, name: str) -> str | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            parts = urlsplit(value)
            usable = parts.scheme in ("http", "https") and bool(parts.hostname) and is_token(value)
        except ValueError:
            usable = False
        if not usable:
            raise self.wrong(name, f"is {describe(value)}, not an http(s) URL")
        return value

    def token(self, name: str) -> str | None:
        value = self.text(name)
        if value is not None and not is_token(value):
            raise self.wrong(name, "holds characters no token has (RFC 6749: visible ASCII only)")
        return value

    def lifetime(self, name: str) -> int | None:
        value = self.data.get(name)
        seconds, note = lifetime(value, name)
        if note is not None and seconds is None:
            raise self.wrong(name, f"is {describe(value)}, not a number of seconds (or null)")
        return seconds

    def moment(self, name: str) -> datetime:
        text = self.required(name)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise self.wrong(name, f"is {describe(text)}, not a date and time (ISO 8601)") from None
        # A time without a zone is this helper's own UTC (it always writes Z).
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def default_token_file(client_id: str, environ: dict[str, str] | None = None, platform: str = "kustomer") -> Path:
    """``$XDG_CONFIG_HOME/kustomer/oauth/<client id>.json`` (``~/.config`` when unset): one file per client;
    another platform's client: ``<platform>-<client id>.json``."""
    env = os.environ if environ is None else environ
    base = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    safe = "".join(c for c in client_id if c.isalnum() or c in "-_") or "client"
    prefix = "" if platform == "kustomer" else f"{platform}-"
    return base / "kustomer" / "oauth" / f"{prefix}{safe}.json"


def write_token_file(path: Path, tokens: TokenSet) -> None:
    """Write the tokens atomically to ``path``, mode 0600 from creation on."""
    path.parent.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    data = (json.dumps(tokens.to_json(), indent=2) + "\n").encode()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(temporary, flags, TOKEN_FILE_MODE)
        try:
            os.fchmod(fd, TOKEN_FILE_MODE)  # the umask may have taken bits away; never added any
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise OAuthInputError(f"Could not write the token file {path}: {exc.strerror or exc}") from None


def read_token_file(path: Path) -> TokenSet:
    """The tokens in ``path``; a clear error when it is missing, unreadable, too big, or not ours."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a directory, or a FIFO that would block the read
            raise OAuthInputError(f"{path} is not a file (a directory or a device?): pass the token file's path")
        with path.open("rb") as file:
            content = file.read(_MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise OAuthInputError(f"No token file at {path}: run `python -m kustomer_provider.oauth login` first") from None
    except OSError as exc:
        raise OAuthInputError(f"Could not read the token file {path}: {exc.strerror or exc}") from None
    if len(content) > _MAX_FILE_BYTES:
        raise OAuthInputError(f"{path} is larger than a token file can be (1 MiB); run login to write it again")
    data, problem = read_json(content)
    if problem is not None:
        raise OAuthInputError(f"{path} is not a token file: it holds {problem}. Run login to write it again.")
    return TokenSet.from_json(data, str(path))


def is_private(path: Path) -> bool:
    """Whether only the owner may read or write ``path`` (no group or other bits)."""
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0
