"""Without the ``simulator`` extra (FastAPI, uvicorn, python-multipart), the simulator says which extra to
install, from its command line, ``SimulatorProcess`` and ``create_app``; the rest of the package still loads.

The web stack is hidden in a child interpreter (``sys.modules[name] = None`` makes it unimportable there);
tests/test_packaging.py checks the same against a real install without the extra."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

HIDE = "import sys\nsys.modules.update(fastapi=None, uvicorn=None, multipart=None, starlette=None)\n"
HINT = "pip install 'kustomer-pulumi[simulator]'"


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HIDE + textwrap.dedent(code)], capture_output=True, text=True, timeout=60, check=False
    )


def test_the_command_line_names_the_extra_and_exits_1_without_a_traceback() -> None:
    completed = run("from kustomer_provider.simulator.cli import main\nsys.exit(main(['--port', '0']))")
    assert completed.returncode == 1, completed.stderr
    assert completed.stderr.startswith("simulator: The Kustomer simulator needs the 'simulator' extra")
    assert "missing: fastapi, uvicorn, python-multipart" in completed.stderr and HINT in completed.stderr
    assert "Traceback" not in completed.stderr and completed.stdout == ""


def test_help_works_without_the_extra() -> None:
    completed = run("from kustomer_provider.simulator.cli import main\nsys.exit(main(['--help']))")
    assert completed.returncode == 0 and "--state-file" in completed.stdout


def test_simulator_process_and_create_app_raise_an_import_error_naming_the_extra() -> None:
    completed = run(
        """
        import json
        import kustomer_provider
        from kustomer_provider import KustomerAppSecret
        from kustomer_provider.simulator import SimulatorExtraMissing, SimulatorProcess
        seen = {}
        try:
            SimulatorProcess().start()
        except SimulatorExtraMissing as exc:
            seen["process"] = [str(exc), isinstance(exc, ImportError), exc.name]
        try:
            from kustomer_provider.simulator import create_app
        except ImportError as exc:
            seen["create_app"] = [str(exc), type(exc).__name__]
        print(json.dumps(seen))
        """
    )
    assert completed.returncode == 0, completed.stderr
    seen = json.loads(completed.stdout)
    message, is_import_error, module = seen["process"]
    assert HINT in message and is_import_error and module == "fastapi"
    assert HINT in seen["create_app"][0] and seen["create_app"][1] == "SimulatorExtraMissing"
