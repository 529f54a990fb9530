"""States written by older code keep working: their pickled providers load and run in today's provider server.

Each resource's ``__provider`` in a state is its provider object pickled by reference to its class
(``kustomer_provider.private_app.PrivateAppProvider``, ...): renaming or moving a provider class, or giving its
objects state they need, would break every stack deployed before. ``fixtures/old_state/providers-v1.json`` holds
one resource of each type from a state written by the code before the modules were reorganised (issue 15);
re-record with ``.venv/bin/python -m tests.fixtures.old_state.record --label vN`` and add the file to
``RECORDINGS`` (never replace an old one: it stands for the stacks deployed with that code).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dill
import pytest
from pulumi.dynamic import ResourceProvider

from kustomer_provider.rehearsal.provider_server import ProviderServer

RECORDINGS = [Path(__file__).parent / "fixtures" / "old_state" / "providers-v1.json"]
RESOURCE_TYPES = ("PrivateApp", "AppSecret", "AppInstalls", "RegisteredOAuthClient")
#: A connection that resolves (Check asks that much) and that nothing here ever calls: no operation below sends.
CONFIG = {"kustomer:apiKey": "test-key-0123456789", "kustomer:baseUrl": "http://127.0.0.1:9"}
PROVIDER_KEY = "__provider"


def _recorded() -> list[tuple[str, str, dict[str, Any]]]:
    cases = []
    for path in RECORDINGS:
        resources = json.loads(path.read_text())
        assert set(resources) == set(RESOURCE_TYPES), f"{path.name} misses a resource type"
        cases += [(path.stem, kind, resources[kind]) for kind in RESOURCE_TYPES]
    return cases


CASES = _recorded()


@pytest.fixture(scope="module")
def server() -> Iterator[ProviderServer]:
    with ProviderServer() as started:
        started.configure(CONFIG)
        yield started


def _olds(resource: dict[str, Any]) -> dict[str, Any]:
    # A rotation coming due depends on the day the test runs, not on the code: leave the schedule out.
    return {k: v for k, v in resource["outputs"].items() if k != "rotate_at"}


@pytest.mark.parametrize(("recording", "kind", "resource"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_an_old_pickled_provider_loads_by_reference_to_its_class(
    recording: str, kind: str, resource: dict[str, Any]
) -> None:
    provider = dill.loads(base64.b64decode(resource["inputs"][PROVIDER_KEY]))  # noqa: S301 (our own recording)
    assert isinstance(provider, ResourceProvider)
    assert vars(provider) == {}  # nothing on the instance: everything it needs comes from its class


@pytest.mark.parametrize(("recording", "kind", "resource"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_an_old_state_checks_diffs_and_deletes_with_no_change(
    server: ProviderServer, recording: str, kind: str, resource: dict[str, Any]
) -> None:
    urn = f"urn:pulumi:dev::kustomer::{resource['type']}::{resource['name']}"
    inputs = resource["inputs"]
    checked = server.check(urn, _olds(resource), inputs)
    assert checked.failures == []
    assert checked.inputs == inputs  # the stored values stay as they were typed (the host keeps __provider)
    news = checked.inputs
    diff = server.diff(urn, resource["id"], _olds(resource), news, inputs)
    assert (diff.changes, diff.replaces) == (False, [])
    server.delete(urn, resource["id"], resource["outputs"], inputs)  # no resource's delete calls Kustomer


def test_an_old_state_still_sees_a_change(server: ProviderServer) -> None:
    """The diff above could fail: the same old provider shows a changed title as an update."""
    resource = next(r for _, kind, r in CASES if kind == "PrivateApp")
    urn = f"urn:pulumi:dev::kustomer::{resource['type']}::{resource['name']}"
    news = {**resource["inputs"], "title": "Another title"}
    diff = server.diff(urn, resource["id"], _olds(resource), news, resource["inputs"])
    assert (diff.changes, diff.replaces) == (True, [])


def test_an_old_app_meets_todays_owner_marker_with_no_change(server: ProviderServer) -> None:
    """Today's resource class adds its owner marker to the inputs; a state written before it shows no change."""
    resource = next(r for _, kind, r in CASES if kind == "PrivateApp")
    assert "owner_marker" not in resource["inputs"] and "owner_marker" not in resource["outputs"]
    urn = f"urn:pulumi:dev::kustomer::{resource['type']}::{resource['name']}"
    news = {**resource["inputs"], "owner_marker": f"kustomer/dev/{resource['name']}"}
    checked = server.check(urn, _olds(resource), news)
    assert checked.failures == []
    diff = server.diff(urn, resource["id"], _olds(resource), checked.inputs, resource["inputs"])
    assert (diff.changes, diff.replaces) == (False, [])
