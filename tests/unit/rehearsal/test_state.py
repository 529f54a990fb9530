"""The rehearsal's state file: the shape of ``pulumi stack export`` (version 3), secrets in Pulumi's signature
form and never in the clear, pending operations and replaced originals kept, and read back as written."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from kustomer_provider.rehearsal.state import ResourceState, StackState, StateFileError
from kustomer_provider.rehearsal.values import SECRET, SIG

TYPE = "pulumi-python:dynamic/kustomer:AppSecret"
URN = f"urn:pulumi:dev::own-project::{TYPE}::crm-sync-secret"
CLIENT_SECRET = "state-test-client-secret-3c1b9e"


def secret_resource(**changes: object) -> ResourceState:
    fields: dict = {
        "urn": URN,
        "type": TYPE,
        "id": "crm_sync_0123-secret-1",
        "inputs": {"app_name": "crm_sync_0123", "__provider": "cGlja2xlZA=="},
        "outputs": {
            "app_name": "crm_sync_0123",
            "client_id": "abc",
            "client_secret": CLIENT_SECRET,
            "__provider": "cGlja2xlZA==",
        },
        "secret_inputs": {"__provider"},
        "secret_outputs": {"client_secret", "__provider"},
        "dependencies": ["urn:pulumi:dev::own-project::pulumi-python:dynamic/kustomer:AppInstalls::installs"],
        "additional_secret_outputs": ["client_secret"],
        "created": "2026-01-02T03:04:05Z",
        "modified": "2026-01-02T03:04:05Z",
    }
    fields.update(changes)
    return ResourceState(**fields)


def test_the_file_is_a_stack_export_with_secrets_encrypted_in_pulumis_signature_form(tmp_path: Path) -> None:
    state = StackState(tmp_path / "state.json", project="own-project", stack="dev")
    state.put(secret_resource(provider=state.provider_urn))
    state.outputs = {"clientId": "abc", "clientSecret": {SIG: SECRET, "value": CLIENT_SECRET}}
    state.save()

    text = (tmp_path / "state.json").read_text()
    assert CLIENT_SECRET not in text and "cGlja2xlZA==" not in text
    export = json.loads(text)
    assert export["version"] == 3
    deployment = export["deployment"]
    assert set(deployment["manifest"]) == {"time", "magic", "version"}
    assert deployment["secrets_providers"]["type"] == "kustomer-rehearsal"
    stack, provider, resource = deployment["resources"]
    assert stack["urn"] == "urn:pulumi:dev::own-project::pulumi:pulumi:Stack::own-project-dev"
    assert (stack["type"], stack["custom"]) == ("pulumi:pulumi:Stack", False)
    assert stack["outputs"]["clientId"] == "abc"
    sealed = stack["outputs"]["clientSecret"]
    assert sealed["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270" and sealed["ciphertext"]
    assert provider["urn"] == "urn:pulumi:dev::own-project::pulumi:providers:pulumi-python::default"
    assert (provider["type"], provider["custom"]) == ("pulumi:providers:pulumi-python", True) and provider["id"]
    assert resource["urn"] == URN and resource["custom"] is True and resource["type"] == TYPE
    assert resource["provider"] == f"{provider['urn']}::{provider['id']}"
    assert resource["outputs"]["client_id"] == "abc"
    assert set(resource["outputs"]["client_secret"]) == {"4dabf18193072939515e22adb298388d", "ciphertext"}
    assert set(resource["inputs"]["__provider"]) == {"4dabf18193072939515e22adb298388d", "ciphertext"}
    assert resource["additionalSecretOutputs"] == ["client_secret"]
    assert "pending_operations" not in deployment
    # The key that opens the secrets is the owner's alone.
    assert stat.S_IMODE((tmp_path / "state.key").stat().st_mode) == 0o600


def test_what_is_written_reads_back(tmp_path: Path) -> None:
    state = StackState(tmp_path / "state.json", project="own-project", stack="dev")
    state.put(secret_resource(taint=True))
    state.outputs = {"clientSecret": {SIG: SECRET, "value": CLIENT_SECRET}}
    state.save()
    again = StackState(tmp_path / "state.json")
    (resource,) = list(again)
    assert resource == state.get(URN)
    assert (again.project, again.stack, again.provider_id) == ("own-project", "dev", state.provider_id)
    assert again.outputs == state.outputs


def test_a_pending_operation_is_saved_before_the_step_and_cleared_after(tmp_path: Path) -> None:
    state = StackState(tmp_path / "state.json", project="p", stack="dev")
    pending = state.begin(secret_resource(id="", outputs={}), "creating")
    on_disk = json.loads((tmp_path / "state.json").read_text())["deployment"]
    (operation,) = on_disk["pending_operations"]
    assert operation["type"] == "creating" and operation["resource"]["urn"] == URN
    assert [r["type"] for r in on_disk["resources"]] == ["pulumi:pulumi:Stack"]
    assert [op.type for op in StackState(tmp_path / "state.json").pending_operations] == ["creating"]

    state.end(pending)
    state.put(secret_resource())
    state.save()
    on_disk = json.loads((tmp_path / "state.json").read_text())["deployment"]
    assert "pending_operations" not in on_disk and on_disk["resources"][-1]["urn"] == URN


def test_the_next_run_keeps_only_the_pending_creates(tmp_path: Path) -> None:
    state = StackState(tmp_path / "state.json", project="p", stack="dev")
    state.begin(secret_resource(), "creating")
    state.begin(secret_resource(urn=URN + "-2"), "deleting")
    again = StackState(tmp_path / "state.json")
    previous = again.carry_pending_operations()
    assert [op.type for op in previous] == ["creating", "deleting"]
    assert [op.type for op in again.pending_operations] == ["creating"]  # only a person can settle a create
    assert [op.type for op in again.clear_pending_creates()] == ["creating"]
    assert again.pending_operations == []


def test_a_replaced_original_stays_marked_for_deletion(tmp_path: Path) -> None:
    state = StackState(tmp_path / "state.json", project="p", stack="dev")
    state.pending_deletes.append(secret_resource(delete=True))
    state.put(secret_resource(id="crm_sync_0123-secret-2"))
    state.save()
    on_disk = json.loads((tmp_path / "state.json").read_text())["deployment"]["resources"]
    assert [(r["id"], r.get("delete", False)) for r in on_disk[2:]] == [
        ("crm_sync_0123-secret-2", False),
        ("crm_sync_0123-secret-1", True),
    ]
    again = StackState(tmp_path / "state.json")
    assert [r.id for r in again] == ["crm_sync_0123-secret-2"]
    assert [r.id for r in again.pending_deletes] == ["crm_sync_0123-secret-1"]


@pytest.mark.parametrize("text", ['{"version": 1, "resources": []}', "not json", "[]"])
def test_a_file_that_is_no_rehearsal_state_is_refused_naming_it(tmp_path: Path, text: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(text)
    with pytest.raises(StateFileError, match=r"state\.json"):
        StackState(path)
