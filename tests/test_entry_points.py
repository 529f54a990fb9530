"""Each entry point imported in a fresh interpreter, and what it loaded: the project's modules and third-party
packages in `sys.modules` afterwards. The layers hold at run time, not only in the source text.

- the resources (`kustomer_provider`, then `KustomerPrivateApp`): pulumi, never the simulator or its web stack;
- a program's imports (those of `__main__.py`): the resources, but not the API client nor httpx;
- the API client (`kustomer_provider.client`): no pulumi, no web stack, no resource;
- the simulator (`kustomer_provider.simulator`, `create_app`, `python -m kustomer_provider.simulator --help`):
  no pulumi and no module of the provider;
- the OAuth helper (`kustomer_provider.oauth`, `python -m kustomer_provider.oauth --help`): no pulumi, no web
  stack, no resource, no API client.
- the rehearsal's command line (`python -m kustomer_provider.rehearsal --help`): nothing but itself until it runs
  (no pulumi, no grpc, no web stack, no provider module);
- the pytest plugin (`kustomer_provider.testing`, which pytest loads for everyone who has the package): only
  itself and pytest.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass

import pytest

from tests.support.paths import REPO_ROOT

WEB_STACK = {"fastapi", "starlette", "uvicorn", "multipart"}
RESOURCES = {
    "kustomer_provider.private_app",
    "kustomer_provider.app_secret",
    "kustomer_provider.app_installs",
    "kustomer_provider.registered_client",
    "kustomer_provider.resource_provider",
    "kustomer_provider.provider_process",
}

# Runs `action` in a fresh interpreter, then prints what got loaded (after the action's own output).
PROBE = """
import json, sys
{action}
print("\\nLOADED " + json.dumps(sorted(sys.modules)))
"""

# `python -m <module> --help`, in the same interpreter as the probe (argparse exits after the help).
RUN_MODULE_HELP = """
import runpy
sys.argv = ["{module}", "--help"]
try:
    runpy.run_module("{module}", run_name="__main__", alter_sys=True)
except SystemExit as exit:
    assert exit.code in (0, None), exit.code
"""


@dataclass(frozen=True)
class Loaded:
    """What an entry point loaded: the project's modules and the third-party top-level packages."""

    output: str
    modules: frozenset[str]

    @property
    def project(self) -> set[str]:
        return {m for m in self.modules if m == "kustomer_provider" or m.startswith("kustomer_provider.")}

    @property
    def provider(self) -> set[str]:
        """Project modules outside the simulator (the package's own `__init__` aside: every import runs it)."""
        return {m for m in self.project - {"kustomer_provider"} if not m.startswith("kustomer_provider.simulator")}

    @property
    def third_party(self) -> set[str]:
        tops = {m.split(".")[0] for m in self.modules}
        return {t for t in tops if t not in sys.stdlib_module_names and not t.startswith("_")} - {"kustomer_provider"}


def load(action: str) -> Loaded:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE.format(action=textwrap.dedent(action))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    output, _, loaded = completed.stdout.rpartition("\nLOADED ")
    return Loaded(output=output, modules=frozenset(json.loads(loaded)))


def test_the_package_alone_loads_no_resource_and_no_pulumi() -> None:
    loaded = load("import kustomer_provider")
    assert loaded.project == {"kustomer_provider"}
    assert "pulumi" not in loaded.third_party


def test_the_resources_load_pulumi_and_never_the_simulator() -> None:
    loaded = load("import kustomer_provider\nkustomer_provider.KustomerPrivateApp")
    assert {"kustomer_provider.private_app", "kustomer_provider.provider_process"} <= loaded.project
    assert "pulumi" in loaded.third_party
    assert not any(m.startswith(("kustomer_provider.simulator", "kustomer_provider.oauth")) for m in loaded.project)
    assert not loaded.third_party & WEB_STACK


def program_imports() -> str:
    """The import statements of the stack's program (`__main__.py`), read from it, so they never drift."""
    tree = ast.parse((REPO_ROOT / "__main__.py").read_text())
    return "\n".join(ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)))


def test_a_program_loads_no_http_client() -> None:
    """A Pulumi program declares resources and never calls Kustomer: the API client and httpx load in the
    provider process only (on its first create), so the program's start-up does not pay for them."""
    imports = program_imports()
    assert "kustomer_provider.stack_config" in imports  # the program's own imports, not an empty probe
    loaded = load(imports)
    assert RESOURCES <= loaded.project
    assert "kustomer_provider.client" not in loaded.project
    assert not loaded.third_party & {"httpx", "httpcore"}


def test_the_api_client_loads_no_pulumi_no_web_stack_and_no_resource() -> None:
    loaded = load("import kustomer_provider.client")
    assert {"kustomer_provider.client", "kustomer_provider.answers"} <= loaded.project
    assert {"httpx", "pydantic"} <= loaded.third_party
    assert not loaded.third_party & (WEB_STACK | {"pulumi"})
    assert not loaded.project & RESOURCES
    assert not any(m.startswith(("kustomer_provider.simulator", "kustomer_provider.oauth")) for m in loaded.project)


@pytest.mark.parametrize(
    "action",
    [
        "import kustomer_provider.simulator",
        "from kustomer_provider.simulator import create_app",
        RUN_MODULE_HELP.format(module="kustomer_provider.simulator"),
    ],
    ids=["package", "create_app", "python -m --help"],
)
def test_the_simulator_loads_no_pulumi_and_no_provider_module(action: str) -> None:
    loaded = load(action)
    assert "kustomer_provider.simulator" in loaded.project
    assert loaded.provider == set()
    assert "pulumi" not in loaded.third_party
    if "create_app" in action:
        assert {"fastapi", "starlette"} <= loaded.third_party
    if "--help" in action:
        assert "--state-file" in loaded.output


def test_the_simulator_package_loads_its_web_stack_only_when_asked() -> None:
    assert not load("import kustomer_provider.simulator").third_party & WEB_STACK


def test_the_rehearsals_command_line_loads_nothing_heavy_before_it_runs() -> None:
    loaded = load(RUN_MODULE_HELP.format(module="kustomer_provider.rehearsal"))
    assert "usage: python -m kustomer_provider.rehearsal" in loaded.output and "--state FILE" in loaded.output
    assert loaded.project == {"kustomer_provider", "kustomer_provider.rehearsal", "kustomer_provider.rehearsal.cli"}
    assert not loaded.third_party & (WEB_STACK | {"pulumi", "grpc", "yaml", "httpx"})


def test_the_pytest_plugin_is_cheap_to_load() -> None:
    loaded = load("import kustomer_provider.testing")
    assert loaded.project == {"kustomer_provider", "kustomer_provider.testing"}
    assert not loaded.third_party & (WEB_STACK | {"pulumi", "grpc", "yaml", "httpx", "pydantic"})


@pytest.mark.parametrize(
    "action",
    ["import kustomer_provider.oauth", RUN_MODULE_HELP.format(module="kustomer_provider.oauth")],
    ids=["package", "python -m --help"],
)
def test_the_oauth_helper_loads_no_pulumi_no_web_stack_no_resource_and_no_client(action: str) -> None:
    loaded = load(action)
    assert "kustomer_provider.oauth.cli" in loaded.project
    assert not loaded.third_party & (WEB_STACK | {"pulumi"})
    assert not loaded.project & (RESOURCES | {"kustomer_provider.client", "kustomer_provider.answers"})
    assert not any(m.startswith("kustomer_provider.simulator") for m in loaded.project)
    if "--help" in action:
        assert "usage:" in loaded.output
