"""examples/esc: the ESC environment imports the stack's outputs with fn::open::pulumi-stacks, and every
reference points at an output key the program exports, for an app the stack has; the secret stays secret."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.support.examples import exported_app_keys, stack_app_names
from tests.support.paths import REPO_ROOT

ENVIRONMENT = REPO_ROOT / "examples" / "esc" / "kustomer-dev.yaml"
REFERENCE = re.compile(r"\$\{([^}]+)\}")


def walk(node: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every ``(dotted path, value)`` in the document."""
    if isinstance(node, dict):
        return [item for key, value in node.items() for item in walk(value, f"{path}.{key}" if path else key)]
    if isinstance(node, list):
        return [item for i, value in enumerate(node) for item in walk(value, f"{path}[{i}]")]
    return [(path, node)]


def load() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(ENVIRONMENT.read_text())
    return document


def test_it_opens_the_kustomer_stack_with_pulumi_stacks() -> None:
    values = load()["values"]
    opened = {name: v["fn::open::pulumi-stacks"] for name, v in values.items() if "fn::open::pulumi-stacks" in v}
    assert list(opened) == ["kustomer"]
    assert opened["kustomer"]["stacks"] == {"producer": {"stack": "kustomer/dev"}}  # <project>/<stack>


def test_every_reference_points_at_an_exported_output_key() -> None:
    keys, apps = exported_app_keys(), stack_app_names("dev")
    references = [(path, ref) for path, value in walk(load()) for ref in REFERENCE.findall(str(value))]
    assert len(references) >= 8
    for path, ref in references:
        match = re.fullmatch(r"kustomer\.producer\.apps\.([a-z0-9_]+)\.([A-Za-z]+)(\[\d+\])?", ref)
        assert match, f"{path}: ${{{ref}}} does not read kustomer.producer.apps.<app>.<key>"
        assert match[1] in apps, f"{path}: no app {match[1]} in stacks/Pulumi.dev.yaml"
        assert match[2] in keys, f"{path}: the program exports no key {match[2]} (it has {sorted(keys)})"


def test_consumers_get_env_vars_the_helper_reads_and_pulumi_config() -> None:
    values = load()["values"]
    env, config = values["environmentVariables"], values["pulumiConfig"]
    expected = {
        "KUSTOMER_CLIENT_ID": "clientId",
        "KUSTOMER_CLIENT_SECRET": "clientSecret",
        "KUSTOMER_ORG_NAME": "orgName",
        "KUSTOMER_REDIRECT_URI": "redirectUris",
    }
    for variable, key in expected.items():
        assert re.fullmatch(rf"\$\{{kustomer\.producer\.apps\.stackone_link\.{key}(\[0\])?\}}", env[variable])
    assert env["KUSTOMER_SCOPES"] == {"fn::join": [" ", "${kustomer.producer.apps.stackone_link.scopes}"]}
    assert config["kustomerClientSecret"] == "${kustomer.producer.apps.stackone_link.clientSecret}"
    assert config["kustomerClientId"] == "${kustomer.producer.apps.stackone_link.clientId}"

    # The helper reads exactly these variables (so `esc run ... -- python -m kustomer_provider.oauth verify` works).
    from kustomer_provider.oauth.inputs import ENVIRONMENT as HELPER_ENV

    assert set(env) <= set(HELPER_ENV.values())


def test_the_secret_comes_only_from_the_stack_and_fn_secret_wraps_no_reference() -> None:
    document = load()
    for path, value in walk(document):
        if ".fn::secret" in path or path.endswith("fn::secret"):
            # ESC rejects fn::secret around anything but a literal string ("secret values must be string literals").
            assert isinstance(value, str) and "${" not in value, path
    secret_paths = [path for path, value in walk(document) if "clientSecret" in str(value)]
    assert sorted(secret_paths) == [
        "values.environmentVariables.KUSTOMER_CLIENT_SECRET",
        "values.pulumiConfig.kustomerClientSecret",
    ]
    # No literal that looks like a credential.
    for path, value in walk(document):
        assert not (isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_-]{32,}", value)), path
