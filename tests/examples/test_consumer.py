"""examples/consumer under Pulumi's mocks: the StackReference is answered with outputs that include the
client secret, and the secret stays a secret on its way out; the other fields are plain."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.paths import REPO_ROOT

CONSUMER = REPO_ROOT / "examples" / "consumer"
SECRET = "client-secret-from-the-producer"
APPS = {
    "stackone_link": {
        "appName": "stackone_link_0123456789abcdef01234567",
        "orgName": "acme",
        "clientId": "0123456789abcdef01234567",
        "clientSecret": SECRET,
        "redirectUris": ["https://api.stackone.com/connect/oauth2/kustomer/callback"],
        "scopes": ["org.permission.customer.read", "offline_access"],
        "authorizeUrl": "https://acme.kustomerapp.com/oauth/authorize",
        "tokenUrl": "https://acme.api.kustomerapp.com/oauth/token",
    }
}


def run_consumer(
    tmp_path: Path, *, secret_output_names: list[str], config: dict[str, str] | None = None
) -> dict[str, Any]:
    scenario = {
        "config": config or {"producerStack": "organization/kustomer/dev"},
        "outputs": {"apps": APPS},
        "secret_output_names": secret_output_names,
    }
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario))
    completed = subprocess.run(
        [sys.executable, "-m", "tests.examples.consumer_host", str(path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("secret_output_names", [["apps"], []], ids=["producer-marks-apps-secret", "marker-lost"])
def test_the_client_secret_stays_secret(tmp_path: Path, secret_output_names: list[str]) -> None:
    result = run_consumer(tmp_path, secret_output_names=secret_output_names)
    assert result["ok"], result["error"]

    # It read the producer named in its config, through a StackReference.
    (reference,) = result["resources"]
    assert reference["type"] == "pulumi:pulumi:StackReference"
    assert reference["id"] == "organization/kustomer/dev"

    outputs = result["outputs"]
    assert outputs["clientSecret"] == {"secret": SECRET}
    assert outputs["clientId"] == "0123456789abcdef01234567"  # not a secret: plain
    stackone = outputs["stackone"]
    assert stackone["clientSecret"] == {"secret": SECRET}
    assert stackone["clientId"] == "0123456789abcdef01234567"
    assert stackone["organizationName"] == "acme"
    assert stackone["scopes"] == "org.permission.customer.read offline_access"


def test_an_unknown_app_is_a_clear_error(tmp_path: Path) -> None:
    result = run_consumer(
        tmp_path, secret_output_names=["apps"], config={"producerStack": "organization/kustomer/dev", "app": "nope"}
    )
    assert not result["ok"]
    assert "has no app 'nope'" in result["error"] and "stackone_link" in result["error"]
    assert SECRET not in result["error"]


def test_the_project_file_declares_the_config_it_reads() -> None:
    project = yaml.safe_load((CONSUMER / "Pulumi.yaml").read_text())
    assert project["name"] == "kustomer-consumer" and project["runtime"]["name"] == "python"
    assert set(project["config"]) == {"producerStack", "app"}
    source = (CONSUMER / "__main__.py").read_text()
    assert 'config.require("producerStack")' in source and 'config.get("app")' in source
    assert "StackReference" in source and "Output.secret" in source
