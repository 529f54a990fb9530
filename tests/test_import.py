"""``pulumi import`` / the ``import_`` resource option: at the gRPC level against the SDK's real provider host, and
through the rehearsal's engine as the engine plays it.

The engine's import step (pulumi/pulumi ``pkg/resource/deploy/step.go``, ``ImportStep.Apply``) sends Read with the
resource's id and URN only: no ``inputs`` and an empty ``properties``. The Python host (``python -m pulumi.dynamic``)
finds the provider to call in ``__provider`` of those (it falls back to ``inputs`` when ``properties`` is empty),
so it fails before our code runs: ``KeyError: '__provider'``, upstream's open issue pulumi/pulumi#16175. A program
that declares ``import_`` gets that traceback as the resource's error, in a preview and in an up, and the stack
stays as it was. Hence adoption is an input (``adopt_existing``), and the inventory prints it (``--adopt``).

Were an engine to send the program's inputs with the id (what the host's fallback serves; the rehearsal's
``import_sends_inputs``), our providers read the app as it is in the org and return its inputs, so that the engine's
Check and Diff against the program are empty exactly when the program declares the app as it is; a secret refuses
plainly (Kustomer cannot read one back).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pulumi.dynamic
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2

from kustomer_provider.app_secret import AppSecretProvider
from kustomer_provider.private_app import PrivateAppProvider
from kustomer_provider.rehearsal.provider_server import ProviderError, ProviderServer
from kustomer_provider.simulator import SimulatorProcess
from tests.support.contract import wait_for_install
from tests.support.dev_stack import api
from tests.support.engines import EngineFactory
from tests.support.paths import REPO_ROOT

APP_URN = "urn:pulumi:dev::kustomer::pulumi-python:dynamic/kustomer:PrivateApp::imported"
SECRET_URN = "urn:pulumi:dev::kustomer::pulumi-python:dynamic/kustomer:AppSecret::imported-secret"
CALLBACK = "https://example.com/oauth/callback"
DEFINITION = {
    "app": "imported",
    "version": "1.2.0",
    "title": "Imported",
    "description": "Registered by hand.",
    "visibility": "private",
    "redirectUris": [CALLBACK],
    "roles": ["org.permission.customer.read"],
}
#: What a program declares for that app (the resource's inputs, as KustomerPrivateApp registers them).
PROGRAM_INPUTS: dict[str, Any] = {
    "app": "imported",
    "version": "1.2.0",
    "title": "Imported",
    "redirect_uris": [CALLBACK],
    "description": "Registered by hand.",
    "definition": {"roles": ["org.permission.customer.read"]},
    "install": True,
    "adopt_existing": False,
    "wait_for_install": True,
    "__provider": serialize_provider(PrivateAppProvider()),
}


@pytest.fixture
def made_by_hand(simulator: SimulatorProcess) -> str:
    with api(simulator) as http:
        for version in ("1.0.0", "1.2.0"):
            assert http.post("/v1/apps/available", json={**DEFINITION, "version": version}).status_code == 201
        name: str = http.get("/v1/apps/available").json()["data"][0]["attributes"]["name"]
        assert http.post("/v1/apps/install", json={"app": name, "version": "1.2.0"}).status_code == 202
    return name


@pytest.fixture
def provider(simulator: SimulatorProcess) -> Iterator[ProviderServer]:
    with ProviderServer() as server:
        server.configure({"kustomer:apiKey": simulator.api_key, "kustomer:baseUrl": simulator.url})
        yield server


def test_the_engines_import_read_fails_in_the_host_before_our_code(
    provider: ProviderServer, made_by_hand: str, simulator: SimulatorProcess
) -> None:
    since = simulator.last_request()
    # Exactly the ImportStep's request: id and URN, no properties, no inputs.
    request = provider_pb2.ReadRequest(id=made_by_hand, urn=APP_URN)
    with pytest.raises(grpc.RpcError) as failed:
        provider.stub.Read(request, timeout=60)
    assert failed.value.code() == grpc.StatusCode.UNKNOWN
    assert "KeyError: '__provider'" in (failed.value.details() or "")
    assert simulator.requests(since) == []  # our read never ran


def test_a_read_with_the_programs_inputs_reads_the_app_as_it_is(
    provider: ProviderServer, made_by_hand: str, simulator: SimulatorProcess
) -> None:
    since = simulator.last_request()
    id_, outputs, inputs = provider.read(APP_URN, made_by_hand, {}, PROGRAM_INPUTS)
    assert id_ == made_by_hand
    assert inputs is not None  # without inputs the engine fails: "provider does not support importing resources"
    assert outputs["version"] == "1.2.0" and outputs["installed_version"] in ("", "1.2.0")
    assert outputs["app_version_id"] == f"{made_by_hand}-1.2.0" and outputs["client_id"]
    assert outputs["org_id"] and made_by_hand.endswith(outputs["org_id"])
    assert {k: v for k, v in inputs.items() if k != "__provider"} == {
        k: v for k, v in PROGRAM_INPUTS.items() if k != "__provider"
    } | {"install": bool(outputs["installed_version"])}
    # Then the engine checks the program's inputs against them and diffs: nothing to change.
    program = {**PROGRAM_INPUTS, "install": inputs["install"]}
    checked = provider.check(APP_URN, inputs, program)
    assert checked.failures == []
    diff = provider.diff(APP_URN, id_, outputs, {**checked.inputs, "__provider": PROGRAM_INPUTS["__provider"]}, inputs)
    assert diff.changes is False
    assert [e["method"] for e in simulator.requests(since)] == ["GET", "GET"]  # the two listings, nothing written


def test_a_program_that_differs_from_the_org_shows_a_diff(provider: ProviderServer, made_by_hand: str) -> None:
    id_, outputs, inputs = provider.read(APP_URN, made_by_hand, {}, PROGRAM_INPUTS)
    assert inputs is not None
    program = {**PROGRAM_INPUTS, "title": "Another title", "install": inputs["install"]}
    checked = provider.check(APP_URN, inputs, program)
    diff = provider.diff(APP_URN, id_, outputs, {**checked.inputs, "__provider": PROGRAM_INPUTS["__provider"]}, inputs)
    assert diff.changes is True  # the engine would fail the import: the program does not declare the app as it is


def test_an_app_the_org_does_not_have_reads_as_gone(provider: ProviderServer, simulator: SimulatorProcess) -> None:
    id_, outputs, _ = provider.read(APP_URN, "no_such_app_0123456789abcdef01234567", {}, PROGRAM_INPUTS)
    assert id_ == "" and outputs == {"__provider": PROGRAM_INPUTS["__provider"]}


def test_a_secret_cannot_be_imported_and_says_why(provider: ProviderServer, made_by_hand: str) -> None:
    inputs = {"app_name": made_by_hand, "rotation_triggers": {}, "__provider": serialize_provider(AppSecretProvider())}
    with pytest.raises(ProviderError) as failed:
        provider.read(SECRET_URN, f"{made_by_hand}/secret-x", {}, inputs)
    details = failed.value.details  # what `pulumi import` prints under the secret, verbatim: the message alone
    assert "Traceback" not in details and 'File "' not in details and len(details.splitlines()) <= 3, details
    assert "cannot be imported" in details and "no API to read it back" in details and "mintSecret: false" in details


def test_a_refresh_still_returns_no_inputs(provider: ProviderServer, made_by_hand: str) -> None:
    id_, outputs, inputs = provider.read(APP_URN, made_by_hand, {}, PROGRAM_INPUTS)
    assert inputs is not None
    # A refresh sends the stored outputs: the read keeps the inputs as they are (none returned).
    _, refreshed, refreshed_inputs = provider.read(APP_URN, id_, outputs, inputs)
    assert refreshed_inputs is None and refreshed["app_version_id"] == outputs["app_version_id"]


# -- through the engine: a program with ``import_`` ----------------------------------------------------------------

IMPORT_PROGRAM = REPO_ROOT / "tests" / "programs" / "imported_app.py"
HOST = str(Path(pulumi.dynamic.__file__).with_name("__main__.py"))
ENGINE_URN = "urn:pulumi:dev::kustomer::pulumi-python:dynamic/kustomer:PrivateApp::imported"


@pytest.fixture
def installed_by_hand(made_by_hand: str, simulator: SimulatorProcess) -> str:
    """The app made by hand, its install of 1.2.0 final, so that what an import reads does not depend on timing."""
    with api(simulator) as http:
        assert wait_for_install(http, made_by_hand, "1.2.0", timeout=60)["status"] == "installed"
    return made_by_hand


def assert_host_key_error(block: str, first_line: str) -> None:
    """``block`` is ``first_line`` and the host's traceback of Read failing in ``get_provider`` on ``__provider``."""
    lines = block.split("\n")
    assert lines[0] == first_line, block
    assert any(line.startswith(f'  File "{HOST}", line ') and line.endswith(", in Read") for line in lines), block
    assert any(line.startswith(f'  File "{HOST}", line ') and line.endswith(", in get_provider") for line in lines)
    assert "providerStr = props[PROVIDER_KEY]" in [line.strip() for line in lines], block
    assert lines[-1] == "KeyError: '__provider'", block
    assert "kustomer_provider" not in block  # none of our code ran


