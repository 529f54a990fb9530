"""The OAuth helper and the provider stay apart: neither imports the other's modules, and the helper's
public names are all there."""

from __future__ import annotations

import ast
from pathlib import Path

import kustomer_provider.oauth as oauth
from tests.support.paths import REPO_ROOT


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names


def test_the_helper_and_the_provider_stay_apart() -> None:
    package = REPO_ROOT / "kustomer_provider"
    for source in sorted((package / "oauth").glob("*.py")):
        assert not any("simulator" in name for name in imports_of(source)), source.name
    for source in sorted(package.glob("*.py")):
        assert not any("oauth" in name.split(".") for name in imports_of(source)), source.name
    assert len(set(oauth.__all__)) == len(oauth.__all__) and all(hasattr(oauth, n) for n in oauth.__all__)
