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
from .process import SimulatorProcess
from .records import Principal
from .settings import KeySpec, SimulatorSettings, parse_key_spec
from .store import Store

if TYPE_CHECKING:
    from .app import create_app
    from .faults import ConnectionDropped

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

# Names served from modules that import the web stack: name -> submodule.
_NEEDS_EXTRA = {"create_app": ".app", "ConnectionDropped": ".faults"}


def __getattr__(name: str) -> Any:
    """Import the web-stack names on first use, after checking the extra is installed."""
    if name in _NEEDS_EXTRA:
        require_simulator_extra()
        value = getattr(importlib.import_module(_NEEDS_EXTRA[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
