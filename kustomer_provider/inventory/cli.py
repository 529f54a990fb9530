"""``python -m kustomer_provider.inventory``: the org's OAuth apps, which stack holds each, and what to act on.

Exit status: 0 done (no finding of a ``--fail-on`` class); 1 findings of a ``--fail-on`` class; 2 bad input (a flag,
the credentials, an export file, ``--adopt`` of an app that is not there or already held); 3 the org could not be
read (the API's error is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, TextIO

from ..connection import oauth_endpoints, resolve_connection
from ..errors import KustomerConfigError, KustomerError
from ..redaction import redact, register_secret
from .adopt import adoption_for, find_app
from .exports import ExportError, StackHoldings, read_export
from .org import OrgApp, read_org
from .render import outside_text, render_table
from .report import FINDING_KINDS, Report, build_report, probe_targets

if TYPE_CHECKING:
    import httpx

__all__ = ["EXIT_API", "EXIT_FINDINGS", "EXIT_INPUT", "build_parser", "main"]

EXIT_FINDINGS: Final = 1
EXIT_INPUT: Final = 2
EXIT_API: Final = 3
#: How long `pulumi stack export` may take (seconds).
EXPORT_TIMEOUT_S: Final = 120.0


def _fail_on(text: str) -> tuple[str, ...]:
    if text.strip() == "all":
        return FINDING_KINDS
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    if not kinds or any(k not in FINDING_KINDS for k in kinds):
        raise argparse.ArgumentTypeError(
            f"takes a comma-separated list of {', '.join(FINDING_KINDS)} (or 'all'); got {outside_text(text)!r}"
        )
    return kinds


def _width(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of columns: {text!r}") from None
    if not 20 <= value <= 1000:
        raise argparse.ArgumentTypeError("must be 20..1000")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kustomer_provider.inventory",
        description=(
            "Every private OAuth app of a Kustomer org, which stack holds each (from state exports), and what to act "
            "on: unmanaged apps, conflicts, drift, secrets due for rotation. The API key comes from KUSTOMER_API_KEY "
            "(a key with only org.permission.apps.read is enough); it is never a flag, which `ps` would show."
        ),
    )
    where = parser.add_argument_group("the org (flags win over KUSTOMER_ORG_NAME and KUSTOMER_BASE_URL)")
    where.add_argument("--org", metavar="NAME", help="org name, the <org> of <org>.kustomerapp.com")
    where.add_argument("--base-url", metavar="URL", help="API host, e.g. a local simulator http://127.0.0.1:8787")
    stacks = parser.add_argument_group("the stacks (each may be given more than once)")
    stacks.add_argument(
        "--stack-export", action="append", default=[], metavar="FILE",
        help="the JSON of `pulumi stack export` ('-': stdin); with --check-secrets, of `... --show-secrets`",
    )  # fmt: skip
    stacks.add_argument(
        "--from-stack", action="append", default=[], metavar="NAME",
        help="run `pulumi stack export --stack NAME` (the Pulumi CLI must be on PATH)",
    )  # fmt: skip
    stacks.add_argument(
        "--state", action="append", default=[], metavar="FILE",
        help="a rehearsal's state file (the same shape as an export, or the engine harness's version 1)",
    )  # fmt: skip
    out = parser.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="the report as JSON (schema: docs/inventory.schema.json)")
    out.add_argument("--details", action="store_true", help="after the table, every app's versions, scopes, URIs")
    out.add_argument("--width", type=_width, help="columns of the table (default: the terminal's, else 80)")
    out.add_argument(
        "--fail-on", type=_fail_on, default=(), metavar="KINDS",
        help=f"exit 1 when a finding of these classes is present: {','.join(FINDING_KINDS)} or all",
    )  # fmt: skip
    out.add_argument(
        "--check-secrets", action="store_true",
        help="check each stack's secret at the token endpoint (needs exports with --show-secrets; nothing is printed "
        "but its fingerprint and verdict)",
    )  # fmt: skip
    out.add_argument(
        "--adopt", metavar="APP",
        help="print the kustomer:apps item and the Python code that take this unmanaged app over as it is",
    )  # fmt: skip
    return parser


@dataclass
class _IO:
    out: TextIO
    err: TextIO

    def say(self, message: str) -> None:
        print(redact(message), file=self.err, flush=True)


#: Runs a command and returns (exit status, stdout, stderr); tests pass their own.
Runner = Callable[[Sequence[str]], tuple[int, str, str]]


def _run(command: Sequence[str]) -> tuple[int, str, str]:
    completed = subprocess.run(list(command), capture_output=True, text=True, timeout=EXPORT_TIMEOUT_S, check=False)
    return completed.returncode, completed.stdout, completed.stderr


def _from_stack(name: str, show_secrets: bool, run: Runner) -> StackHoldings:
    if shutil.which("pulumi") is None:
        raise ExportError(
            f"--from-stack {name}: the Pulumi CLI is not on PATH. Where it is, run `pulumi stack export --stack "
            f"{name}{' --show-secrets' if show_secrets else ''} > {name}.json` and pass --stack-export {name}.json."
        )
    command = ["pulumi", "stack", "export", "--stack", name]
    if show_secrets:
        command.append("--show-secrets")
    try:
        status, stdout, stderr = run(command)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExportError(f"--from-stack {name}: `{' '.join(command)}` did not run ({type(exc).__name__})") from None
    if status != 0:
        reason = redact(stderr.strip().splitlines()[-1]) if stderr.strip() else f"exit status {status}"
        raise ExportError(f"--from-stack {name}: `{' '.join(command)}` failed: {reason}")
    return read_export(name, text=stdout, source=f"`pulumi stack export --stack {name}`")


def _holdings(args: argparse.Namespace, stdin: TextIO, run: Runner) -> list[StackHoldings]:
    holdings = []
    for path in [*args.stack_export, *args.state]:
        if path == "-":
            holdings.append(read_export("-", text=stdin.read(), source="standard input"))
        else:
            holdings.append(read_export(path))
    for name in args.from_stack:
        holdings.append(_from_stack(name, args.check_secrets, run))
    return holdings


def _check_secrets(client: Any, holdings: Sequence[StackHoldings], token_url: str, io: _IO) -> dict[str, str]:
    """Per secret URN: ``live``, ``dead`` or ``unknown`` at the token endpoint; ``unchecked`` when not in the clear."""
    verdicts: dict[str, str] = {}
    for holding in holdings:
        for secret in holding.secrets:
            if secret.plaintext is None:
                verdicts.setdefault(secret.urn, "unchecked")
    for secret in probe_targets(holdings):
        value = secret.plaintext.get_secret_value() if secret.plaintext is not None else ""
        register_secret(value)
        verdicts[secret.urn] = client.probe_client_secret(secret.client_id, value, token_url=token_url)
    unchecked = sum(1 for v in verdicts.values() if v == "unchecked")
    if unchecked:
        io.say(
            f"note: {unchecked} secret(s) not checked: the export holds them encrypted. Export with "
            "`pulumi stack export --show-secrets` (or use --from-stack, which does) to check them."
        )
    return verdicts


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
    transport: httpx.BaseTransport | None = None,
    run: Runner = _run,
    now: datetime | None = None,
) -> int:
    """Run the inventory; the exit status (see the module docstring)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # argparse has printed the usage and the problem
        return int(exit_.code) if isinstance(exit_.code, int) else EXIT_INPUT
    io = _IO(out=stdout or sys.stdout, err=stderr or sys.stderr)
    env = os.environ if environ is None else environ
    try:
        connection = resolve_connection({"kustomer:orgName": args.org, "kustomer:baseUrl": args.base_url}, env)
        holdings = _holdings(args, stdin or sys.stdin, run)
    except KustomerConfigError as exc:
        io.say(f"error: {exc}")
        return EXIT_INPUT
    from ..client import KustomerClient  # httpx loads only once the input is known to be good

    try:
        with KustomerClient(
            base_url=connection.base_url, api_key=connection.api_key.get_secret_value(), transport=transport
        ) as client:
            org_apps = read_org(client)
            verdicts = None
            if args.check_secrets:
                token_url = oauth_endpoints(connection.org_name, connection.base_url).token_url
                verdicts = _check_secrets(client, holdings, token_url, io)
    except KustomerConfigError as exc:
        io.say(f"error: {exc}")
        return EXIT_INPUT
    except KustomerError as exc:
        io.say(f"error: could not read the org's apps: {exc}")
        return EXIT_API
    report = build_report(
        org_apps=org_apps,
        holdings=holdings,
        org=connection.org_name,
        base_url=connection.base_url,
        now=now or datetime.now(UTC),
        secret_verdicts=verdicts,
        shown=outside_text,
    )
    if args.adopt is not None:
        return _adopt(args, org_apps, report, io)
    if args.json:
        json.dump(report.as_json(), io.out, indent=2)
        io.out.write("\n")
    else:
        width = args.width or shutil.get_terminal_size((80, 24)).columns
        io.out.write(render_table(report, width=width, details=args.details))
    failing = sorted(report.kinds() & set(args.fail_on), key=FINDING_KINDS.index)
    if failing:
        io.say(f"failing: findings of class {', '.join(failing)} (--fail-on {','.join(args.fail_on)})")
        return EXIT_FINDINGS
    return 0


def _adopt(args: argparse.Namespace, org_apps: list[OrgApp], report: Report, io: _IO) -> int:
    try:
        app = find_app(org_apps, args.adopt)
        entry = next(e for e in report.apps if e.name == outside_text(app.name))
        if entry.managed_by:
            holders = ", ".join(h.stack for h in entry.managed_by)
            raise KustomerConfigError(
                f"--adopt {args.adopt}: stack {holders} already holds {entry.name}; adoption is for an app no stack "
                "holds (leave out the exports to print it anyway)."
            )
        adoption = adoption_for(app)
    except KustomerConfigError as exc:
        io.say(f"error: {outside_text(str(exc))}")
        return EXIT_INPUT
    if args.json:
        json.dump(adoption.as_json(), io.out, indent=2)
        io.out.write("\n")
    else:
        io.out.write(adoption.as_text())
    return 0
