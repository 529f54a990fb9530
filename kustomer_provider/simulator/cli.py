"""Command line of `python -m kustomer_provider.simulator`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from . import rules
from .extra import SimulatorExtraMissing, require_simulator_extra
from .settings import KeySpec, SimulatorSettings, parse_key_spec

__all__ = ["API_KEY_ENV", "CONTROL_TOKEN_ENV", "build_parser", "main", "settings_from_args", "warn_if_exposed"]

API_KEY_ENV = "KUSTOMER_SIM_API_KEY"
CONTROL_TOKEN_ENV = rules.CONTROL_TOKEN_ENV


def _bounded(kind: Callable[[str], float], low: float, high: float | None = None) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
        if value < low or (high is not None and value > high):
            bounds = f"between {low:g} and {high:g}" if high is not None else f">= {low:g}"
            raise argparse.ArgumentTypeError(f"must be {bounds}")
        return value

    return parse


def _key(text: str) -> KeySpec:
    try:
        return parse_key_spec(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (flags as in docs/simulator.md)."""
    p = argparse.ArgumentParser(
        prog="python -m kustomer_provider.simulator",
        description="Local simulator of the Kustomer Apps Platform. Prints its base URL on stdout when ready.",
    )
    p.add_argument("--host", default=rules.DEFAULT_HOST, help="address to bind (default: %(default)s)")
    p.add_argument("--port", type=int, default=rules.DEFAULT_PORT, help="0 picks a free port (default: %(default)s)")
    p.add_argument("--state-file", type=Path, help="load state from and save it atomically to this file")
    p.add_argument("--org", default=rules.DEFAULT_ORG, help="default org name (default: %(default)s)")
    p.add_argument("--api-key", help=f"admin key of the default org (or env {API_KEY_ENV}; default: the dev key)")
    p.add_argument(
        "--key", type=_key, action="append", default=[], metavar="KEY=ROLE,ROLE[@ORG[:POD]]", help="add a key"
    )
    p.add_argument("--pod", default=rules.DEFAULT_POD, help="pod this simulator handles (default: %(default)s)")
    p.add_argument("--auto-consent", action="store_true", help="authorize redirects at once with a code")
    p.add_argument("--page-size", type=_bounded(int, 1), default=rules.DEFAULT_PAGE_SIZE)
    p.add_argument("--seed", type=int, help="seed of the fault random generator")
    p.add_argument("--fail-rate", type=_bounded(float, 0, 1), default=0.0)
    p.add_argument("--rate-limit", type=_bounded(int, 0), default=rules.DEFAULT_RATE_LIMIT, help="0 = unlimited")
    p.add_argument(
        "--rate-window-s",
        type=float,
        default=rules.RATE_LIMIT_WINDOW_S,
        help="length of the rate-limit window in seconds (Kustomer's is 60; shorter for tests)",
    )
    p.add_argument("--latency-ms", type=_bounded(float, 0), default=0.0)
    p.add_argument("--install-ms", type=_bounded(float, 0), default=rules.DEFAULT_INSTALL_MS)
    p.add_argument("--install-fail", action="append", default=[], metavar="APP", help="installs of APP fail")
    p.add_argument("--drop-after-commit-rate", type=_bounded(float, 0, 1), default=0.0)
    p.add_argument("--access-log", action="store_true", help="log every request on stderr (off by default)")
    p.add_argument(
        "--refresh-token-idle-days",
        type=_bounded(float, 0.0001),
        metavar="DAYS",
        help="refresh tokens unused this long expire (default: none, they live until invalidated, as the seed says)",
    )
    p.add_argument(
        "--control-token",
        metavar="TOKEN",
        help=f"token the control API (/_sim/*) requires for changes, header {rules.CONTROL_TOKEN_HEADER} "
        f"(or env {CONTROL_TOKEN_ENV}; default: generated, printed on stderr and written to a 0600 file)",
    )
    return p


def settings_from_args(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> SimulatorSettings:
    """Settings from command-line arguments (and the environment, for the API key)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    env = os.environ if environ is None else environ
    try:
        return _settings(args, env)
    except ValueError as exc:
        parser.error(str(exc))


def _settings(args: argparse.Namespace, env: Mapping[str, str]) -> SimulatorSettings:
    """Settings from parsed arguments (raises ValueError on values out of range)."""
    return SimulatorSettings(
        host=args.host,
        port=args.port,
        state_file=args.state_file,
        org=args.org,
        api_key=args.api_key or env.get(API_KEY_ENV) or rules.DEFAULT_API_KEY,
        keys=tuple(args.key),
        pod=args.pod,
        auto_consent=args.auto_consent,
        page_size=int(args.page_size),
        seed=args.seed,
        fail_rate=args.fail_rate,
        rate_limit=int(args.rate_limit),
        rate_window_s=float(args.rate_window_s),
        latency_ms=args.latency_ms,
        install_ms=args.install_ms,
        install_fail=tuple(args.install_fail),
        drop_after_commit_rate=args.drop_after_commit_rate,
        access_log=args.access_log,
        refresh_token_idle_days=args.refresh_token_idle_days,
        control_token=args.control_token or env.get(CONTROL_TOKEN_ENV) or None,
    )


def warn_if_exposed(host: str) -> bool:
    """Print a warning on stderr when `host` is not a loopback address; True if it warned."""
    warning = rules.exposed_bind_warning(host)
    if warning is not None:
        print(warning, file=sys.stderr, flush=True)
    return warning is not None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the simulator until interrupted; 1 when it cannot start (the `simulator` extra missing, say)."""
    settings = settings_from_args(argv)  # before the extra's check, so --help works without it
    try:
        require_simulator_extra()
    except SimulatorExtraMissing as exc:
        print(f"simulator: {exc}", file=sys.stderr)
        return 1
    from .server import serve  # uvicorn only when serving

    warn_if_exposed(settings.host)
    try:
        serve(settings)
    except OSError as exc:
        print(f"simulator: cannot listen on {settings.host}:{settings.port}: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # e.g. an unreadable state file
        print(f"simulator: {exc}", file=sys.stderr)
        return 1
    return 0
