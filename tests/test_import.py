"""``pulumi import`` / the ``import_`` resource option, at the gRPC level against the SDK's real provider host.

The engine's import step (pulumi/pulumi ``pkg/resource/deploy/step.go``, ``ImportStep.Apply``) sends Read with the
resource's id and URN only: no ``properties`` and no ``inputs``. The Python host (``python -m pulumi.dynamic``)
finds the provider to call in ``__provider`` of those (it falls back to ``inputs`` when ``properties`` is empty),
so it fails before our code runs: ``KeyError: '__provider'``, upstream's open issue pulumi/pulumi#16175. Hence
adoption is an input (``adopt_existing``), and the inventory prints it (``--adopt``).

Were an engine to send the program's inputs with the id (what the host's fallback serves), our providers read the
app as it is in the org and return its inputs, so that the engine's Check and Diff against the program are empty
exactly when the program declares the app as it is; a secret refuses plainly (Kustomer cannot read one back).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2

from kustomer_provider.app_secret import AppSecretProvider
from kustomer_provider.private_app import PrivateAppProvider
from kustomer_provider.rehearsal.provider_server import ProviderError, ProviderServer
from kustomer_provider.simulator import SimulatorProcess
from tests.support.dev_stack import api

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
