"""The helper's inputs: flags, then the stack's outputs, then the environment; the org's hosts; what is missing named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import kustomer_provider.oauth as oauth
from kustomer_provider.oauth.errors import OAuthInputError
from kustomer_provider.oauth.inputs import parse_scopes, resolve_inputs, select_app
from tests.support.oauth_data import SIM, stack_outputs


def resolve(outputs: Any = None, **kwargs: Any) -> oauth.Inputs:
    environ = kwargs.pop("environ", {})
    return resolve_inputs(environ=environ, load_outputs=lambda file, stack: outputs, **kwargs)


def test_scopes_split_on_spaces_commas_and_plus() -> None:
    assert parse_scopes("a.b c.d+offline_access,a.b") == ("a.b", "c.d", "offline_access")
    assert parse_scopes(["x y", "z"]) == ("x", "y", "z")
    assert parse_scopes(None) == ()


def test_inputs_from_the_stack_with_flags_winning_and_the_environment_last() -> None:
    env = {"KUSTOMER_CLIENT_ID": "env-id", "KUSTOMER_CLIENT_SECRET": "env-secret", "KUSTOMER_SCOPES": "env.scope"}
    inputs = resolve(stack_outputs(), from_stack="", environ=env)
    assert inputs.client_id == "stack-client-id" and inputs.client_secret == "fake-stack-secret"
    assert inputs.endpoints is not None and inputs.endpoints.token_url == f"{SIM}/oauth/token"
    assert inputs.api_base_url == SIM and inputs.org_name == "acme"
    assert inputs.scopes == ("org.permission.customer.read", "offline_access")
    assert inputs.redirect_uris[1] == "http://127.0.0.1:8765/callback" and not inputs.redirect_uri_given
    assert "fake-stack-secret" not in repr(inputs)

    flagged = resolve(stack_outputs(), from_stack="stackone_link", client_id="flag-id", scopes="a.b", environ=env)
    assert flagged.client_id == "flag-id" and flagged.scopes == ("a.b",)

    only_env = resolve(None, base_url=SIM, environ=env)
    assert only_env.client_id == "env-id" and only_env.client_secret == "env-secret"
    assert only_env.scopes == ("env.scope",)
    assert only_env.redirect_uris == ("http://127.0.0.1:8765/callback",)  # the dev stack's loopback URI


def test_stack_output_problems_are_named() -> None:
    two = {"apps": {**stack_outputs()["apps"], "other": stack_outputs()["apps"]["stackone_link"]}}
    with pytest.raises(OAuthInputError, match=r"several apps \(other, stackone_link\)"):
        resolve(two, from_stack="")
    with pytest.raises(OAuthInputError, match="no app 'nope'"):
        resolve(two, from_stack="nope")
    with pytest.raises(OAuthInputError, match="--show-secrets"):
        select_app(stack_outputs(clientSecret="[secret]"), None)
    with pytest.raises(OAuthInputError, match="--show-secrets"):
        select_app({"apps": "[secret]"}, None)
    with pytest.raises(OAuthInputError, match="no `apps` map"):
        select_app({"other": 1}, None)


def test_outputs_file_and_missing_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(stack_outputs()))
    inputs = resolve_inputs(outputs_file=str(outputs), environ={})  # implies --from-stack
    assert inputs.stack_app is not None and inputs.stack_app.key == "stackone_link"

    monkeypatch.setenv("PATH", str(tmp_path))  # no pulumi here
    with pytest.raises(OAuthInputError, match=r"needs the Pulumi CLI.*--outputs-file"):
        resolve_inputs(from_stack="", environ={})
    outputs.write_text("{not json")
    with pytest.raises(OAuthInputError, match="is not JSON"):
        resolve_inputs(outputs_file=str(outputs), environ={})


def test_real_org_hosts_legacy_hosts_and_bad_endpoints() -> None:
    org = resolve(None, org="acme")
    assert org.endpoints is not None
    assert org.endpoints.authorize_url == "https://acme.kustomerapp.com/oauth/authorize"
    assert org.endpoints.token_url == "https://acme.api.kustomerapp.com/oauth/token"
    assert org.api_base_url == "https://acme.api.kustomerapp.com"

    legacy = resolve(None, org="acme", legacy_hosts=True)
    assert legacy.endpoints is not None
    assert legacy.endpoints.authorize_url == "https://api.apps.kustomerapp.com/oauth/authorize"
    assert legacy.endpoints.token_url == "https://api.apps.kustomerapp.com/oauth/token"
    assert legacy.api_base_url == "https://acme.api.kustomerapp.com"
    assert resolve(None, legacy_hosts=True).api_base_url == "https://api.kustomerapp.com"  # the seed's

    # The stack's org overrides nothing it should not: a flag turns the stack's simulator URLs into an org's.
    assert resolve(stack_outputs(), from_stack="", org="beta").api_base_url == "https://beta.api.kustomerapp.com"
    from_env = resolve(None, environ={"KUSTOMER_ORG_NAME": "gamma"})
    assert from_env.endpoints is not None and from_env.endpoints.token_url.startswith("https://gamma.api.")

    with pytest.raises(OAuthInputError, match=r"--base-url must use https"):
        resolve(None, base_url="http://example.com").require_endpoints()
    with pytest.raises(OAuthInputError, match=r"--org must be the org's subdomain"):
        resolve(None, org="Not An Org").require_endpoints()
    with pytest.raises(OAuthInputError, match=r"pass --org NAME .* or --base-url URL"):
        resolve(None).require_endpoints()
