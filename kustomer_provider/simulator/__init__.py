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

# Names served from modules that import the web stack: name -> submodule.
_NEEDS_EXTRA = {"create_app": ".app", "ConnectionDropped": ".faults"}
# Names served on first use without the extra: the parent's side (httpx), which the server process never needs.
_ON_FIRST_USE = {"SimulatorProcess": ".process"}


def __getattr__(name: str) -> Any:
    """Import the web-stack names on first use, after checking the extra is installed (and the parent's
    ``SimulatorProcess`` on first use, so that the server process does not load httpx)."""
    if name in _NEEDS_EXTRA:
        require_simulator_extra()
    elif name not in _ON_FIRST_USE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module({**_NEEDS_EXTRA, **_ON_FIRST_USE}[name], __name__), name)
    globals()[name] = value
    return value
