"""``python -m kustomer_provider.rehearsal`` run as a user runs it: a project of their own in a folder, the
command as a process; and what is left of its processes afterwards."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from .paths import REPO_ROOT

REHEARSAL = [sys.executable, "-m", "kustomer_provider.rehearsal"]
OWN_PROJECT = REPO_ROOT / "examples" / "own-project"


def own_project(folder: Path, stack_config: str = "config: {}\n") -> Path:
    """A copy of ``examples/own-project`` in ``folder``, with a stack file ``Pulumi.dev.yaml``."""
    shutil.copytree(OWN_PROJECT, folder, ignore=shutil.ignore_patterns("venv", "__pycache__", ".pulumi*"))
    (folder / "Pulumi.dev.yaml").write_text(stack_config)
    return folder


def rehearsal_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: no KUSTOMER_* or PULUMI_* of the test runner."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUSTOMER_", "PULUMI_"))}
    return env | extra


def rehearse(
    args: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the rehearsal to its end; stdout and stderr captured."""
    return subprocess.run(
        [*REHEARSAL, *args],
        cwd=cwd,
        env=dict(env if env is not None else rehearsal_env()),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def processes_in(folder: Path) -> dict[int, str]:
    """Pid and command line of each process whose working directory is ``folder`` (a program host, provider or
    simulator the rehearsal started there and left behind); never this process (pytester runs a test in its folder)."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if Path(os.readlink(proc / "cwd")) == folder.resolve():
                found[int(proc.name)] = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
    return found


def stop_leftovers(folder: Path) -> None:
    """Kill what a failed test's rehearsal left running in ``folder`` (only processes it started there)."""
    for pid in processes_in(folder):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            continue
