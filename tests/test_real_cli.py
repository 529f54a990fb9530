"""The same scenario with the real Pulumi CLI (Automation API, local file backend, passphrase secrets).

Runs wherever `pulumi` is on PATH. Where it is not (this project's build machines: no package registry they
reach ships the CLI), it is skipped with that reason; the engine-harness tests cover the same scenario.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from kustomer_provider.simulator import SimulatorProcess
from tests.support.paths import REPO_ROOT

pytestmark = [
    pytest.mark.cli,
    pytest.mark.skipif(
        shutil.which("pulumi") is None,
        reason="the Pulumi CLI is not on PATH (install: curl -fsSL https://get.pulumi.com | sh); "
        "the engine-harness tests (test_walking_skeleton, test_lifecycle) cover this scenario without it",
    ),
]


def test_up_rotate_refresh_destroy_with_the_real_cli(simulator: SimulatorProcess, tmp_path: Path) -> None:
    from pulumi import automation as auto

    # A copy of the project, so the CLI's stack files and backend stay out of the repository.
    project = tmp_path / "project"
    (project / "stacks").mkdir(parents=True)
    for name in ("Pulumi.yaml", "__main__.py", "requirements.txt", "pyproject.toml"):
        shutil.copy(REPO_ROOT / name, project / name)
    shutil.copytree(REPO_ROOT / "kustomer_provider", project / "kustomer_provider")
    (project / ".venv").symlink_to(REPO_ROOT / ".venv")
    dev = yaml.safe_load((REPO_ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    dev["config"]["kustomer:baseUrl"] = simulator.url
    (project / "stacks" / "Pulumi.clitest.yaml").write_text(yaml.safe_dump(dev))

    env = {
        "PULUMI_BACKEND_URL": f"file://{tmp_path / 'backend'}",
        "PULUMI_CONFIG_PASSPHRASE": "cli-test-passphrase",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "KUSTOMER_API_KEY": simulator.api_key,
    }
    (tmp_path / "backend").mkdir()
    stack = auto.create_or_select_stack(
        "clitest", work_dir=str(project), opts=auto.LocalWorkspaceOptions(env_vars={**os.environ, **env})
    )

    up = stack.up(on_output=print)
    apps = up.outputs["apps"]
    assert apps.secret
    first = apps.value["stackone_link"]
    assert first["appName"].startswith("stackone_link_") and first["clientId"]
    state_text = json.dumps(stack.export_stack().deployment)
    assert first["clientSecret"] not in state_text and simulator.api_key not in state_text

    secret_urn = next(r["urn"] for r in stack.export_stack().deployment["resources"] if r["urn"].endswith("-secret"))
    rotated = stack.up(replace=[secret_urn], on_output=print).outputs["apps"].value["stackone_link"]
    assert rotated["clientId"] == first["clientId"]
    assert rotated["clientSecret"] != first["clientSecret"]

    stack.refresh(on_output=print)
    noop = stack.preview(on_output=print)
    assert noop.change_summary.get("same", 0) >= 2

    destroyed = stack.destroy(on_output=print)
    assert destroyed.summary.result == "succeeded"
    assert first["appName"] in simulator.state()["orgs"]["acme"]["apps"]  # Kustomer keeps it
