"""The layer contracts hold, and they are enforced: `lint-imports` fails, naming the contract, on a copy of the
package with one forbidden import added, and passes on the untouched copy. No import cycle between any two of
the package's modules, TYPE_CHECKING imports included (grimp, import-linter's graph library).

Each check lints or reads a copy in its own interpreter (PYTHONPATH puts the copy first), so the installed
package is never touched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

CLIENT_NO_PULUMI = "The API client, the simulator and the OAuth helper never import pulumi"
SIMULATOR_ALONE = "The simulator imports nothing else from kustomer_provider"
OAUTH_ALONE = "The OAuth helper uses only the pulumi-free bottom of the package"
PROVIDER_LAYERS = "Provider: program side -> resources -> shared provider work"
PROVIDER_WITHOUT_SIMULATOR = "No provider module imports the simulator"
REHEARSAL_BESIDE = "The rehearsal and the testing plugin import no provider module"
ACYCLIC = "No import cycles between the siblings of any package"
INVENTORY_ALONE = "The inventory command never imports pulumi or a resource"

# Run in a child interpreter: every strongly connected component of two or more modules (or a module importing
# itself) in the package's import graph, TYPE_CHECKING imports counted (grimp's default).
FIND_CYCLES = """
import json, grimp
graph = grimp.build_graph("kustomer_provider", cache_dir=None)
modules = sorted(graph.modules)
edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
index, low, stack, on_stack, cycles = {}, {}, [], set(), []
def visit(root):
    work = [(root, iter(edges[root]))]
    index[root] = low[root] = len(index)
    stack.append(root); on_stack.add(root)
    while work:
        node, children = work[-1]
        child = next(children, None)
        if child is not None:
            if child not in index:
                index[child] = low[child] = len(index)
                stack.append(child); on_stack.add(child)
                work.append((child, iter(edges[child])))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
            continue
        work.pop()
        if work:
            low[work[-1][0]] = min(low[work[-1][0]], low[node])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop(); on_stack.discard(member); component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges[node]:
                cycles.append(sorted(component))
for module in modules:
    if module not in index:
        visit(module)
print(json.dumps({"modules": len(modules), "cycles": sorted(cycles)}))
"""


def copy_project(tmp_path: Path) -> Path:
    """The package and the import-linter configuration, copied into `tmp_path`."""
    shutil.copytree(
        REPO_ROOT / "kustomer_provider",
        tmp_path / "kustomer_provider",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_line(root: Path, module: str, line: str) -> None:
    """Append `line` to a module of the copy (a forbidden import)."""
    path = root / "kustomer_provider" / module
    path.write_text(path.read_text() + f"\n{line}\n")


def child_env(root: Path) -> dict[str, str]:
    # The copy first on the path; a wide terminal so that no contract name is wrapped in the report.
    return {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "400", "NO_COLOR": "1"}


def lint(root: Path) -> tuple[int, dict[str, str]]:
    """`lint-imports` on the copy at `root`: exit code, and each contract's verdict (name -> KEPT/BROKEN)."""
    completed = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=child_env(root),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    verdicts = dict(re.findall(r"^(.+?) (KEPT|BROKEN)$", completed.stdout, re.MULTILINE))
    assert verdicts, completed.stdout + completed.stderr
    return completed.returncode, verdicts


def cycles_in(root: Path | None) -> dict[str, object]:
    """The module-level import cycles of the package (the copy at `root`, or the repository's)."""
    env = child_env(root) if root is not None else dict(os.environ)
    completed = subprocess.run(
        [sys.executable, "-c", FIND_CYCLES],
        cwd=root or REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, object] = json.loads(completed.stdout)
    return result


def broken(verdicts: dict[str, str]) -> list[str]:
    return sorted(name for name, verdict in verdicts.items() if verdict == "BROKEN")


def test_every_contract_is_kept_on_an_untouched_copy(tmp_path: Path) -> None:
    code, verdicts = lint(copy_project(tmp_path))
    configured = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    assert code == 0 and broken(verdicts) == []
    assert sorted(verdicts) == sorted(contract["name"] for contract in configured)


