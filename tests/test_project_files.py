"""Pulumi.yaml and the stack files: every key declared, typed as Pulumi allows, stacks valid, no secrets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kustomer_provider.connection import CONFIG_KEYS
from kustomer_provider.rehearsal.project import ProjectConfigError, apply_project_config
from kustomer_provider.stack_config import APPS_KEY, REGISTERED_CLIENTS_KEY, load_apps
from tests.support.paths import REPO_ROOT

PROJECT = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())
STACK_FILES = sorted((REPO_ROOT / "stacks").glob("Pulumi.*.yaml"))
# The types Pulumi's project schema allows for config (string, integer, boolean, array of those).
PULUMI_CONFIG_TYPES = {"string": str, "integer": int, "boolean": bool, "array": list}


def test_project_runs_python_in_a_virtualenv_with_stacks_in_stacks() -> None:
    assert PROJECT["name"] == "kustomer"
    assert PROJECT["runtime"]["name"] == "python"
    assert PROJECT["runtime"]["options"]["virtualenv"] == ".venv"
    assert PROJECT["stackConfigDir"] == "stacks"
    assert {p.name for p in STACK_FILES} == {"Pulumi.dev.yaml", "Pulumi.staging.yaml", "Pulumi.prod.yaml"}


def test_every_config_key_the_provider_reads_is_declared_with_a_type_and_description() -> None:
    declared = PROJECT["config"]
    assert {f"kustomer:{k}" for k in declared} == set(CONFIG_KEYS)
    for key, declaration in declared.items():
        assert declaration["type"] in PULUMI_CONFIG_TYPES, key
        assert declaration["description"].strip(), key
        if declaration["type"] == "array":
            assert "items" in declaration, key
        if "default" in declaration:
            assert isinstance(declaration["default"], PULUMI_CONFIG_TYPES[declaration["type"]]), key
        # A declared key without a default is required by Pulumi; ours all have one (env fallbacks).
        assert "default" in declaration, key
        assert not declaration.get("secret"), f"{key}: a secret key cannot have a plaintext default"


def test_the_apps_key_is_documented_in_pulumi_yaml() -> None:
    text = (REPO_ROOT / "Pulumi.yaml").read_text()
    assert "kustomer:apps" in text
    for field in ("app", "version", "title", "redirectUris", "scopes", "rotateAfterDays", "rotationTriggers"):
        assert field in text


@pytest.mark.parametrize("stack_file", STACK_FILES, ids=lambda p: p.name)
def test_stack_files_are_valid_and_hold_no_secret(stack_file: Path) -> None:
    config: dict[str, Any] = yaml.safe_load(stack_file.read_text())["config"]
    declared = PROJECT["config"]
    for key in config:
        if key in (APPS_KEY, REGISTERED_CLIENTS_KEY):  # lists of objects: see stack_config.py
            continue
        name = key.removeprefix("kustomer:")
        assert name in declared, f"{stack_file.name}: {key} is not declared in Pulumi.yaml"
    # Typed as the CLI reads stack values (as text: `60` is a string and an integer), none missing.
    apply_project_config(PROJECT, stack_file.name.split(".")[1], config)
    assert "kustomer:apiKey" not in config, "API keys are set with `pulumi config set --secret`, never committed"
    apps = load_apps(lambda name: config.get(f"kustomer:{name}"))
    assert apps and all(app.version and app.title for app in apps)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_real_org_stacks_say_how_to_set_the_key_as_a_secret(stack: str) -> None:
    text = (REPO_ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text()
    assert f"pulumi config set --stack {stack} --secret kustomer:apiKey" in text
    assert "kustomer:orgName" in text and "kustomer:baseUrl" not in text  # the per-org host by default


def test_the_dev_stack_targets_the_simulator_with_the_stackone_callback() -> None:
    config = yaml.safe_load((REPO_ROOT / "stacks" / "Pulumi.dev.yaml").read_text())["config"]
    assert config["kustomer:baseUrl"].startswith("http://127.0.0.1:")
    uris = config["kustomer:apps"][0]["redirectUris"]
    assert "https://api.stackone.com/connect/oauth2/kustomer/callback" in uris


def test_the_harness_completes_and_refuses_stack_config_as_the_cli_does() -> None:
    # Pulumi.yaml's defaults fill what a stack leaves unset; a key declared without one is required.
    completed = apply_project_config(PROJECT, "dev", {"kustomer:orgName": "acme"})
    assert completed["kustomer:installTimeoutSeconds"] == "" and completed["kustomer:orgName"] == "acme"
    required = {"name": "kustomer", "config": {"installTimeoutSeconds": {"type": "integer"}}}
    with pytest.raises(ProjectConfigError, match="Stack 'dev' is missing configuration value 'installTimeoutSeconds'"):
        apply_project_config(required, "dev", {})
    typed = {"name": "kustomer", "config": {"installTimeoutSeconds": {"type": "integer", "default": 300}}}
    assert apply_project_config(typed, "dev", {})["kustomer:installTimeoutSeconds"] == "300"
    with pytest.raises(ProjectConfigError, match="must be of type 'integer'"):
        apply_project_config(typed, "dev", {"kustomer:installTimeoutSeconds": "soon"})