def test_an_up_with_import_shows_the_hosts_key_error_and_changes_nothing(
    make_engine: EngineFactory, installed_by_hand: str, simulator: SimulatorProcess
) -> None:
    engine = make_engine({"kustomer:importId": installed_by_hand}, program=IMPORT_PROGRAM)
    since = simulator.last_request()
    result = engine.up(check=False)
    assert not result.ok
    assert result.steps == [(ENGINE_URN, "import", "")]
    assert [d.severity for d in result.diagnostics_for("imported")] == ["error"]  # the one error, nothing else
    assert_host_key_error(result.rendered_for("imported"), "error: Traceback (most recent call last):")
    section = result.rendered.split("\n")
    assert section[:5] == [
        "Diagnostics:",
        "  pulumi:pulumi:Stack (kustomer-dev):",
        "    error: update failed",
        "",
        "  pulumi-python:dynamic/kustomer:PrivateApp (imported):",
    ]
    assert result.provider_calls.get("Read") == 1 and not {"Check", "Create", "Update"} & set(result.provider_calls)
    assert simulator.requests(since) == []  # the org was neither read nor written
    state = engine.state
    assert list(state) == [] and state.pending_operations == []  # no such resource, no import left pending


def test_a_preview_with_import_fails_the_same_way(
    make_engine: EngineFactory, installed_by_hand: str, simulator: SimulatorProcess
) -> None:
    engine = make_engine({"kustomer:importId": installed_by_hand}, program=IMPORT_PROGRAM)
    since = simulator.last_request()
    result = engine.preview(check=False)
    assert not result.ok and result.steps == [(ENGINE_URN, "import", "")]
    # A preview reads too (ImportStep.Apply does not look at DryRun), and words a failed step its own way.
    assert_host_key_error(result.rendered_for("imported"), "error: Preview failed: Traceback (most recent call last):")
    assert result.rendered_for("") == "error: preview failed"
    assert simulator.requests(since) == []
    assert not engine.state_path.exists()


