"""Values not known yet: what a preview passes to ``check`` and ``diff`` for outputs still to be computed.

With pulumi 3.272 the provider host passes ``pulumi.output.Unknown`` instances; older paths pass the
sentinel string ``pulumi.runtime.rpc.UNKNOWN``. Both count as unknown.
"""

from __future__ import annotations

from typing import Any

from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

__all__ = ["contains_unknown", "is_unknown"]


def is_unknown(value: Any) -> bool:
    """Whether ``value`` itself is a placeholder for a value not known yet."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


def contains_unknown(value: Any) -> bool:
    """Whether ``value`` is unknown or holds an unknown anywhere inside."""
    if is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v) for v in value)
    return False
