"""Starting ``python -m pulumi.dynamic``, with the standard library only.

Kept apart from :mod:`~kustomer_provider.rehearsal.provider_server` (which imports grpc and the SDK's protos) so
that the program host can start the provider before its own imports, and the two start-ups overlap as the
engine's do: the real engine loads provider plugins while the program is already running.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

#: The directory holding the ``kustomer_provider`` package: put on the children's path, so that they import this
#: package (and so unpickle its providers) from wherever it is, an installed wheel or a source tree.
IMPORT_ROOT = str(Path(__file__).resolve().parents[2])


def child_env(base: Mapping[str, str]) -> dict[str, str]:
    """``base`` with :data:`IMPORT_ROOT` first on ``PYTHONPATH``."""
    path = os.pathsep.join(p for p in (IMPORT_ROOT, base.get("PYTHONPATH")) if p)
    return {**base, "PYTHONPATH": path}


@dataclass
class ProviderProcess:
    """A started provider process that has not necessarily printed its port yet."""

    process: subprocess.Popen[bytes]
    stderr_file: IO[bytes]


def start_provider(
    *, project: str = "kustomer", env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> ProviderProcess:
    """Start the SDK's dynamic-provider server in ``cwd`` (the program's folder, as the engine does; default: this
    process's); its stderr goes to a temporary file."""
    stderr_file = tempfile.NamedTemporaryFile(prefix="provider-stderr-", suffix=".log", delete=False)
    # Hermetic: KUSTOMER_* variables of the test runner never leak in; a test passes the ones it means.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("KUSTOMER_")}
    process_env = child_env({**inherited, **(env or {}), "PULUMI_PROJECT": project, "PYTHONUNBUFFERED": "1"})
    process = subprocess.Popen(
        [sys.executable, "-m", "pulumi.dynamic"],
        cwd=cwd,
        env=process_env,
        stdout=subprocess.PIPE,
        stderr=stderr_file,
    )
    return ProviderProcess(process, stderr_file)
