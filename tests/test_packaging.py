"""The built wheel, as a user's Pulumi project gets it: installed without the simulator's extra into a fresh
virtualenv, imported there, type-checked with ``mypy --strict``, and its index page free of repository links; and,
with the extra, a fresh project of the README's smallest program rehearsed from nothing (``up``, ``up`` again,
``refresh`` after its secret was revoked, the ``up`` that mints a new one, ``destroy``) and tested with the
pytest plugin.

Two tests over one wheel, because building and installing cost most of a minute: each checks one installed
virtualenv. They use pip's cache and the configured index, nothing else from the network.
"""

from __future__ import annotations

import email.parser
import json
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# What the build reads: pyproject.toml names the description (docs/pypi.md) and the license file.
BUILD_INPUTS = ("pyproject.toml", "LICENSE", "docs/pypi.md", "kustomer_provider")
EXTRA_HINT = "kustomer-pulumi[simulator]"

# Inside the fresh virtualenv: what a user's program sees of the installed package.
PROBE = textwrap.dedent(
    """
    import importlib.metadata, importlib.util, json
    import kustomer_provider
    from kustomer_provider import KustomerAppInstalls, KustomerAppSecret, KustomerPrivateApp
    from kustomer_provider.client import USER_AGENT
    from kustomer_provider.simulator import SimulatorExtraMissing, SimulatorProcess

    try:
        SimulatorProcess().start()
        process_error = None
    except SimulatorExtraMissing as exc:
        process_error = str(exc)
    print(json.dumps({
        "version": kustomer_provider.__version__,
        "metadata_version": importlib.metadata.version("kustomer-pulumi"),
        "user_agent": USER_AGENT,
        "file": kustomer_provider.__file__,
        "absent": [m for m in ("fastapi", "uvicorn", "multipart", "starlette") if importlib.util.find_spec(m) is None],
        "resources": [c.__name__ for c in (KustomerPrivateApp, KustomerAppSecret, KustomerAppInstalls)],
        "process_error": process_error,
    }))
    """
)

# Type-checked with mypy --strict against the installed wheel: each line must give exactly what it says.
TYPED_PROGRAM = textwrap.dedent(
    """
    import pulumi

    from kustomer_provider import KustomerAppInstalls, KustomerAppSecret, KustomerPrivateApp

    app = KustomerPrivateApp("crm", app="crm_sync", version="1.0.0", title="CRM sync", wait_for_install=False)
    installs = KustomerAppInstalls("installs", apps=[app])
    secret = KustomerAppSecret(
        "crm-secret", app_name=app.app_name, opts=pulumi.ResourceOptions(depends_on=[installs])
    )
    reveal_type(secret.client_secret)
    reveal_type(app.app_name)
    """
)
MISTYPED_PROGRAM = textwrap.dedent(
    """
    from kustomer_provider import KustomerAppSecret

    KustomerAppSecret("x", app_nme="crm_sync_0123")
    KustomerAppSecret("y", app_name="crm_sync_0123", rotate_after_days="90")
    """
)


def run(args: list[str | Path], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, check=False, **kwargs)


def pins(requirements: Path) -> list[str]:
    """The ``name==version`` lines of a requirements file: the versions the suite runs (and pip has cached)."""
    return [line for line in requirements.read_text().splitlines() if re.fullmatch(r"[A-Za-z0-9_.-]+==\S+", line)]


def long_description_program(description: str) -> str:
    """The first Python block of the long description: the smallest program a reader copies."""
    match = re.search(r"```python\n(.*?)```", description, re.DOTALL)
    assert match, "the long description shows no program"
    return match.group(1)


def build_wheel(folder: Path) -> Path:
    """The wheel, built from a clean copy of the sources (an in-tree build would package whatever an earlier build
    left in build/)."""
    source, dist = folder / "src", folder / "dist"
    for name in BUILD_INPUTS:
        origin, target = REPO_ROOT / name, source / name
        if origin.is_dir():
            shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target)
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, source])
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("kustomer_pulumi-*-py3-none-any.whl")
    return wheel


