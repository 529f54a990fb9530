"""What a user meets at run time, through the engine harness and the simulator: progress lines while installs
are awaited, a preview that fails early on an unusable connection, the environment fallbacks that Pulumi.yaml's
defaults leave in force, and a dev stack that survives destroy and up."""

from __future__ import annotations

import re

import pytest

from kustomer_provider.simulator import SimulatorProcess
from tests.support.dev_stack import APP, INSTALLS, api, dev_apps, dev_stack_config, token_status_for
from tests.support.engines import EngineFactory
from tests.support.paths import RAW_PROGRAM
from tests.support.rendering import PRIVATE_APP, check_failures, failure_message

FIVE_APPS = [
    {"app": name, "version": "1.0.0", "title": name.replace("_", " ").title()}
    for name in ("crm_sync", "billing_sync", "helpdesk_link", "survey_bot", "voice_bridge")
]


@pytest.mark.simulator_args("--install-ms", "3000")
def test_a_waited_install_logs_its_progress_to_the_engine(make_engine: EngineFactory) -> None:
    result = make_engine({"kustomer:apps": FIVE_APPS}).up()
    lines = [line for line in result.infos if re.search(r"\d+/5 installed", line)]
    print("\n".join(result.infos))  # the README's excerpt: pytest -s shows it
    assert lines[0].startswith("0/5 installed; waiting for ")
    assert re.fullmatch(r"5/5 installed; the wait took [34] s", lines[-1]), lines
    changes = [line for line in lines if "installing -> installed" in line]
    assert changes or len(lines) == 2  # every status change is told, unless all ended between two polls
    assert len(result.outputs["apps"]) == 5


def test_preview_without_an_api_key_fails_in_check_naming_what_to_set_with_no_request(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    simulator.reset_stats()
    result = make_engine(secret_config={}).preview(check=False)
    assert not result.ok
    # Each resource checked says the same: it has a problem (no input of its own is wrong).
    problems = [line for line in result.rendered.split("\n") if " has a problem: " in line]
    assert problems and all(line.startswith("    error: pulumi-python:dynamic/kustomer:") for line in problems)
    reasons = {line.split(" has a problem: ", 1)[1] for line in problems}
    assert len(reasons) == 1
    reason = reasons.pop()
    assert "kustomer:apiKey" in reason and "KUSTOMER_API_KEY" in reason
    assert result.ops("create") == []
    assert simulator.stats()["requests"] == {}


def test_preview_of_an_own_program_with_a_bad_org_name_fails_in_check(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    spec = {"name": "link", "app": {"app": "first_app", "version": "1.0.0", "title": "One"}, "secret": {}}
    config = {"kustomer:testApps": [spec], "kustomer:orgName": "Acme Corp", "kustomer:baseUrl": ""}
    simulator.reset_stats()
    result = make_engine(config, program=RAW_PROGRAM).preview(check=False)
    assert not result.ok
    (line,) = check_failures(result, "link")
    reason = line.split(f"error: {PRIVATE_APP} resource 'link' has a problem: ", 1)[1]
    assert "kustomer:orgName" in reason and "KUSTOMER_ORG_NAME" in reason and "'Acme Corp'" in reason
    assert simulator.stats()["requests"] == {}

    result = make_engine({"kustomer:testApps": [spec]}, program=RAW_PROGRAM).preview()  # a usable one passes
    assert result.ok and " has a problem: " not in result.rendered


@pytest.mark.simulator_args("--install-ms", "3000")
def test_the_install_timeout_falls_back_to_the_environment_under_pulumi_yaml_defaults(
    make_engine: EngineFactory,
) -> None:
    config = {k: v for k, v in dev_stack_config().items() if k != "kustomer:installTimeoutSeconds"}
    engine = make_engine(env={"KUSTOMER_INSTALL_TIMEOUT_SECONDS": "1"})
    engine.config = {**config, "kustomer:baseUrl": engine.config["kustomer:baseUrl"]}
    assert engine._all_config()["kustomer:installTimeoutSeconds"] == ""  # Pulumi.yaml's default: unset
    failed = engine.up(check=False)
    assert not failed.ok
    assert "did not finish within 1s" in failure_message(failed, INSTALLS)  # the environment's 1 s, not 300 s


def test_destroy_then_up_of_the_dev_stack_takes_its_version_back_with_a_new_secret(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = make_engine()  # the committed dev stack, pointed at this test's simulator
    first = engine.up().outputs["apps"][APP]
    engine.destroy()
    again = engine.up().outputs["apps"][APP]
    assert again["clientId"] == first["clientId"]
    assert again["clientSecret"] != first["clientSecret"]
    assert token_status_for(simulator, again) == 200


def test_a_version_someone_else_registered_with_another_definition_is_still_refused(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    mine = dev_stack_config()["kustomer:apps"][0]
    with api(simulator) as http:
        theirs = {"app": APP, "version": mine["version"], "title": "Someone else's app", "visibility": "private"}
        assert http.post("/v1/apps/available", json=theirs).status_code == 201
    refused = make_engine().up(check=False)
    assert not refused.ok and "different definition" in failure_message(refused, APP)
    assert make_engine({"kustomer:apps": dev_apps(version="1.0.1")}).up().ok  # a higher version is the way


def test_progress_lines_never_carry_the_api_key(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    result = make_engine().up()
    assert any("1/1 installed; the wait took" in line for line in result.infos)
    assert all(simulator.api_key not in line for line in result.infos)
