""".github/workflows: per environment stack, `pulumi preview` on pull requests and `pulumi up` on main; a
scheduled rotation; the API key and Pulumi's passphrase and backend from the CI's secret store."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.support.paths import REPO_ROOT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
STACKS = ("dev", "staging", "prod")
REUSABLE = "./.github/workflows/pulumi-stack.yml"


def load(name: str) -> dict[str, Any]:
    raw: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    document: dict[str, Any] = {("on" if key is True else key): value for key, value in raw.items()}
    return document


def test_every_workflow_parses_and_names_its_triggers() -> None:
    files = sorted(p.name for p in WORKFLOWS.glob("*.yml"))
    assert files == ["inventory.yml", "kustomer-stacks.yml", "pulumi-stack.yml", "rotate-secrets.yml"]
    for name in files:
        document = load(name)
        assert document["name"] and document["on"] and document["jobs"], name
        assert document["permissions"] == {"contents": "read"}, name


def check_stack_jobs(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    jobs = document["jobs"]
    assert set(jobs) == set(STACKS)
    for stack, job in jobs.items():
        assert (REPO_ROOT / "stacks" / f"Pulumi.{stack}.yaml").exists()
        assert job["uses"] == REUSABLE
        assert job["with"]["stack"] == stack
        assert job["secrets"] == {
            "kustomer-api-key": f"${{{{ secrets.KUSTOMER_API_KEY_{stack.upper()} }}}}",
            "pulumi-config-passphrase": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
            "pulumi-backend-url": "${{ secrets.PULUMI_BACKEND_URL }}",
        }
    return dict(jobs)


def test_preview_on_pull_requests_and_up_on_main_for_each_stack() -> None:
    document = load("kustomer-stacks.yml")
    assert document["on"]["pull_request"]["branches"] == ["main"]
    assert document["on"]["push"]["branches"] == ["main"]
    jobs = check_stack_jobs(document)
    for job in jobs.values():
        assert job["with"]["command"] == "${{ github.event_name == 'pull_request' && 'preview' || 'up' }}"
    assert jobs["staging"]["needs"] == "dev" and jobs["prod"]["needs"] == "staging"  # promote in order


def test_a_scheduled_rotation_on_every_stack() -> None:
    document = load("rotate-secrets.yml")
    (schedule,) = document["on"]["schedule"]
    assert len(schedule["cron"].split()) == 5
    assert document["on"]["workflow_dispatch"]["inputs"]["force"]["type"] == "boolean"
    for job in check_stack_jobs(document).values():
        assert job["with"]["command"] == "up"
        assert job["with"]["replace-secrets"] == "${{ github.event_name == 'workflow_dispatch' && inputs.force }}"


def run_scripts(document: dict[str, Any]) -> dict[str, str]:
    steps = document["jobs"]["pulumi"]["steps"]
    return {step["name"]: step["run"] for step in steps if "run" in step}


def test_the_reusable_job_runs_preview_or_up_with_secrets_from_the_store() -> None:
    document = load("pulumi-stack.yml")
    call = document["on"]["workflow_call"]
    assert set(call["inputs"]) == {"stack", "command", "replace-secrets"}
    assert set(call["secrets"]) == {"kustomer-api-key", "pulumi-config-passphrase", "pulumi-backend-url"}
    job = document["jobs"]["pulumi"]
    assert job["env"]["KUSTOMER_API_KEY"] == "${{ secrets.kustomer-api-key }}"
    assert job["env"]["PULUMI_CONFIG_PASSPHRASE"] == "${{ secrets.pulumi-config-passphrase }}"
    assert job["env"]["PULUMI_BACKEND_URL"] == "${{ secrets.pulumi-backend-url }}"
    assert job["concurrency"]["group"] == "pulumi-${{ inputs.stack }}"  # one operation per stack at a time

    scripts = run_scripts(document)
    steps = {step.get("name"): step for step in job["steps"]}
    assert steps["pulumi preview"]["if"] == "inputs.command == 'preview'"
    assert re.search(r"^pulumi preview --stack \"\$STACK\" --refresh", scripts["pulumi preview"], re.M)
    assert steps["pulumi up"]["if"] == "inputs.command == 'up'"
    up = scripts["pulumi up"]
    assert re.search(r"^\s*pulumi up --stack \"\$STACK\" --refresh --yes --non-interactive", up, re.M)
    # Forced rotation replaces the secret resources by URN (their type token, as the SDK names it).
    assert 'select(.type == "pulumi-python:dynamic/kustomer:AppSecret")' in up and "--replace" in up

    from kustomer_provider.app_secret import KustomerAppSecret

    assert f"pulumi-python:{KustomerAppSecret._resource_type_name}" == "pulumi-python:dynamic/kustomer:AppSecret"

    # The credentials the stack just made are checked, without a browser and without printing a secret.
    check = scripts["Check that each app's OAuth client works (no secret printed)"]
    assert "python -m kustomer_provider.oauth verify --from-stack" in check and "--show-tokens" not in check


def test_no_secret_is_written_into_a_workflow() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        text = path.read_text()
        for line in text.splitlines():
            if re.search(r"(API_KEY|PASSPHRASE|BACKEND_URL|api-key|passphrase|backend-url)\s*:\s*\S", line):
                assert "${{ secrets." in line or line.strip().startswith(("description", "#")), f"{path.name}: {line}"


def test_a_scheduled_inventory_fails_on_every_class_with_a_read_only_key() -> None:
    from kustomer_provider.inventory import FINDING_KINDS

    document = load("inventory.yml")
    (schedule,) = document["on"]["schedule"]
    assert len(schedule["cron"].split()) == 5
    job = document["jobs"]["inventory"]
    assert job["strategy"]["matrix"]["stack"] == ["staging", "prod"]
    (step,) = [s for s in job["steps"] if s.get("name", "").startswith("Inventory")]
    assert "READ_KEY" in step["env"]["KUSTOMER_API_KEY"] and "${{ secrets." in step["env"]["KUSTOMER_API_KEY"]
    script = step["run"]
    assert '--from-stack "$STACK" --check-secrets' in script
    assert f"--fail-on {','.join(FINDING_KINDS)}" in script
    # The flags the workflow passes are the command's own.
    from kustomer_provider.inventory.cli import build_parser

    options = {o for action in build_parser()._actions for o in action.option_strings}
    assert {"--from-stack", "--check-secrets", "--json", "--width", "--fail-on"} <= options
