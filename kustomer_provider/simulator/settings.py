"""Start-up settings of the simulator (what the command line sets)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import rules

__all__ = ["KeySpec", "SimulatorSettings", "parse_key_spec"]


@dataclass(frozen=True)
class KeySpec:
    """An API key: its roles, org (None = the default org) and pod (None = the simulator's pod)."""

    key: str
    roles: tuple[str, ...] = ()
    org: str | None = None
    pod: str | None = None


def parse_key_spec(text: str) -> KeySpec:
    """Parse `KEY=ROLE,ROLE[@ORG[:POD]]` (the role list may be empty)."""
    key, sep, rest = text.partition("=")
    if not sep or not key:
        raise ValueError("expected KEY=ROLE,ROLE[@ORG[:POD]]")
    roles_part, at, where = rest.partition("@")
    org: str | None = None
    pod: str | None = None
    if at:
        org_part, colon, pod_part = where.partition(":")
        if not org_part or (colon and not pod_part):
            raise ValueError("expected @ORG or @ORG:POD after the roles")
        org = org_part
        pod = pod_part or None
    roles = tuple(role.strip() for role in roles_part.split(",") if role.strip())
    return KeySpec(key=key, roles=roles, org=org, pod=pod)


def _usable_token(token: str) -> bool:
    """A control token fits in a header and is not trivially guessable by length."""
    return 16 <= len(token) <= 256 and all("!" <= ch <= "~" for ch in token)


def _check_rate(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1")


@dataclass(frozen=True)
class SimulatorSettings:
    """Everything the command line can set; defaults are the documented ones."""

    host: str = rules.DEFAULT_HOST
    port: int = rules.DEFAULT_PORT
    state_file: Path | None = None
    org: str = rules.DEFAULT_ORG
    api_key: str = rules.DEFAULT_API_KEY
    keys: tuple[KeySpec, ...] = ()
    pod: str = rules.DEFAULT_POD
    auto_consent: bool = False
    page_size: int = rules.DEFAULT_PAGE_SIZE
    seed: int | None = None
    fail_rate: float = 0.0
    rate_limit: int = rules.DEFAULT_RATE_LIMIT
    rate_window_s: float = rules.RATE_LIMIT_WINDOW_S
    latency_ms: float = 0.0
    install_ms: float = rules.DEFAULT_INSTALL_MS
    install_fail: tuple[str, ...] = field(default=())
    drop_after_commit_rate: float = 0.0
    access_log: bool = False
    #: Refresh tokens unused this long expire; None (the default): they live until invalidated [doc: seed].
    refresh_token_idle_days: float | None = None
    #: The control API's token (`X-Sim-Control-Token`); None: one is generated at start.
    control_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        _check_rate("fail_rate", self.fail_rate)
        _check_rate("drop_after_commit_rate", self.drop_after_commit_rate)
        if self.page_size < 1:
            raise ValueError("page_size must be at least 1")
        if self.rate_limit < 0:
            raise ValueError("rate_limit must be 0 (unlimited) or more")
        if self.rate_window_s <= 0:
            raise ValueError("rate_window_s must be above 0")
        if self.latency_ms < 0 or self.install_ms < 0:
            raise ValueError("latency_ms and install_ms must not be negative")
        if not 0 <= self.port <= 65535:
            raise ValueError("port must be between 0 and 65535")
        if not self.api_key or not self.org or not self.pod:
            raise ValueError("api_key, org and pod must not be empty")
        if self.refresh_token_idle_days is not None and not self.refresh_token_idle_days > 0:
            raise ValueError("refresh_token_idle_days must be above 0")
        if self.control_token is not None and not _usable_token(self.control_token):
            raise ValueError("control_token must be 16 to 256 printable ASCII characters without spaces")

    @property
    def refresh_token_idle_s(self) -> float | None:
        """`refresh_token_idle_days` in seconds (None: no limit)."""
        return None if self.refresh_token_idle_days is None else self.refresh_token_idle_days * 86400.0
