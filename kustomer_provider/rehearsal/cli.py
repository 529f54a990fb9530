"""Command line of ``python -m kustomer_provider.rehearsal``: a rehearsal of a Pulumi project without the Pulumi CLI.

    python -m kustomer_provider.rehearsal [preview|up|refresh|destroy] [--cwd DIR] [--stack NAME] [--state FILE]
        [--base-url URL] [--config KEY=VALUE] [--secret-config KEY=VALUE] [--secret-config-env KEY=VARIABLE]
        [--show-secrets] [--outputs-file FILE] [--keep-simulator] [--simulator-arg ARG] [--clear-pending-creates]

Run in a Pulumi project's folder (or name it with ``--cwd``): reads its ``Pulumi.yaml``, the stack file
(``--stack``, default ``dev``) and the program, starts the embedded Kustomer simulator (or uses ``--base-url``
of one already running), points the provider at it (:mod:`~kustomer_provider.rehearsal.session`), runs the
operation (default ``up``) and prints what the Pulumi CLI would print about problems (its "Diagnostics:"
section), then the stack outputs with secrets masked (``--show-secrets`` shows them). Every secret the
rehearsal knows is masked in everything it prints. Exit status: 0 when the operation worked, 1 when it failed
(or the simulator could not start), 2 when it was asked wrongly (no project, no stack file, a flag).

This module imports only the standard library until it runs: ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

if TYPE_CHECKING:
    from .engine import Result
    from .session import Rehearsal

__all__ = ["LABEL", "build_parser", "main"]

LABEL = "a rehearsal without the Pulumi CLI"
OPERATIONS = ("preview", "up", "refresh", "destroy")
PROGRAM_FAILED = "Program failed with an unhandled exception:\n"
#: What a step is called in the summary (the CLI's word for a step that changed nothing is "unchanged").
STEP_WORDS = {"same": "unchanged", "gone": "gone", "import": "imported"}


def _assignment(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kustomer_provider.rehearsal",
        description="Rehearse a Pulumi project's preview, up, refresh or destroy without the Pulumi CLI, against "
        "a local Kustomer simulator: the project's own program and the real provider, with the engine's part "
        "played by kustomer-pulumi. Needs the [simulator] extra.",
        epilog="Exit status: 0 when the operation worked, 1 when it failed, 2 when asked wrongly. "
        'Docs: docs/testing.md ("A rehearsal of your own project").',
    )
    parser.add_argument("operation", nargs="?", choices=OPERATIONS, default="up", help="what to run (default: up)")
    parser.add_argument("--cwd", metavar="DIR", type=Path, default=Path(), help="the project's folder (default: here)")
    parser.add_argument("--stack", default="dev", help="the stack: its file is Pulumi.<stack>.yaml (default: dev)")
    parser.add_argument(
        "--state",
        metavar="FILE",
        type=Path,
        help="keep the stack's state in FILE between rehearsals (the shape of `pulumi stack export`; its key in "
        "FILE's .key file, the embedded simulator's own state in <FILE>.simulator.json); without it nothing is kept",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="use the simulator already running at URL (its admin key: KUSTOMER_SIM_API_KEY, else the "
        "development key) instead of starting one",
    )
    parser.add_argument(
        "--config",
        metavar="KEY=VALUE",
        type=_assignment,
        action="append",
        default=[],
        help="a config value over the stack file's, as `pulumi up --config` (repeatable; a bare key is the project's)",
    )
    parser.add_argument(
        "--secret-config",
        metavar="KEY=VALUE",
        type=_assignment,
        action="append",
        default=[],
        help="a secret config value: each `secure:` value of the stack file must be given so (repeatable; a flag "
        "shows in `ps` and your history: prefer --secret-config-env)",
    )
    parser.add_argument(
        "--secret-config-env",
        metavar="KEY=VARIABLE",
        type=_assignment,
        action="append",
        default=[],
        help="a secret config value read from the environment variable VARIABLE (repeatable)",
    )
    parser.add_argument("--show-secrets", action="store_true", help="print the secret outputs' values")
    parser.add_argument(
        "--outputs-file",
        metavar="FILE",
        type=Path,
        help="write the stack outputs, secrets included, to FILE (mode 0600), as `pulumi stack output --json "
        "--show-secrets` prints them: what the OAuth helper's --outputs-file reads",
    )
    parser.add_argument(
        "--keep-simulator",
        action="store_true",
        help="keep the embedded simulator running afterwards, until Ctrl-C or SIGTERM (to try the OAuth flow)",
    )
    parser.add_argument(
        "--simulator-arg",
        metavar="ARG",
        action="append",
        default=[],
        help="a flag for the embedded simulator, e.g. --simulator-arg=--auto-consent (repeatable; see "
        "`python -m kustomer_provider.simulator --help`)",
    )
    parser.add_argument(
        "--clear-pending-creates",
        action="store_true",
        help="refresh: drop the creates an interrupted run left pending, as `pulumi refresh --clear-pending-creates`",
    )
    return parser


def _terminate(signum: int, _frame: FrameType | None) -> NoReturn:
    """SIGTERM: unwind like Ctrl-C, so that the simulator and the provider this rehearsal started are stopped."""
    raise SystemExit(128 + signum)


class _Printer:
    """Everything the rehearsal prints, every secret it knows masked."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out, self.err = out, err
        self.secrets: list[str] = []

    def mask(self, text: str) -> str:
        for secret in sorted({s for s in self.secrets if s}, key=len, reverse=True):
            text = text.replace(secret, "[secret]")
        return text

    def say(self, text: str = "") -> None:
        print(self.mask(text), file=self.out, flush=True)

    def warn(self, text: str) -> None:
        print(self.mask(text), file=self.err, flush=True)


