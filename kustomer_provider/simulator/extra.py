"""Whether the ``simulator`` extra (FastAPI, uvicorn, python-multipart, cryptography) is installed.

A user's Pulumi program never runs the simulator, so ``pip install kustomer-pulumi`` leaves its web stack
out; ``pip install 'kustomer-pulumi[simulator]'`` brings it. This module imports none of it, so the
simulator's command line and :class:`~kustomer_provider.simulator.SimulatorProcess` can say what to install
instead of failing with ``No module named 'fastapi'``.
"""

from __future__ import annotations

import importlib.util
from typing import Final

__all__ = ["EXTRA_MODULES", "INSTALL_HINT", "SimulatorExtraMissing", "missing_modules", "require_simulator_extra"]

#: Import name -> distribution, for what the simulator imports from the extra.
EXTRA_MODULES: Final = {
    "fastapi": "fastapi",
    "uvicorn": "uvicorn",
    "multipart": "python-multipart",
    "cryptography": "cryptography",
}
INSTALL_HINT: Final = "pip install 'kustomer-pulumi[simulator]'"


class SimulatorExtraMissing(ImportError):
    """The simulator's web stack is not installed; the message names the extra to install."""


def missing_modules() -> list[str]:
    """The extra's distributions that cannot be imported here (empty when the simulator can run)."""
    return [dist for module, dist in EXTRA_MODULES.items() if importlib.util.find_spec(module) is None]


def require_simulator_extra() -> None:
    """Raise :class:`SimulatorExtraMissing` unless FastAPI, uvicorn, python-multipart and cryptography import."""
    missing = missing_modules()
    if missing:
        module = next(m for m, dist in EXTRA_MODULES.items() if dist == missing[0])
        raise SimulatorExtraMissing(
            f"The Kustomer simulator needs the 'simulator' extra, which is not installed here "
            f"(missing: {', '.join(missing)}). Install it with: {INSTALL_HINT} "
            f"(or add kustomer-pulumi[simulator] to your requirements). The provider itself does not need it.",
            name=module,
        )
