"""An interrupted create recovers; another's version is refused; two stacks never both hold a working secret.

Kustomer keeps every registered version forever and cannot delete one, so a ``pulumi up`` killed after Kustomer
committed a register but before the engine saved the state leaves a version behind. Each version this provider
registers carries its resource's owner marker (``definition.meta.pulumiOwner`` = ``<project>/<stack>/<resource>``,
``kustomer_provider.ownership``): the next ``up`` finds its own version and takes it over with no register request
and no user action, while a version of anybody else is refused with the steps that move it on purpose.

Everything runs through the engine harness against the simulator; the provider is killed as a crash kills it
(SIGKILL, found among this test's own processes).
"""

from __future__ import annotations

from typing import Any

import pytest

from kustomer_provider import provider_process
from kustomer_provider.app_secret import AppSecretProvider
from kustomer_provider.client import KustomerClient
from kustomer_provider.errors import KustomerOwnershipError
from kustomer_provider.rehearsal.engine import Engine, Result
from kustomer_provider.simulator import SimulatorProcess, rules
from kustomer_provider.stack_config import load_apps
from tests.support.dev_stack import APP, INSTALLS, SECRET, api, dev_apps, sim_app, token_status_for
from tests.support.engines import EngineFactory
from tests.support.interruption import ProviderKiller
from tests.support.rendering import assert_program_refusal, failure_message

NAME = f"{APP}_{rules.org_id_for('acme')}"
#: The dev app's owner marker in the harness's default project and stack.
MARKER = f"kustomer/dev/{APP}"
OTHER_STACK = f"kustomer/staging/{APP}"
REGISTER = ("POST", "/v1/apps/available")


def registered(simulator: SimulatorProcess) -> dict[str, Any]:
    """The dev app's registered versions in the simulator, by version (empty when the app does not exist)."""
    apps = simulator.state()["orgs"]["acme"]["apps"]
    versions: dict[str, Any] = apps[NAME]["versions"] if NAME in apps else {}
    return versions


def definition_of(apps: list[dict[str, Any]], **meta: str) -> dict[str, Any]:
    """The first app's definition as the provider builds it (no marker), with ``meta`` keys if given."""
    spec = load_apps(lambda key: apps)[0]
    built = spec.to_definition()
    if meta:
        built["meta"] = dict(meta)
    return built


def register_by_hand(simulator: SimulatorProcess, definition: dict[str, Any]) -> None:
    with api(simulator) as http:
        answer = http.post("/v1/apps/available", json=definition)
        assert answer.status_code == 201, answer.text


def writes_since(simulator: SimulatorProcess, since: int) -> list[tuple[str, str]]:
    """The POSTs to the API (registers, installs, mints) that arrived after arrival number ``since``."""
    return [
        (e["method"], e["route"])
        for e in simulator.requests(since)
        if e["method"] == "POST" and e["route"].startswith("/v1/")
    ]


def app_failure(result: Result) -> str:
    """The message the CLI prints under the dev app when its create fails: the message alone (no traceback)."""
    assert not result.ok
    return failure_message(result, APP)


def program_refusal(result: Result) -> str:
    """The program's refusal of the stack config, as the CLI prints it: the message alone, under the stack."""
    assert_program_refusal(result)
    return failure_message(result)


# -- (a) an interrupted create ------------------------------------------------------------------------------


