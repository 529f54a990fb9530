"""Values not known yet: what a preview passes to ``check`` and ``diff`` for outputs still to be computed.

With pulumi 3.272 the provider host passes ``pulumi.output.Unknown`` instances; older paths pass the
sentinel string ``pulumi.runtime.rpc.UNKNOWN``. Both count as unknown.

This module never imports pulumi, so that the API client (``client`` -> ``models`` -> here) loads without it:
a placeholder can only exist where pulumi made it, so the pulumi modules that define them are looked up in
``sys.modules``, and where they are not loaded nothing is unknown.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["contains_unknown", "is_unknown"]

# Where pulumi defines its placeholders: the class of unknown outputs, and the sentinel string of the RPC layer.
_UNKNOWN_CLASS = ("pulumi.output", "Unknown")
_UNKNOWN_SENTINEL = ("pulumi.runtime.rpc", "UNKNOWN")


def _loaded(where: tuple[str, str]) -> Any:
    """The attribute of a pulumi module if that module is loaded, else None (never imports it)."""
    module = sys.modules.get(where[0])
    return None if module is None else getattr(module, where[1], None)


def is_unknown(value: Any) -> bool:
    """Whether ``value`` itself is a placeholder for a value not known yet."""
    unknown_class = _loaded(_UNKNOWN_CLASS)
    if unknown_class is not None and isinstance(value, unknown_class):
        return True
    if not isinstance(value, str):
        return False
    sentinel = _loaded(_UNKNOWN_SENTINEL)
    return sentinel is not None and value == sentinel


def contains_unknown(value: Any) -> bool:
    """Whether ``value`` is unknown or holds an unknown anywhere inside."""
    if is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v) for v in value)
    return False
