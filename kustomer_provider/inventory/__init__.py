"""The org's OAuth apps at a glance: ``python -m kustomer_provider.inventory`` (docs/inventory.md).

Reads every private app of the org (two paged listings), and which stack holds each from state exports
(``pulumi stack export``); flags unmanaged apps, conflicts, drift and secrets due for rotation; prints a table or
JSON, with an exit status for CI; and prints what takes an unmanaged app over (``--adopt``). Loads no pulumi.
"""

from __future__ import annotations

from .cli import main
from .exports import ExportError, StackHoldings, read_export
from .report import FINDING_KINDS, Report, broad_roles, build_report

__all__ = [
    "FINDING_KINDS",
    "ExportError",
    "Report",
    "StackHoldings",
    "broad_roles",
    "build_report",
    "main",
    "read_export",
]
