"""The token file: the tokens of one login, with what is needed to refresh them (never the client secret).

The file is JSON, written atomically (temporary file in the same directory, fsync, rename) and created
with mode 0600 from the start, so no other user can read it even for a moment.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from ..redaction import register_secret
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

    def __post_init__(self) -> None:
        # Whatever happens next, these values never reach a message in the clear.
        register_secret(self.access_token)
        register_secret(self.refresh_token)
        register_secret(self.id_token)

    @property
    def expires_at(self) -> datetime | None:
        """When the access token expires, if the token endpoint said."""
        return None if self.expires_in is None else self.obtained_at + timedelta(seconds=self.expires_in)

    def expired(self, now: datetime | None = None) -> bool:
        """Whether the access token has expired (by the clock of this machine)."""
        expires_at = self.expires_at
        return expires_at is not None and (now or datetime.now(UTC)) >= expires_at

    @classmethod
    def from_token_response(
        cls,
        body: Any,
        *,
        client_id: str,
        token_url: str,
        api_base_url: str,
        previous_refresh_token: str | None = None,
        now: datetime | None = None,
    ) -> TokenSet:
        """Check and keep a token endpoint's JSON answer.

        A refresh answer without a ``refresh_token`` keeps ``previous_refresh_token`` (RFC 6749 6: the
        server may leave the old one valid).
        """
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str) or not body["access_token"]:
            keys = sorted(body) if isinstance(body, dict) else type(body).__name__
            raise OAuthEndpointError(f"The token endpoint {token_url} answered 200 without an access_token ({keys})")
        refresh = body.get("refresh_token")
        expires_in = body.get("expires_in")
        return cls(
            access_token=body["access_token"],
            refresh_token=refresh if isinstance(refresh, str) and refresh else previous_refresh_token,
            token_type=str(body.get("token_type") or "bearer"),
            scope=str(body.get("scope") or ""),
            expires_in=int(expires_in) if isinstance(expires_in, int | float) else None,
            obtained_at=now or datetime.now(UTC),
            client_id=client_id,
            token_url=token_url,
            api_base_url=api_base_url,
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
        """Read the file's content back; ``source`` names the file in errors."""
        try:
            return cls(
                access_token=_text(data, "access_token"),
                refresh_token=data.get("refresh_token") or None,
                token_type=str(data.get("token_type") or "bearer"),
                scope=str(data.get("scope") or ""),
                expires_in=data.get("expires_in"),
                obtained_at=datetime.fromisoformat(_text(data, "obtained_at")),
                client_id=_text(data, "client_id"),
                token_url=_text(data, "token_url"),
                api_base_url=_text(data, "api_base_url"),
                platform=str(data.get("platform") or "kustomer"),
                api_check_url=data.get("api_check_url") or None,
                id_token=data.get("id_token") or None,
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise OAuthInputError(f"{source} is not a token file written by this helper ({exc}); run login") from None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(data: Any, key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} missing")
    return value


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
    """The tokens in ``path``; a clear error when it is missing or not ours."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise OAuthInputError(f"No token file at {path}: run `python -m kustomer_provider.oauth login` first") from None
    except OSError as exc:
        raise OAuthInputError(f"Could not read the token file {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise OAuthInputError(f"{path} is not JSON; run login again to rewrite it") from None
    return TokenSet.from_json(data, str(path))


def is_private(path: Path) -> bool:
    """Whether only the owner may read or write ``path`` (no group or other bits)."""
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0