def _summary(result: Result) -> str:
    counts: dict[str, int] = {}
    for _, op, _ in result.steps:
        counts[op] = counts.get(op, 0) + 1
    done = ", ".join(f"{n} {STEP_WORDS.get(op, op)}" for op, n in sorted(counts.items())) or "no changes"
    created = sorted(result.ops("create"))
    return f"{done} ({', '.join(created)})" if created else done


def _program_failure(message: str) -> str:
    """The language host's "Program failed" report in one paragraph: the exception and where it was raised."""
    text = message.removeprefix(PROGRAM_FAILED)
    lines = text.rstrip().split("\n")
    starts = [i for i, line in enumerate(lines) if line == "Traceback (most recent call last):"]
    if not starts:
        return f"the program failed: {text.strip()}"
    index = starts[-1] + 1
    where = ""
    while index < len(lines) and lines[index].startswith(" "):
        if lines[index].startswith('  File "'):
            where = lines[index].strip()
        index += 1
    exception = "\n".join(lines[index:])
    return f"the program failed: {exception}\n({where}; the Pulumi CLI prints the program's traceback here)"


def _diagnostics(result: Result) -> str:
    """The result's "Diagnostics:" section, a program's own failure told in one paragraph instead of a traceback."""
    from dataclasses import replace

    from .diagnostics import render_section

    items = [
        replace(d, message=_program_failure(d.message)) if d.message.startswith(PROGRAM_FAILED) and not d.urn else d
        for d in result.diagnostics
    ]
    return render_section(items, stack_urn=result.stack_urn, rows=list(result.types), types=result.types)


