"""The simulator stands alone: no pulumi, nothing from the provider package.

This reads the source text (which third-party packages it names); what the simulator really loads is checked
in a fresh interpreter by tests/test_entry_points.py, and its imports by the layer contracts (tests/test_layers.py).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import kustomer_provider.simulator as simulator

#: The web stack, and cryptography (the simulator extra: apaleo's RS256 id tokens).
ALLOWED_THIRD_PARTY = {"fastapi", "starlette", "uvicorn", "httpx", "cryptography"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_simulator_imports_only_stdlib_and_its_web_stack() -> None:
    root = Path(simulator.__file__).parent
    sources = sorted(root.rglob("*.py"))
    assert len(sources) > 10
    for source in sources:
        for module in imported_modules(source):
            top = module.split(".")[0]
            assert top != "kustomer_provider", f"{source.name} imports {module}"
            assert top in ALLOWED_THIRD_PARTY or top in sys.stdlib_module_names or top == "__future__", (
                f"{source.name} imports {module}"
            )


def test_public_names() -> None:
    assert {"create_app", "SimulatorSettings", "SimulatorProcess"} <= set(simulator.__all__)
    assert simulator.__all__ == sorted(simulator.__all__)
    assert all(hasattr(simulator, name) for name in simulator.__all__)
