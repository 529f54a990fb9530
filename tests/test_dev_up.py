"""``scripts/dev-up`` on a machine without the Pulumi CLI or network: it says the installer could not run,
rehearses the dev stack's ``up`` without the CLI, prints the outputs with the secret masked, and exits 0."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import REPO_ROOT

# A client secret or a token of the simulator: 32 random bytes, URL-safe base64 (43 characters). Anything that
# long and random-looking in the output would be a leak: ids and app names are at most 24 hex digits long.
SECRET_SHAPE = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{40,}(?![A-Za-z0-9_-])")
PLANTED_KEY = "planted-admin-key-0b5e1d"  # made up: the rehearsal's simulator takes it as the admin key


def without_pulumi(path: str) -> str:
    return os.pathsep.join(p for p in path.split(os.pathsep) if p and not (Path(p) / "pulumi").exists())


def stack_outputs(stdout: str) -> dict[str, Any]:
    """The JSON object printed after the 'Stack outputs' line."""
    _, _, rest = stdout.partition("Stack outputs")
    start = rest.index("{")
    outputs, _ = json.JSONDecoder().raw_decode(rest[start:])
    assert isinstance(outputs, dict)
    return outputs


def test_dev_up_without_the_cli_or_network_rehearses_the_up_and_masks_the_secret() -> None:
    if (REPO_ROOT / ".pulumi-cli" / "bin" / "pulumi").exists():
        pytest.skip("a Pulumi CLI is installed in .pulumi-cli/: scripts/dev-up would run the real up")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUSTOMER_", "PULUMI_"))}
    env |= {
        "PATH": without_pulumi(os.environ.get("PATH", "/usr/bin:/bin")),
        "PULUMI_INSTALLER_URL": "http://127.0.0.1:1/",  # nothing listens there: as unreachable as get.pulumi.com
        "KUSTOMER_SIM_API_KEY": PLANTED_KEY,
    }
    completed = subprocess.run(
        [str(REPO_ROOT / "scripts" / "dev-up")],
        cwd=REPO_ROOT / "docs",  # the script finds the repository itself
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output

    # It tried the installer, at the SDK's version, said why it could not, and labelled what it did instead.
    assert "installing v3.272.0 into .pulumi-cli/" in completed.stdout
    assert "Could not install the Pulumi CLI: http://127.0.0.1:1/ is unreachable" in completed.stderr
    assert "curl -fsSL https://get.pulumi.com | sh -s -- --version 3.272.0" in completed.stderr
    assert "a rehearsal without the Pulumi CLI" in completed.stderr
    assert "== A rehearsal without the Pulumi CLI ==" in completed.stdout
    assert "This was a rehearsal without the Pulumi CLI" in completed.stdout
    assert (
        "6 create (apaleo_dev, app-installs, komerza_dev, stackone_link, stackone_link-secret, teamwork_dev)"
        in completed.stdout
    )

    # The dev stack's outputs, the client secret masked as `pulumi stack output` masks it.
    outputs = stack_outputs(completed.stdout)
    app = outputs["apps"]["stackone_link"]
    assert re.fullmatch(r"stackone_link_[0-9a-f]{24}", app["appName"])
    assert re.fullmatch(r"[0-9a-f]{24}", app["clientId"])
    assert app["orgName"] == "acme"
    assert app["clientSecret"] == "[secret]"
    assert app["tokenUrl"].startswith("http://127.0.0.1:") and app["tokenUrl"].endswith("/oauth/token")

    # Nothing secret anywhere in what it printed: not the API key it used, not a secret or token.
    assert PLANTED_KEY not in output
    assert SECRET_SHAPE.findall(output) == []