def test_an_up_killed_after_the_register_committed_takes_its_version_over_on_the_next_up(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = make_engine({"kustomer:apps": dev_apps(adoptExisting=False)})  # the production setting
    # Each request waits before its handler: the install arrives 3 s after the register committed, and the
    # provider is killed in between.
    simulator.set_faults(latency_ms=3000)
    with ProviderKiller(lambda: "1.0.0" in registered(simulator)) as killer:
        interrupted = engine.up(check=False)
    assert killer.killed and not interrupted.ok
    assert APP not in [r.name for r in engine.state]  # the engine never saw the create end
    assert registered(simulator)["1.0.0"]["meta"] == {"pulumiOwner": MARKER}
    simulator.set_faults(latency_ms=0)
    since = simulator.last_request()

    result = engine.up()

    assert sorted(result.ops("create")) == sorted([APP, INSTALLS, SECRET])
    assert REGISTER not in writes_since(simulator, since)  # taken over, not registered again
    assert any(f"Taking over {NAME}-1.0.0: this resource registered it" in line for line in result.infos)
    assert list(registered(simulator)) == ["1.0.0"]
    app = result.outputs["apps"][APP]
    assert token_status_for(simulator, app) == 200
    assert sim_app(simulator, NAME)["installed"]["status"] == "installed"
    # The marker is no input change: the next up finds nothing to do.
    assert sorted(engine.up().ops("same")) == sorted([APP, INSTALLS, SECRET])


def test_an_update_killed_after_the_register_committed_takes_the_new_version_over(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = make_engine({"kustomer:apps": dev_apps(adoptExisting=False)})
    engine.up()
    engine.config["kustomer:apps"] = dev_apps(adoptExisting=False, version="1.0.1", title="StackOne link, v2")
    simulator.set_faults(latency_ms=3000)
    with ProviderKiller(lambda: "1.0.1" in registered(simulator)) as killer:
        assert not engine.up(check=False).ok
    assert killer.killed and engine.state.by_name(APP).outputs["version"] == "1.0.0"  # the update never ended
    simulator.set_faults(latency_ms=0)
    since = simulator.last_request()

    result = engine.up()

    assert APP in result.ops("update") and REGISTER not in writes_since(simulator, since)
    assert list(registered(simulator)) == ["1.0.0", "1.0.1"]
    assert engine.state.by_name(APP).outputs["version"] == "1.0.1"
    assert token_status_for(simulator, result.outputs["apps"][APP]) == 200


def test_after_a_destroy_a_plain_up_takes_its_own_version_back(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = make_engine({"kustomer:apps": dev_apps(adoptExisting=False)})
    first = engine.up().outputs["apps"][APP]
    engine.destroy()
    since = simulator.last_request()
    again = engine.up().outputs["apps"][APP]
    assert REGISTER not in writes_since(simulator, since)
    assert again["clientId"] == first["clientId"] and token_status_for(simulator, again) == 200


# -- (b) a version registered by anybody else ---------------------------------------------------------------


def test_an_unmarked_identical_version_is_refused_with_the_steps_that_take_it_over(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    # Registered by hand (or by a provider older than the marker, killed before its state was saved).
    register_by_hand(simulator, definition_of(dev_apps()))
    engine = make_engine({"kustomer:apps": dev_apps(adoptExisting=False)})

    refused = engine.up(check=False)

    text = app_failure(refused)
    assert "with exactly this definition but no owner marker" in text
    assert "probably this stack's own create" in text
    assert "set adoptExisting: true on this app in kustomer:apps" in text and "then set it back" in text
    assert sim_app(simulator, NAME)["secret"]["minted"] == 0
    # The steps the message gives.
    engine.config["kustomer:apps"] = dev_apps(adoptExisting=True)
    adopted = engine.up().outputs["apps"][APP]
    assert token_status_for(simulator, adopted) == 200 and list(registered(simulator)) == ["1.0.0"]
    engine.config["kustomer:apps"] = dev_apps(adoptExisting=False)
    back = engine.up()
    assert back.outputs["apps"][APP]["clientSecret"] == adopted["clientSecret"]
    assert list(registered(simulator)) == ["1.0.0"]


def test_a_version_registered_by_hand_with_another_definition_is_refused(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    register_by_hand(simulator, definition_of(dev_apps(title="Somebody else's app")))
    engine = make_engine({"kustomer:apps": dev_apps(adoptExisting=True)})
    text = app_failure(engine.up(check=False))
    assert "with a different definition, and registered versions never change" in text
    assert "Bump `version` above 1.0.0" in text
    assert registered(simulator)["1.0.0"]["title"] == "Somebody else's app"


def test_the_same_definition_with_another_stacks_marker_is_refused_even_with_adopt_existing(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    register_by_hand(simulator, definition_of(dev_apps(), pulumiOwner=OTHER_STACK))
    engine = make_engine({"kustomer:apps": dev_apps(adoptExisting=True)})
    since = simulator.last_request()

    text = app_failure(engine.up(check=False))

    assert f"carries the owner marker {OTHER_STACK!r}" in text
    assert f"this resource is {MARKER!r}" in text
    assert f"takeOverFrom: {OTHER_STACK}" in text and "remove it from that stack first" in text
    assert writes_since(simulator, since) == []  # nothing registered, installed or minted
    # Told to, it takes the app over: the version as it is, and a secret of its own.
    engine.config["kustomer:apps"] = dev_apps(adoptExisting=False, takeOverFrom=OTHER_STACK)
    since = simulator.last_request()
    result = engine.up()
    assert REGISTER not in writes_since(simulator, since)
    assert any("take_over_from names its owner" in line for line in result.infos)
    assert token_status_for(simulator, result.outputs["apps"][APP]) == 200


# -- (c) two stacks, one app --------------------------------------------------------------------------------


def test_a_second_stack_cannot_adopt_or_outbid_an_app_the_first_manages(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    first = make_engine({"kustomer:apps": dev_apps(adoptExisting=True)})
    held = first.up().outputs["apps"][APP]
    second = make_engine({"kustomer:apps": dev_apps(adoptExisting=True)}, stack="staging")
    since = simulator.last_request()

    adopting = app_failure(second.up(check=False))
    second.config["kustomer:apps"] = dev_apps(adoptExisting=True, version="1.0.1")
    outbidding = app_failure(second.up(check=False))

    for text in (adopting, outbidding):
        assert f"carries the owner marker {MARKER!r}" in text
        assert f"this resource is {OTHER_STACK!r}" in text
    assert writes_since(simulator, since) == [] and list(registered(simulator)) == ["1.0.0"]
    assert sim_app(simulator, NAME)["secret"]["minted"] == 1
    assert token_status_for(simulator, held) == 200  # the first stack's secret still works
    assert sorted(first.up().ops("same")) == sorted([APP, INSTALLS, SECRET])


def test_a_secret_revoked_by_another_mint_before_its_create_ends_fails_the_create(
    make_engine: EngineFactory, simulator: SimulatorProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two stacks adopting one unmarked app at once: the one whose mint is overtaken does not report success."""
    make_engine({"kustomer:apps": dev_apps()}).up()  # the app, installed
    overtaking: list[str] = []

    class OvertakenClient(KustomerClient):
        """Another stack mints for the same app right after this mint was answered."""

        def mint_secret(self, app_name: str, version: str | None = None) -> Any:
            minted = super().mint_secret(app_name, version)
            with api(simulator) as http:
                other = http.post(f"/v1/apps/available/{app_name}/secret/", json={})
                assert other.status_code == 200
                overtaking.append(other.json()["data"]["attributes"]["clientSecret"])
            return minted

    provider_process.reset(lambda c: OvertakenClient(base_url=c.base_url, api_key=c.api_key.get_secret_value()))
    monkeypatch.setattr("kustomer_provider.assumptions.MINTED_SECRET_CHECK_PAUSE_S", 0.05)
    try:
        provider_process.configure({"kustomer:apiKey": simulator.api_key, "kustomer:baseUrl": simulator.url})
        with pytest.raises(KustomerOwnershipError) as caught:
            AppSecretProvider().create({"app_name": NAME})
    finally:
        provider_process.reset()
    message = str(caught.value)
    assert "was refused at once by the token endpoint: another mint for the same app revoked it" in message
    assert "Let exactly one stack manage it" in message
    state = sim_app(simulator, NAME)["secret"]
    assert state["minted"] == 3 and state["current_fingerprint"] not in message  # the overtaking one lives
    assert overtaking[0] not in message


# -- (d) states and versions written before the marker ------------------------------------------------------


def test_a_state_without_markers_keeps_working_with_no_update_and_bumps_with_one(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = make_engine({"kustomer:apps": dev_apps(adoptExisting=False)})
    first = engine.up()
    # The state as the code before the marker wrote it.
    state = engine.state
    app = state.by_name(APP)
    for props in (app.inputs, app.outputs):
        props.pop("owner_marker", None)
        props.pop("take_over_from", None)
    state.put(app)
    state.save()
    simulator.reset_stats()

    same = engine.up()

    assert sorted(same.ops("same")) == sorted([APP, INSTALLS, SECRET]) and same.outputs == first.outputs
    assert simulator.stats()["requests"] == {"POST /oauth/token": 1}  # only the stored secret's check
    engine.config["kustomer:apps"] = dev_apps(adoptExisting=False, version="1.0.1")
    bumped = engine.up()
    assert APP in bumped.ops("update")
    assert registered(simulator)["1.0.1"]["meta"] == {"pulumiOwner": MARKER}
    assert engine.state.by_name(APP).outputs["owner_marker"] == MARKER


def test_a_renamed_stack_keeps_its_app_and_registers_under_its_new_marker(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine: Engine = make_engine({"kustomer:apps": dev_apps(adoptExisting=False)})
    engine.up()
    # `pulumi stack rename dev renamed` rewrites the URNs of the state.
    engine.state_path.write_text(engine.state_path.read_text().replace("urn:pulumi:dev::", "urn:pulumi:renamed::"))
    engine.stack = "renamed"
    assert sorted(engine.up().ops("same")) == sorted([APP, INSTALLS, SECRET])  # the marker changed: no update
    engine.config["kustomer:apps"] = dev_apps(adoptExisting=False, version="1.0.1")
    engine.up()  # the newest version carries the old marker, which its state recorded as its own
    assert registered(simulator)["1.0.1"]["meta"] == {"pulumiOwner": f"kustomer/renamed/{APP}"}


def test_a_user_meta_is_kept_beside_the_marker_and_the_marker_key_is_refused(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = make_engine({"kustomer:apps": dev_apps(definition={"meta": {"team": "platform"}})})
    engine.up()
    assert registered(simulator)["1.0.0"]["meta"] == {"team": "platform", "pulumiOwner": MARKER}
    engine.config["kustomer:apps"] = dev_apps(definition={"meta": {"pulumiOwner": OTHER_STACK}})
    refused = engine.up(check=False)
    assert "kustomer:apps[0].definition.meta.pulumiOwner: is written by the provider" in program_refusal(refused)


def test_a_marker_that_is_not_one_is_refused_naming_the_key(make_engine: EngineFactory) -> None:
    refused = make_engine({"kustomer:apps": dev_apps(takeOverFrom="staging")}).up(check=False)
    assert "kustomer:apps[0].takeOverFrom: must be an owner marker" in program_refusal(refused)