# Both tests are long (most of a minute each, more on a busy machine): marked slow, they start first (conftest).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def test_the_wheel_installs_without_the_simulator_imports_and_type_checks_strictly(tmp_path: Path, wheel: Path) -> None:
    started = time.perf_counter()
    venv = tmp_path / "venv"

    # The wheel's contents and metadata.
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = email.parser.Parser().parsestr(archive.read(metadata_name).decode())
        licenses = [n for n in names if "/licenses/" in n]
        license_text = archive.read(licenses[0]).decode() if licenses else ""
    assert "kustomer_provider/py.typed" in names
    # The pytest plugin, registered where pytest looks for plugins.
    (entry_points_name,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    with zipfile.ZipFile(wheel) as archive:
        entry_points = archive.read(entry_points_name).decode()
    assert "[pytest11]\nkustomer_provider = kustomer_provider.testing" in entry_points
    sources = {p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "kustomer_provider").rglob("*.py")}
    assert sources - set(names) == set()  # every module ships, the simulator's included
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "examples/"))]
    assert metadata["License-Expression"] == "Apache-2.0"
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    requires = metadata.get_all("Requires-Dist") or []
    core = {re.split(r"[ <>=;\[]", r)[0].lower() for r in requires if "extra ==" not in r}
    extra = {re.split(r"[ <>=;\[]", r)[0].lower() for r in requires if 'extra == "simulator"' in r}
    # semver is pulumi's own dependency, declared because versions.SemVer imports it.
    assert core == {"pulumi", "httpx", "pydantic", "semver"}
    # The simulator's web stack (and apaleo's RS256 keys), and what the rehearsal (kustomer_provider.rehearsal)
    # imports itself.
    assert extra == {"fastapi", "uvicorn", "python-multipart", "cryptography", "pyyaml", "grpcio"}
    urls = dict(u.split(", ", 1) for u in metadata.get_all("Project-URL") or [])
    assert {"Source", "Documentation", "Changelog", "Issues"} <= set(urls)
    assert "Typing :: Typed" in (metadata.get_all("Classifier") or [])
    # The long description is read on an index, away from the repository: every link must be absolute.
    description = metadata.get_payload()
    assert isinstance(description, str) and "kustomer_provider" in description
    links = re.findall(r"\]\(([^)\s]+)\)", description) + re.findall(r'(?:href|src)="([^"]+)"', description)
    assert links, "the long description links nowhere"
    relative = [link for link in links if not re.match(r"https?://", link)]
    assert relative == [], f"relative links in the wheel's long description: {relative}"

    # A fresh virtualenv without the extra, pinned to the versions the suite runs.
    assert run([sys.executable, "-m", "venv", venv]).returncode == 0
    python = venv / "bin" / "python"
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("\n".join(pins(REPO_ROOT / "requirements.txt")) + "\n")
    installed = run([python, "-m", "pip", "install", "--quiet", "-c", constraints, wheel])
    assert installed.returncode == 0, installed.stderr

    probe = run([python, "-c", PROBE], cwd=tmp_path)  # not the repository: only the installed package is found
    assert probe.returncode == 0, probe.stderr
    seen = json.loads(probe.stdout)
    assert seen["file"].startswith(str(venv))
    assert seen["version"] == seen["metadata_version"] == wheel.name.split("-")[1]
    assert seen["user_agent"].startswith(f"kustomer-pulumi/{seen['version']} ")
    assert seen["absent"] == ["fastapi", "uvicorn", "multipart", "starlette"]
    assert seen["resources"] == ["KustomerPrivateApp", "KustomerAppSecret", "KustomerAppInstalls"]
    assert seen["process_error"] and EXTRA_HINT in seen["process_error"]

    # The simulator's command line says which extra to install, without a traceback.
    simulator = run([python, "-m", "kustomer_provider.simulator", "--port", "0"], cwd=tmp_path)
    assert simulator.returncode == 1
    assert EXTRA_HINT in simulator.stderr and "fastapi" in simulator.stderr
    assert "Traceback" not in simulator.stderr and simulator.stdout == ""

    # So does a rehearsal, which starts one (its project read first: the README's program and a stack file).
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(SMALLEST_PROJECT)
    (project / "__main__.py").write_text(readme_program())
    (project / "Pulumi.dev.yaml").write_text("config:\n  kustomer:orgName: acme\n")
    rehearsal = run([python, "-m", "kustomer_provider.rehearsal", "up"], cwd=project)
    assert rehearsal.returncode == 1
    assert EXTRA_HINT in rehearsal.stderr and "Traceback" not in rehearsal.stdout + rehearsal.stderr

    # mypy --strict against the installed wheel (this suite's mypy, the fresh venv's site-packages).
    (tmp_path / "typed.py").write_text(TYPED_PROGRAM)
    (tmp_path / "mistyped.py").write_text(MISTYPED_PROGRAM)
    (tmp_path / "described.py").write_text(long_description_program(description))
    (tmp_path / "mypy.ini").write_text("[mypy]\n")
    mypy = [sys.executable, "-m", "mypy", "--strict", "--config-file", "mypy.ini", "--python-executable", python]
    checked = run(
        [*mypy, "--cache-dir", tmp_path / ".mypy_cache", "typed.py", "mistyped.py", "described.py"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    report = checked.stdout
    assert checked.returncode == 1, report + checked.stderr  # errors found, mypy itself did not crash
    for line in (11, 12):  # mypy 2 prints `str`, older ones `builtins.str`
        revealed = rf'^typed\.py:{line}: note: Revealed type is "pulumi\.output\.Output\[(builtins\.)?str\]"$'
        assert re.search(revealed, report, re.MULTILINE), report
    assert re.search(r'mistyped\.py:4: error: Unexpected keyword argument "app_nme" for "KustomerAppSecret"', report)
    assert re.search(r"mistyped\.py:5: error: Argument \"rotate_after_days\" .* incompatible type \"str\"", report)
    errors = [line for line in report.splitlines() if ": error:" in line]
    # Only the two planted mistakes: the typed program and the description's program are clean.
    assert len(errors) == 2 and all(e.startswith("mistyped.py:") for e in errors), report
    print(f"wheel {wheel.name}: {wheel.stat().st_size} bytes; test took {time.perf_counter() - started:.1f} s")


SMALLEST_PROJECT = "name: crm\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n"
PLUGIN_TEST = textwrap.dedent(
    """
    import pytest

    @pytest.mark.kustomer_stack(config={"kustomer:orgName": "acme"})
    def test_the_secret_stays_secret(kustomer_stack):
        assert kustomer_stack.outputs["client_secret"].secret
        assert not kustomer_stack.outputs["client_id"].secret
    """
)


def readme_program() -> str:
    """The README's smallest program: its first Python block."""
    match = re.search(r"```python\n(.*?)```", (REPO_ROOT / "README.md").read_text(), re.DOTALL)
    assert match, "the README shows no program"
    return match.group(1)


def stack_outputs(stdout: str) -> dict[str, Any]:
    _, _, rest = stdout.partition("Stack outputs")
    outputs, _ = json.JSONDecoder().raw_decode(rest[rest.index("{") :])
    assert isinstance(outputs, dict)
    return outputs


def test_a_fresh_project_with_the_wheel_rehearses_its_program_and_tests_it(tmp_path: Path, wheel: Path) -> None:
    started = time.perf_counter()
    venv, project = tmp_path / "venv", tmp_path / "project"
    assert run([sys.executable, "-m", "venv", venv]).returncode == 0
    python = venv / "bin" / "python"
    constraints = tmp_path / "constraints.txt"
    pins_used = pins(REPO_ROOT / "requirements.txt") + [
        p for p in pins(REPO_ROOT / "requirements-dev.txt") if p.startswith("pytest==")
    ]
    constraints.write_text("\n".join(pins_used) + "\n")
    installed = run([python, "-m", "pip", "install", "--quiet", "-c", constraints, f"{wheel}[simulator]", "pytest"])
    assert installed.returncode == 0, installed.stderr

    # The project: the README's program, a stack file, nothing of this repository.
    project.mkdir()
    (project / "Pulumi.yaml").write_text(SMALLEST_PROJECT)
    (project / "__main__.py").write_text(readme_program())
    (project / "Pulumi.dev.yaml").write_text("config:\n  kustomer:orgName: acme\n")
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    rehearse = [python, "-m", "kustomer_provider.rehearsal"]

    def rehearsal(*args: str) -> subprocess.CompletedProcess[str]:
        completed = run(
            [*rehearse, *args, "--state", "stack.json", "--simulator-arg=--install-ms=150"], cwd=project, env=env
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert "Traceback" not in completed.stdout + completed.stderr
        return completed

    up = rehearsal("up", "--outputs-file", "outputs.json")
    assert "2 create (crm-sync, crm-sync-secret)" in up.stdout
    shown, written = stack_outputs(up.stdout), json.loads((project / "outputs.json").read_text())
    assert shown["client_secret"] == "[secret]" and written["client_secret"] not in up.stdout + up.stderr
    assert shown["client_id"] == written["client_id"] and re.fullmatch(r"[0-9a-f]{24}", shown["client_id"])
    assert written["client_secret"] not in (project / "stack.json").read_text()

    assert "2 unchanged" in rehearsal("up").stdout

    # The app's secret revoked behind the stack's back (a mint through the simulator's API, with its dev key):
    # refresh says so, and the next up mints a new one.
    kept = subprocess.Popen(
        [*rehearse, "up", "--state", "stack.json", "--keep-simulator"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert kept.stdout is not None
        url = next(m.group(1) for line in kept.stdout if (m := re.search(r"keeps running at (http://\S+);", line)))
        state = httpx.get(f"{url}/_sim/state", timeout=10).json()
        (app_name,) = state["orgs"]["acme"]["apps"]
        minted = httpx.post(
            f"{url}/v1/apps/available/{app_name}/secret/",
            json={},
            headers={"Authorization": "Bearer sim-dev-admin-key"},
            timeout=10,
        )
        assert minted.status_code == 200
        refreshed = rehearsal("refresh", "--base-url", url)
        assert "no longer works" in refreshed.stdout and "2 read" in refreshed.stdout
        minting = rehearsal("up", "--base-url", url, "--outputs-file", "outputs.json")
        assert "1 replace, 1 unchanged" in minting.stdout
        fresh = json.loads((project / "outputs.json").read_text())
        assert fresh["client_id"] == written["client_id"] and fresh["client_secret"] != written["client_secret"]
    finally:
        kept.send_signal(signal.SIGTERM)
        assert kept.wait(timeout=30) == 128 + signal.SIGTERM

    assert "2 delete" in rehearsal("destroy").stdout

    # The pytest plugin, from the wheel's entry point: the program brought up, tested, destroyed.
    (project / "tests").mkdir()
    (project / "tests" / "test_stack.py").write_text(PLUGIN_TEST)
    tested = run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=project, env=env)
    assert tested.returncode == 0 and "1 passed" in tested.stdout, tested.stdout + tested.stderr
    print(f"fresh project with {wheel.name}: {time.perf_counter() - started:.1f} s")
