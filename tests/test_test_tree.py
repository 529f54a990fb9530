"""The test tree keeps its shape: no test module imports another, and the unit tests mirror the code.

- A test module, a conftest file or a support module imports from ``tests`` only ``tests.support`` (the
  shared helpers and types; the engine's stand-in is the package's own ``kustomer_provider.rehearsal``). So no
  test depends on another test module, and moving or deleting a test file never breaks another.
- ``tests/unit/<folder>/test_<module>.py`` (or ``test_<module>_<topic>.py``) tests
  ``kustomer_provider/<folder>/<module>.py``: a unit file named for no module fails, naming itself.

Both read the files with ``ast`` (nothing is imported), relative imports resolved against the file's package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT

TESTS = REPO_ROOT / "tests"
PACKAGE = REPO_ROOT / "kustomer_provider"
#: What each part of the tree may import from ``tests`` (a module's dotted name starts with one of these).
ALLOWED = {
    "support": ("tests.support",),
    "tests": ("tests.support",),
}


def module_name(path: Path) -> str:
    """``tests/contract/test_oauth.py`` -> ``tests.contract.test_oauth`` (a package's ``__init__`` is the package)."""
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[tuple[int, list[str]]]:
    """``(line, dotted names)`` of every import statement in the file, at any depth, relative ones resolved.

    ``from X import a`` gives ``X`` and ``X.a``: the name imported may be a module (``from tests import conftest``).
    """
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[int, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, [alias.name]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.append((node.lineno, [module, *(f"{module}.{alias.name}" for alias in node.names)]))
    return found


def part_of(path: Path) -> str:
    """Which rule applies: ``support`` or (every other file under tests) ``tests``."""
    first = path.relative_to(TESTS).parts[0]
    return first if first == "support" else "tests"


def forbidden(name: str, allowed: tuple[str, ...]) -> bool:
    """Whether ``name`` is a module (or a name in a module) under ``tests`` that is not under ``allowed``."""
    if not name.startswith("tests."):
        return False  # a third-party or project import, or the bare ``tests`` package
    return not any(name == a or name.startswith(f"{a}.") for a in allowed)


def forbidden_imports(path: Path) -> list[str]:
    """``file:line imports module``, once per import statement that reaches a tests module it may not."""
    allowed = ALLOWED[part_of(path)]
    problems = []
    for line, names in imported_modules(path):
        bad = next((name for name in names if forbidden(name, allowed)), None)
        if bad is not None:
            problems.append(f"{path.relative_to(REPO_ROOT)}:{line} imports {bad}")
    return problems


def python_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "__pycache__" not in p.parts)


def test_no_test_module_imports_another_test_module() -> None:
    problems = [problem for path in python_files() for problem in forbidden_imports(path)]
    assert problems == [], (
        "test modules import only tests.support; move what they share into tests/support/:\n" + "\n".join(problems)
    )


@pytest.mark.parametrize(
    ("where", "source", "expected"),
    [
        ("contract/test_x.py", "from .conftest import Target\n", ["tests.contract.conftest"]),
        ("contract/test_x.py", "from . import conftest\n", ["tests.contract"]),
        ("test_x.py", "from tests.test_order import mints_of\n", ["tests.test_order"]),
        ("test_x.py", "from tests import conftest\n", ["tests.conftest"]),
        ("oauth/test_x.py", "def f():\n    import tests.oauth.test_units\n", ["tests.oauth.test_units"]),
        ("unit/oauth/test_x.py", "from ..test_client import make_client\n", ["tests.unit.test_client"]),
        ("support/x.py", "from tests.test_lifecycle import APP\n", ["tests.test_lifecycle"]),
        # The engine's stand-in left the tests for the package: the old place is no support module.
        ("test_x.py", "from tests.harness.engine import Engine\n", ["tests.harness.engine"]),
        ("support/x.py", "from .paths import REPO_ROOT\nfrom kustomer_provider.rehearsal.engine import Engine\n", []),
        ("test_x.py", "from tests.support import paths\nfrom kustomer_provider.rehearsal.engine import Engine\n", []),
        ("test_x.py", "import httpx\nfrom kustomer_provider.tests import x\n", []),
    ],
)
def test_the_check_sees_every_way_of_importing_a_test_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, source: str, expected: list[str]
) -> None:
    """The check itself, on a copy of the tree's layout: each forbidden form is found, the allowed ones pass."""
    fake_root = tmp_path / "repo"
    path = fake_root / "tests" / where
    path.parent.mkdir(parents=True)
    path.write_text(source)
    monkeypatch.setattr(f"{__name__}.REPO_ROOT", fake_root)
    monkeypatch.setattr(f"{__name__}.TESTS", fake_root / "tests")
    found = [problem.split(" imports ")[1] for problem in forbidden_imports(path)]
    assert found == expected


def unit_test_files() -> list[Path]:
    return sorted(p for p in (TESTS / "unit").rglob("test_*.py"))


def module_tested_by(test_file: Path) -> Path | None:
    """The code module a unit file tests: the longest ``<module>`` with ``test_<module>[_<topic>].py``.

    A private module's underscore may be left out (``test_version.py`` tests ``_version.py``).
    """
    folder = PACKAGE.joinpath(*test_file.parent.relative_to(TESTS / "unit").parts)
    name = test_file.stem.removeprefix("test_")

    def named(module: Path) -> bool:
        return any(name == stem or name.startswith(f"{stem}_") for stem in {module.stem, module.stem.lstrip("_")})

    candidates = [m for m in folder.glob("*.py") if named(m)]
    return max(candidates, key=lambda m: len(m.stem)) if candidates else None


def test_every_unit_file_is_named_for_the_module_it_tests() -> None:
    unnamed = [str(p.relative_to(REPO_ROOT)) for p in unit_test_files() if module_tested_by(p) is None]
    assert unnamed == [], (
        "tests/unit mirrors kustomer_provider: name each file test_<module>.py or test_<module>_<topic>.py "
        f"after the module it tests (in the same subfolder): {unnamed}"
    )


def test_the_mirror_maps_topics_and_subpackages_to_their_module() -> None:
    """A real unit file of each kind is mapped to its module (so the check above cannot pass by mapping nothing)."""
    unit = TESTS / "unit"
    assert module_tested_by(unit / "test_client.py") == PACKAGE / "client.py"
    assert module_tested_by(unit / "test_client_install_progress.py") == PACKAGE / "client.py"
    assert module_tested_by(unit / "oauth" / "test_pkce.py") == PACKAGE / "oauth" / "pkce.py"
    assert module_tested_by(unit / "test_version.py") == PACKAGE / "_version.py"
    assert module_tested_by(unit / "test_nothing_here.py") is None
    assert {p.name for p in unit_test_files()} >= {"test_client.py", "test_pkce.py"}