def test_were_the_programs_inputs_sent_the_import_takes_the_app_and_the_next_up_changes_nothing(
    make_engine: EngineFactory, installed_by_hand: str, simulator: SimulatorProcess
) -> None:
    engine = make_engine({"kustomer:importId": installed_by_hand}, program=IMPORT_PROGRAM, import_sends_inputs=True)
    with api(simulator) as http:
        listed = http.get("/v1/apps/available").json()["data"]
    client_id = next(a["attributes"]["clientId"] for a in listed if a["attributes"]["name"] == installed_by_hand)
    since = simulator.last_request()
    first = engine.up()
    # The import, then Check and Diff against what it read: equal, so no update and no same step.
    assert first.steps == [(ENGINE_URN, "import", "")]
    assert first.provider_calls.get("Read") == 1 and not {"Create", "Update"} & set(first.provider_calls)
    assert first.outputs == {"app_name": installed_by_hand, "client_id": client_id, "installed_version": "1.2.0"}
    assert {e["method"] for e in simulator.requests(since)} == {"GET"}  # read, nothing written
    resource = engine.state.by_name("imported")
    assert resource.id == installed_by_hand and resource.import_id == installed_by_hand
    assert resource.outputs["app_version_id"] == f"{installed_by_hand}-1.2.0"
    assert '"importID": "' + installed_by_hand + '"' in engine.state.raw_text()  # as `pulumi stack export` has it

    since = simulator.last_request()
    second = engine.up()
    # The state's importID is the program's import_: no second import, a same step, no provider write.
    assert second.steps == [(ENGINE_URN, "same", "")]
    assert not {"Read", "Create", "Update"} & set(second.provider_calls)
    assert second.outputs == first.outputs
    assert [e for e in simulator.requests(since) if e["method"] != "GET"] == []


def test_were_the_programs_inputs_sent_a_program_that_differs_is_refused_by_check_after_the_import(
    make_engine: EngineFactory, installed_by_hand: str, simulator: SimulatorProcess
) -> None:
    engine = make_engine(
        {"kustomer:importId": installed_by_hand, "kustomer:importTitle": "Another title"},
        program=IMPORT_PROGRAM,
        import_sends_inputs=True,
    )
    since = simulator.last_request()
    result = engine.up(check=False)
    assert not result.ok and result.steps == [(ENGINE_URN, "import", "")]
    # The program changes the definition of 1.2.0: our Check asks for a higher version, before any write.
    assert [(prop, "bump" in reason) for _, prop, reason in result.check_failures] == [("version", True)]
    assert {e["method"] for e in simulator.requests(since)} == {"GET"}
    # The import step had succeeded: as the engine's, it stays in the state, and the next up starts from it.
    assert engine.state.by_name("imported").inputs["title"] == "Imported"
