"""Local simulator of the Kustomer Apps Platform (see docs/simulator.md).

It imports nothing from `kustomer_provider` outside this subpackage, and the provider never imports it.

Its web stack (FastAPI, uvicorn, python-multipart) is the optional extra ``kustomer-pulumi[simulator]``.
The names that need it (`create_app`, `ConnectionDropped`) are imported on first use, so
`SimulatorProcess` and the command line load without it and say which extra to install
(`SimulatorExtraMissing`, an ImportError) instead of failing on a bare ``No module named 'fastapi'``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import FirstShapeError, JsonApiError, OAuthError, SimulatorError
from .extra import SimulatorExtraMissing, require_simulator_extra
from .fault_settings import FaultSettings
from .records import Principal
from .settings import KeySpec, SimulatorSettings, parse_key_spec
from .store import Store

if TYPE_CHECKING:
    from .app import create_app
    from .faults import ConnectionDropped
    from .process import SimulatorProcess

__all__ = [
    "ConnectionDropped",
    "FaultSettings",
    "FirstShapeError",
    "JsonApiError",
    "KeySpec",
    "OAuthError",
    "Principal",
    "SimulatorError",
    "SimulatorExtraMissing",
    "SimulatorProcess",
    "SimulatorSettings",
    "Store",
    "create_app",
    "parse_key_spec",
]

# Names imported on first use: name -> (submodule, whether it needs the web stack). `SimulatorProcess` is the
# parent's side (httpx), which the server process never needs.
_ON_FIRST_USE = {
    "create_app": (".app", True),
    "ConnectionDropped": (".faults", True),
    "SimulatorProcess": (".process", False),
}


def __getattr__(name: str) -> Any:
    """Import a name of ``_ON_FIRST_USE`` when first asked for, after checking the extra where it needs it."""
    if name not in _ON_FIRST_USE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    submodule, needs_extra = _ON_FIRST_USE[name]
    if needs_extra:
        require_simulator_extra()
    value = getattr(importlib.import_module(submodule, __name__), name)
    globals()[name] = value
    return value
