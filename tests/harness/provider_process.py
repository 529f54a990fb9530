"""Starting ``python -m pulumi.dynamic``, with the standard library only.

Kept apart from :mod:`tests.harness.provider_server` (which imports grpc and the SDK's protos) so that the
program host can start the provider before its own imports, and the two start-ups overlap as the
engine's do: the real engine loads provider plugins while the program is already running.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ProviderProcess:
    """A started provider process that has not necessarily printed its port yet."""

    process: subprocess.Popen[bytes]
    stderr_file: IO[bytes]


def start_provider(
    *, project: str = "kustomer", env: dict[str, str] | None = None, cwd: Path = REPO_ROOT
) -> ProviderProcess:
    """Start the SDK's dynamic-provider server; its stderr goes to a temporary file."""
    stderr_file = tempfile.NamedTemporaryFile(prefix="provider-stderr-", suffix=".log", delete=False)
    # Hermetic: KUSTOMER_* variables of the test runner never leak in; a test passes the ones it means.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("KUSTOMER_")}
    process_env = {**inherited, **(env or {}), "PULUMI_PROJECT": project, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "pulumi.dynamic"],
        cwd=cwd,
        env=process_env,
        stdout=subprocess.PIPE,
        stderr=stderr_file,
    )
    return ProviderProcess(process, stderr_file)
