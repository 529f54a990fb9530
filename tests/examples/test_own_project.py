"""examples/own-project, a standalone Pulumi project of a user, run by the engine harness against the simulator
from ``up`` to ``destroy``: its own project name, two apps installed together, each secret minted after the
installs and kept secret; and its requirements file installs this package from the project's folder."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import yaml

from kustomer_provider.rehearsal.engine import Engine
from kustomer_provider.simulator import SimulatorProcess
from tests.support.paths import REPO_ROOT
from tests.support.request_log import first_seen_installed, mints_of

PROJECT_DIR = REPO_ROOT / "examples" / "own-project"
APPS = {"crmSync": "crm_sync", "helpdeskBot": "helpdesk_bot"}


def test_the_own_project_example_runs_up_to_destroy(tmp_path: Path, simulator: SimulatorProcess) -> None:
    project = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())["name"]
    assert project != "kustomer"  # a project of its own: the provider's keys keep their kustomer: namespace
    engine = Engine(
        tmp_path / "stack",
        config={"kustomer:orgName": "acme", "kustomer:baseUrl": simulator.url},
        secret_config={"kustomer:apiKey": simulator.api_key},
        program=PROJECT_DIR / "__main__.py",
        project=project,
    )
    since = simulator.last_request()
    result = engine.up()
    log = simulator.requests(since)

    assert sorted(result.ops("create")) == [
        "crm-sync",
        "crm-sync-secret",
        "helpdesk-bot",
        "helpdesk-bot-secret",
        "installs",
    ]
    assert all(f"::{project}::" in urn for urn, _, _ in result.steps)
    org = simulator.state()["orgs"]["acme"]
    outputs = result.outputs
    for prefix, app in APPS.items():
        name = outputs[f"{prefix}AppName"]
        assert name == f"{app}_{org['id']}"
        # The client secret is a secret output; the client id and app name are plain.
        assert result.is_secret(f"{prefix}ClientSecret")
        assert not result.is_secret(f"{prefix}ClientId") and not result.is_secret(f"{prefix}AppName")
        secret = outputs[f"{prefix}ClientSecret"]
        assert outputs[f"{prefix}ClientId"] == org["apps"][name]["clientId"]
        # It is the secret Kustomer holds now, minted once.
        assert hashlib.sha256(secret.encode()).hexdigest()[:16] == org["apps"][name]["secret"]["current_fingerprint"]
        assert org["apps"][name]["secret"]["minted"] == 1
        # Minted only after an install poll saw the app installed (Kustomer's documented order).
        (mint,) = mints_of(log, name)
        assert mint["status"] == 200
        assert mint["started_tick"] > first_seen_installed(log, name)["finished_tick"]
    secrets = [outputs[f"{prefix}ClientSecret"] for prefix in APPS]
    assert engine.leaks([simulator.api_key, *secrets]) == []
    assert not any(s in result.provider_stderr for s in secrets)

    destroyed = engine.destroy()
    assert sorted(destroyed.ops("delete")) == sorted(result.ops("create"))
    assert len(engine.state) == 0
    assert sum("Kustomer keeps app" in w for w in destroyed.warnings) == 2


def test_the_examples_requirements_install_this_package_from_its_folder(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    # What pip would install into the project's own virtualenv (a fresh one: ignore what this venv has).
    pip = [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--ignore-installed", "--quiet"]
    resolved = subprocess.run(
        [*pip, "--report", str(report), "-r", "requirements.txt"],
        cwd=PROJECT_DIR,  # where Pulumi runs pip for the project
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert resolved.returncode == 0, resolved.stderr
    installs = {item["metadata"]["name"]: item for item in json.loads(report.read_text())["install"]}
    assert set(installs) == {"pulumi", "kustomer-pulumi"}
    local = installs["kustomer-pulumi"]["download_info"]["url"]
    assert local == REPO_ROOT.as_uri()
    # Without the simulator's extra: the program needs only the provider.
    assert not installs["kustomer-pulumi"].get("requested_extras")
