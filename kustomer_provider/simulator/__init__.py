"""Local simulator of the Kustomer Apps Platform (see docs/simulator.md).

It imports nothing from `kustomer_provider` outside this subpackage, and the provider never imports it.
"""

from .app import create_app
from .errors import FirstShapeError, JsonApiError, OAuthError, SimulatorError
from .faults import ConnectionDropped, FaultSettings
from .process import SimulatorProcess
from .settings import KeySpec, SimulatorSettings, parse_key_spec
from .store import Principal, Store

__all__ = [
    "ConnectionDropped",
    "FaultSettings",
    "FirstShapeError",
    "JsonApiError",
    "KeySpec",
    "OAuthError",
    "Principal",
    "SimulatorError",
    "SimulatorProcess",
    "SimulatorSettings",
    "Store",
    "create_app",
    "parse_key_spec",
]