def _write_outputs(path: Path, outputs: dict[str, Any]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the file existed with a wider mode
    with os.fdopen(fd, "w") as handle:
        json.dump(outputs, handle, indent=2)
        handle.write("\n")


def _report(rehearsal: Rehearsal, args: argparse.Namespace, result: Result, elapsed: float, say: _Printer) -> None:
    from .session import masked_outputs

    if args.operation == "preview":
        say.say(f"Preview done: {_summary(result)}")
        return
    say.say(f"{args.operation.capitalize()} done in {elapsed:.1f} s: {_summary(result)}")
    if args.operation == "destroy":
        return
    raw = result.raw_outputs
    if args.show_secrets:
        shown: dict[str, Any] = {k: v.value for k, v in rehearsal.outputs(result).items()}
        say.say("\nStack outputs (secrets shown: --show-secrets):")
        print(json.dumps(shown, indent=2), file=say.out, flush=True)  # asked for: not masked
    else:
        say.say(f"\nStack outputs ({LABEL}; secrets masked as [secret]):")
        say.say(json.dumps(masked_outputs(raw, rehearsal.secret_values()), indent=2))
    if args.outputs_file is not None:
        _write_outputs(args.outputs_file, {k: v.value for k, v in rehearsal.outputs(result).items()})
        say.say(f"\nWrote the stack outputs, secrets included, to {args.outputs_file} (mode 0600).")


def _run(args: argparse.Namespace, say: _Printer) -> int:
    from ..simulator import SimulatorExtraMissing
    from .session import Rehearsal

    secret_config = dict(args.secret_config)
    for key, variable in args.secret_config_env:
        if variable not in os.environ:
            raise _UsageError(f"--secret-config-env {key}={variable}: the environment has no variable {variable}.")
        secret_config[key] = os.environ[variable]
    say.secrets += secret_config.values()
    rehearsal = Rehearsal(
        args.cwd,
        stack=args.stack,
        state=args.state.resolve() if args.state is not None else None,
        base_url=args.base_url,
        config=dict(args.config),
        secret_config=secret_config,
        simulator_args=args.simulator_arg,
    )
    say.say(f"== {LABEL[0].upper()}{LABEL[1:]} ==")
    try:
        rehearsal.start()
    except SimulatorExtraMissing as exc:
        say.warn(f"rehearsal: {exc}")
        return 1
    try:
        say.secrets.append(rehearsal.api_key)
        if rehearsal.simulator is not None:
            kept = f"its state kept in {rehearsal.simulator_state_path}" if args.state else "in memory"
            say.say(f"Started a Kustomer simulator at {rehearsal.url} (org {rehearsal.org_name}; {kept})")
        else:
            say.say(f"Using the Kustomer simulator at {rehearsal.url}")
        stack_url = rehearsal.stack_file.config.get("kustomer:baseUrl")
        if stack_url and stack_url != rehearsal.url:
            say.say(f"(The stack's kustomer:baseUrl, {stack_url}, is not used: a rehearsal calls only the simulator.)")
        project = rehearsal.project
        stack_file = os.path.relpath(rehearsal.stack_file.path, project.directory)
        program = os.path.relpath(project.program, project.directory)
        say.say(f"Running `{args.operation}` of the stack {args.stack} of {project.name} ({stack_file}, {program}) ...")
        started = time.perf_counter()
        result = rehearsal.run(args.operation, clear_pending_creates=args.clear_pending_creates)
        elapsed = time.perf_counter() - started
        say.secrets += rehearsal.secret_values()
        section = _diagnostics(result)
        if section:
            say.say(section)
        if not result.ok:
            say.warn(f"The {args.operation} failed ({LABEL}): the Diagnostics above say why.")
            return 1
        _report(rehearsal, args, result, elapsed, say)
        if args.state is not None:
            say.say(
                f"\nThe state is kept in {args.state}: the next rehearsal with --state {args.state} starts from it."
            )
        else:
            say.say("\nNothing was kept (--state FILE keeps the state between rehearsals).")
        say.say(
            f"This was {LABEL}: the same program and provider, with the engine's part played by "
            "kustomer_provider.rehearsal (docs/testing.md). The real one is `pulumi "
            f"{args.operation}` with the Pulumi CLI."
        )
        if args.keep_simulator:
            if rehearsal.simulator is None:
                say.say("--keep-simulator: the simulator is not this rehearsal's (--base-url); nothing to keep.")
            else:
                say.say(f"\nThe simulator keeps running at {rehearsal.url}; Ctrl-C (or SIGTERM) stops it.")
                while rehearsal.simulator.returncode is None:
                    time.sleep(0.5)
        return 0
    finally:
        rehearsal.close()


class _UsageError(Exception):
    """The command line asks for something that cannot be: exit status 2."""


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the rehearsal; the exit status (0 worked, 1 failed, 2 asked wrongly)."""
    args = build_parser().parse_args(argv)
    say = _Printer(out or sys.stdout, err or sys.stderr)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        from .project import RehearsalError

        try:
            return _run(args, say)
        except (RehearsalError, _UsageError) as exc:
            say.warn(f"rehearsal: {exc}")
            return 2
        except KeyboardInterrupt:
            say.warn("rehearsal: interrupted; the state keeps the steps that finished (and any pending operation).")
            return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