@pytest.mark.parametrize(
    ("module", "line", "contracts"),
    [
        # The simulator reaching into the provider (and, through the resource, pulumi).
        # (the rehearsal starts the simulator, so through it the rehearsal would reach a resource too)
        (
            "simulator/rules.py",
            "import kustomer_provider.private_app",
            {SIMULATOR_ALONE, CLIENT_NO_PULUMI, REHEARSAL_BESIDE},
        ),
        # The API client importing pulumi (the inventory, which uses the client, would load it too).
        ("client.py", "import pulumi", {CLIENT_NO_PULUMI, INVENTORY_ALONE}),
        # The OAuth helper using a resource.
        ("oauth/pkce.py", "from .. import app_secret", {OAUTH_ALONE, CLIENT_NO_PULUMI}),
        # A low layer importing a high one (no cycle: stack_config does not import pacing).
        ("pacing.py", "from . import stack_config", {PROVIDER_LAYERS}),
        # A provider module importing the simulator.
        # (the OAuth helper and the inventory use connection, so their contracts break too)
        (
            "connection.py",
            "from .simulator import rules",
            {PROVIDER_WITHOUT_SIMULATOR, OAUTH_ALONE, INVENTORY_ALONE},
        ),
        # A provider module importing the rehearsal (the engine's stand-in).
        ("connection.py", "from .rehearsal import project", {PROVIDER_WITHOUT_SIMULATOR}),
        # The simulator importing the rehearsal.
        # (and, since the rehearsal imports the simulator, the two would import each other)
        ("simulator/rules.py", "from ..rehearsal import project", {SIMULATOR_ALONE, ACYCLIC}),
        # The rehearsal reaching into the provider instead of driving it through the provider host.
        ("rehearsal/engine.py", "from .. import errors", {REHEARSAL_BESIDE}),
        # The pytest plugin, likewise.
        ("testing/_stack.py", "from .. import client", {REHEARSAL_BESIDE}),
        # A cycle kept alive by a TYPE_CHECKING import still counts.
        (
            "simulator/records.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .store import Store",
            {ACYCLIC},
        ),
    ],
    ids=[
        "simulator-imports-provider",
        "client-imports-pulumi",
        "oauth-imports-resource",
        "upward-layer",
        "provider-imports-simulator",
        "provider-imports-rehearsal",
        "simulator-imports-rehearsal",
        "rehearsal-imports-provider",
        "testing-imports-provider",
        "type-checking-cycle",
    ],
)
def test_a_forbidden_import_breaks_the_contract_that_forbids_it(
    tmp_path: Path, module: str, line: str, contracts: set[str]
) -> None:
    root = copy_project(tmp_path)
    add_line(root, module, line)
    code, verdicts = lint(root)
    assert code == 1
    assert {next(name for name in verdicts if name.startswith(c)) for c in contracts} == set(broken(verdicts))


def test_the_provider_module_lists_name_every_module_of_the_provider_layers() -> None:
    """The forbidden contracts list the provider's modules one by one; the layers contract is exhaustive, so a new
    module is placed in a layer: it must be in those lists too, or the rehearsal could import it unseen."""
    contracts = {
        c["id"]: c
        for c in tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    }
    layered = {
        f"kustomer_provider.{module.strip()}"
        for layer in contracts["provider-layers"]["layers"]
        for module in layer.split("|")
    }
    assert set(contracts["provider-without-simulator"]["source_modules"]) == layered | {"kustomer_provider.oauth"}
    assert set(contracts["rehearsal-beside-the-provider"]["forbidden_modules"]) == layered | {"kustomer_provider.oauth"}


def test_no_import_cycle_between_any_two_modules() -> None:
    found = cycles_in(None)
    assert found["cycles"] == [] and isinstance(found["modules"], int) and found["modules"] > 50


def test_the_cycle_finder_sees_a_type_checking_cycle(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    add_line(
        root, "simulator/records.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import store"
    )
    cycles = cycles_in(root)["cycles"]
    assert isinstance(cycles, list) and len(cycles) == 1
    assert {"kustomer_provider.simulator.records", "kustomer_provider.simulator.store"} <= set(cycles[0])
