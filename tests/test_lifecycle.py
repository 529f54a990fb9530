"""Every Pulumi verb against Kustomer's rules, through the engine harness and a fresh simulator.

Kustomer keeps registered versions forever, shows a secret once, and (in the simulator, the pessimistic
reading) revokes the previous secret when a new one is minted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kustomer_provider.rehearsal.engine import Engine
from kustomer_provider.simulator import SimulatorProcess
from tests.support.dev_stack import (
    APP,
    INSTALLS,
    SECRET,
    STACKONE_CALLBACK,
    api,
    dev_apps,
    dev_stack_config,
    sim_app,
    token_status,
    token_status_for,
)
from tests.support.engines import EngineFactory
from tests.support.paths import RAW_PROGRAM
from tests.support.rendering import PRIVATE_APP, check_failures, failure_message

# -- up: updates -------------------------------------------------------------------------------------


def test_version_bump_updates_in_place_and_keeps_the_client_id(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = make_engine()
    first = engine.up().outputs["apps"][APP]

    engine.config["kustomer:apps"] = dev_apps(version="1.1.0", title="StackOne link (dev, v2)")
    result = engine.up()
    assert sorted(result.ops("update")) == [INSTALLS, APP]  # app-installs waited for the new version's install
    assert result.ops("replace") == [] and result.ops("create") == []
    state = sim_app(simulator, first["appName"])
    assert list(state["versions"]) == ["1.0.0", "1.1.0"]
    assert state["installed"] == {"version": "1.1.0", "status": "installed", "error": None}
    assert state["versions"]["1.1.0"]["title"] == "StackOne link (dev, v2)"
    outputs = engine.state.by_name(APP).outputs
    assert outputs["client_id"] == first["clientId"]
    assert outputs["version"] == "1.1.0"
    assert engine.state.by_name(INSTALLS).outputs["installed_versions"] == {first["appName"]: "1.1.0"}
    # The secret did not follow the version (secretFollowsVersion is off): same secret, still valid.
    assert result.outputs["apps"][APP]["clientSecret"] == first["clientSecret"]
    assert token_status(simulator, first["clientId"], first["clientSecret"]) == 200


@pytest.mark.parametrize(
    ("version", "expected"),
    [("1.0.0", "bump the version"), ("0.9.0", "lower than the registered 1.0.0")],
)
def test_changed_definition_without_a_higher_version_fails_in_check_with_no_request(
    make_engine: EngineFactory, simulator: SimulatorProcess, version: str, expected: str
) -> None:
    engine = make_engine()
    engine.up()
    simulator.reset_stats()
    engine.config["kustomer:apps"] = dev_apps(version=version, title="Changed title")
    result = engine.up(check=False)
    assert not result.ok
    (line,) = check_failures(result, APP)  # the version, with the value the program gave
    assert line.startswith(
        f"error: {PRIVATE_APP} resource '{APP}': property version value {{{version}}} has a problem: "
    )
    assert expected in line and "1.0.1" in line
    assert simulator.stats()["requests"] == {}
    assert engine.state.by_name(APP).outputs["title"] == "StackOne link (dev)"  # state untouched


def test_roles_change_needs_a_major_bump(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    engine = make_engine()
    engine.config["kustomer:apps"] = dev_apps(definition={"roles": ["org.permission.customer.read"]})
    engine.up()
    simulator.reset_stats()
    engine.config["kustomer:apps"] = dev_apps(version="1.1.0", definition={"roles": ["org.permission.user.read"]})
    result = engine.up(check=False)
    (line,) = check_failures(result, APP)  # a nested path is no key of the inputs: the engine shows <nil>
    assert line.startswith(f"error: {PRIVATE_APP} resource '{APP}': property definition.roles value {{<nil>}} ")
    assert "2.0.0" in line
    assert simulator.stats()["requests"] == {}
    engine.config["kustomer:apps"] = dev_apps(version="2.0.0", definition={"roles": ["org.permission.user.read"]})
    assert sorted(engine.up().ops("update")) == [INSTALLS, APP]


def test_changing_app_replaces_and_the_old_app_stays_in_kustomer(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    spec = {"name": "link", "app": {"app": "first_app", "version": "1.0.0", "title": "One"}, "secret": {}}
    engine = make_engine({"kustomer:testApps": [spec]}, program=RAW_PROGRAM)
    first = engine.up().outputs["apps"]["link"]
    spec["app"]["app"] = "second_app"
    engine.config["kustomer:testApps"] = [spec]
    result = engine.up()
    assert result.ops("replace") == ["link", "link-secret"]  # the secret's app_name changed with it
    second = result.outputs["apps"]["link"]
    assert second["appName"].startswith("second_app_")
    apps = simulator.state()["orgs"]["acme"]["apps"]
    assert first["appName"] in apps and second["appName"] in apps
    assert any("Kustomer keeps app " + first["appName"] in w for w in result.warnings)


# -- rotation -------------------------------------------------------------------------------------


def _expire_rotation(engine: Engine) -> None:
    """Let the secret's rotation period pass: its stored rotate_at moves into the past."""
    state = engine.state
    secret = state.by_name(SECRET)
    secret.outputs["rotate_at"] = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    state.put(secret)
    state.save()


ROTATIONS = {
    "replace": lambda engine: engine.up(replace=[SECRET]),
    "taint": lambda engine: (engine.taint(SECRET), engine.up())[1],
    "trigger": lambda engine: (
        engine.config.update({"kustomer:apps": dev_apps(rotationTriggers={"quarter": "2026-Q4"})}),
        engine.up(),
    )[1],
    "rotate_after_days": lambda engine: (_expire_rotation(engine), engine.up())[1],
}


@pytest.mark.parametrize("how", sorted(ROTATIONS))
def test_rotation_mints_a_new_secret_for_the_same_client(
    make_engine: EngineFactory, simulator: SimulatorProcess, how: str
) -> None:
    engine = make_engine()
    before = engine.up().outputs["apps"][APP]
    old_fingerprint = engine.state.by_name(SECRET).outputs["fingerprint"]
    simulator.reset_stats()

    result = ROTATIONS[how](engine)

    assert result.ops("replace") == [SECRET]
    assert result.ops("delete") == [SECRET]  # the old one, after the new exists
    assert [urn.rsplit("::", 1)[1] for urn, op, _ in result.steps if op in ("replace", "delete")] == [SECRET, SECRET]
    after = result.outputs["apps"][APP]
    assert after["clientId"] == before["clientId"]
    assert after["clientSecret"] != before["clientSecret"]
    assert result.is_secret(f"apps.{APP}.clientSecret")
    # One mint, no other write: the app itself was not touched. The new secret is checked at the token endpoint
    # before the create reports success (one token request); a replacement the provider's diff does not see
    # coming (--replace, taint) first checks the stored secret still works: one more.
    requests = simulator.stats()["requests"]
    probes = 2 if how in ("replace", "taint") else 1
    assert requests == {"POST /v1/apps/available/{name}/secret/": 1, "POST /oauth/token": probes}
    new_state = engine.state.by_name(SECRET).outputs
    assert new_state["fingerprint"] != old_fingerprint
    assert sim_app(simulator, after["appName"])["secret"]["current_fingerprint"] == new_state["fingerprint"]
    assert token_status(simulator, after["clientId"], after["clientSecret"]) == 200
    assert token_status(simulator, before["clientId"], before["clientSecret"]) == 401
    if how == "rotate_after_days":
        assert datetime.fromisoformat(new_state["rotate_at"].replace("Z", "+00:00")) > datetime.now(UTC) + timedelta(
            days=89
        )
    assert engine.leaks([after["clientSecret"], before["clientSecret"], simulator.api_key]) == []


def test_secret_follows_the_app_version_when_asked(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    engine = make_engine({"kustomer:apps": dev_apps(secretFollowsVersion=True)})
    before = engine.up().outputs["apps"][APP]
    engine.config["kustomer:apps"] = dev_apps(secretFollowsVersion=True, version="1.0.1")
    result = engine.up()
    assert sorted(result.ops("update")) == [INSTALLS, APP] and result.ops("replace") == [SECRET]
    after = result.outputs["apps"][APP]
    assert after["clientSecret"] != before["clientSecret"]
    assert token_status(simulator, after["clientId"], after["clientSecret"]) == 200
    # Minted through the new version's endpoint.
    assert simulator.stats()["requests"]["POST /v1/apps/available/{name}-{version}/secret"] == 2


# -- no-op, preview ---------------------------------------------------------------------------------


def test_up_after_up_makes_no_api_request_and_one_secret_probe(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = make_engine()
    first = engine.up()
    simulator.reset_stats()
    second = engine.up()
    assert sorted(second.ops("same")) == [INSTALLS, APP, SECRET]
    assert second.outputs == first.outputs
    # Nothing of the API: only the secret's check that it still works, one token request (no mint, no token).
    assert simulator.stats()["requests"] == {"POST /oauth/token": 1}
    assert simulator.stats()["responses"] == {"400": 1}  # invalid_grant: the secret is live


def test_preview_with_unknowns_passes_check_and_diff_without_requests(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = make_engine()
    simulator.reset_stats()
    preview = engine.preview()
    assert sorted(preview.ops("create")) == [INSTALLS, APP, SECRET]
    assert preview.provider_calls.get("Create", 0) == 0
    assert simulator.stats()["requests"] == {}
    assert len(engine.state) == 0

    engine.up()
    engine.config["kustomer:apps"] = dev_apps(version="1.1.0", title="New title")
    simulator.reset_stats()
    preview = engine.preview()
    # The secret's app_name is not known until the app's update runs: it shows as an update, and the
    # real run, with every input known, leaves it alone.
    assert sorted(preview.ops("update")) == [INSTALLS, APP, SECRET]
    assert simulator.stats()["requests"] == {}
    assert engine.state.by_name(APP).outputs["version"] == "1.0.0"
    assert engine.up().ops("same") == [SECRET]

    # A change of app name: the secret's app_name is unknown until the new app exists.
    spec = {"name": "link", "app": {"app": "first_app", "version": "1.0.0", "title": "One"}, "secret": {}}
    raw = make_engine({"kustomer:testApps": [spec]}, program=RAW_PROGRAM)
    raw.up()
    spec["app"]["app"] = "renamed_app"
    raw.config["kustomer:testApps"] = [spec]
    simulator.reset_stats()
    preview = raw.preview()
    assert preview.ops("replace") == ["link"] and preview.ops("update") == ["link-secret"]
    assert simulator.stats()["requests"] == {}


def test_preview_reports_check_failures(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    engine = make_engine()
    engine.up()
    engine.config["kustomer:apps"] = dev_apps(title="Changed without a bump")
    preview = engine.preview(check=False)
    assert not preview.ok
    (line,) = check_failures(preview, APP)
    assert "property version value {1.0.0} has a problem: " in line and "bump the version" in line
    # The step generator stopped the preview: the engine adds no "preview failed" under the stack.
    assert preview.rendered.split("\n")[:3] == ["Diagnostics:", f"  {PRIVATE_APP} ({APP}):", f"    {line}"]


# -- refresh ---------------------------------------------------------------------------------------


def test_refresh_reports_a_version_registered_and_installed_outside_pulumi(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = make_engine()
    app = engine.up().outputs["apps"][APP]
    with api(simulator) as http:
        registered = http.post(
            "/v1/apps/available",
            json={"app": APP, "version": "1.2.0", "title": "Made by hand", "visibility": "private"},
        )
        assert registered.status_code == 201
        assert http.post("/v1/apps/install", json={"app": app["appName"], "version": "1.2.0"}).status_code in (200, 202)
    refreshed = engine.refresh()
    urn = engine.state.by_name(APP).urn
    changes = refreshed.changes[urn]
    assert changes["latest_version"] == ("1.0.0", "1.2.0")
    # 1.2.0 is newer than the 1.0.0 this stack installed: app-installs still counts its install as done.
    assert engine.state.by_name(INSTALLS).outputs["install_statuses"] == {app["appName"]: "installed"}
    assert engine.state.by_name(APP).outputs["version"] == "1.0.0"  # what this stack registered
    assert SECRET not in {engine.state.get(u).name for u in refreshed.changes}  # type: ignore[union-attr]
    # Refresh never mints: the secret is unchanged and still works.
    assert sim_app(simulator, app["appName"])["secret"]["minted"] == 1


def test_refresh_after_the_app_is_removed_drops_app_and_secret(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = make_engine()
    app = engine.up().outputs["apps"][APP]
    simulator.delete_app(app["appName"])
    simulator.reset_stats()
    refreshed = engine.refresh()
    assert sorted(refreshed.ops("gone")) == [INSTALLS, APP, SECRET]
    assert len(engine.state) == 0
    assert "POST" not in " ".join(simulator.stats()["requests"])  # read-only
    # The next up recreates them all, and waits for the new install.
    again = engine.up()
    assert sorted(again.ops("create")) == [INSTALLS, APP, SECRET]
    assert sim_app(simulator, app["appName"])["installed"]["status"] == "installed"


# -- adoption --------------------------------------------------------------------------------------


def test_adoption_with_and_without_adopt_existing(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    definition = dev_stack_config()["kustomer:apps"][0]
    with api(simulator) as http:
        made_by_hand = {
            "app": APP,
            "version": definition["version"],
            "title": definition["title"],
            "description": definition["description"],
            "visibility": "private",
            "redirectUris": definition["redirectUris"],
        }
        assert http.post("/v1/apps/available", json=made_by_hand).status_code == 201

    refused = make_engine({"kustomer:apps": dev_apps(adoptExisting=False)}).up(check=False)
    assert not refused.ok
    message = failure_message(refused, APP)
    assert "adopt_existing=True" in message and "bump `version`" in message

    adopted = make_engine({"kustomer:apps": dev_apps(adoptExisting=True)}).up()
    app = adopted.outputs["apps"][APP]
    assert sim_app(simulator, app["appName"])["installed"]["version"] == "1.0.0"
    assert token_status(simulator, app["clientId"], app["clientSecret"]) == 200

    # A registered version with another definition is never adopted.
    different = make_engine({"kustomer:apps": dev_apps(adoptExisting=True, title="Other title")}).up(check=False)
    assert not different.ok and "different definition" in failure_message(different, APP)


# -- destroy ---------------------------------------------------------------------------------------


def test_destroy_deletes_secrets_first_with_no_request_and_warns(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    spec = [
        {"name": "one", "app": {"app": "app_one", "version": "1.0.0", "title": "One"}, "secret": {}},
        {"name": "two", "app": {"app": "app_two", "version": "1.0.0", "title": "Two"}, "secret": {}},
    ]
    engine = make_engine({"kustomer:testApps": spec}, program=RAW_PROGRAM)
    engine.up()
    simulator.reset_stats()
    result = engine.destroy()
    deleted = result.ops("delete")
    assert sorted(deleted[:2]) == ["one-secret", "two-secret"] and sorted(deleted[2:]) == ["one", "two"]
    assert len(engine.state) == 0
    assert simulator.stats()["requests"] == {}
    warnings = " ".join(result.warnings)
    assert "Kustomer keeps app app_one_" in warnings and "Kustomer keeps app app_two_" in warnings
    assert "Settings > Apps" in warnings


def test_delete_before_replace_option_is_honoured(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    spec = {
        "name": "link",
        "app": {"app": "dbr_app", "version": "1.0.0", "title": "One", "redirect_uris": [STACKONE_CALLBACK]},
        "secret": {},
        "secret_opts": {"delete_before_replace": True},
    }
    engine = make_engine({"kustomer:testApps": [spec]}, program=RAW_PROGRAM)
    before = engine.up().outputs["apps"]["link"]
    result = engine.up(replace=["link-secret"])
    ops = [(urn.rsplit("::", 1)[1], op, detail) for urn, op, detail in result.steps]
    assert ops == [
        ("link", "same", ""),
        ("link-secret", "replace", "forced"),
        ("link-secret", "delete", "before-replace"),
    ]
    after = result.outputs["apps"]["link"]
    assert after["clientSecret"] != before["clientSecret"]
    assert token_status_for(simulator, after) == 200


def test_installing_later_and_toggling_adoption_register_nothing(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    spec = {"name": "late", "app": {"app": "late_app", "version": "1.0.0", "title": "Late", "install": False}}
    engine = make_engine({"kustomer:testApps": [{**spec, "secret": None}]}, program=RAW_PROGRAM)
    created = engine.up()
    name = created.outputs["apps"]["late"]["appName"]
    assert sim_app(simulator, name)["installed"] is None
    assert engine.state.by_name("late").outputs["install_status"] == "not_installed"

    simulator.reset_stats()
    spec["app"]["install"] = True
    engine.config["kustomer:testApps"] = [{**spec, "secret": None}]
    assert engine.up().ops("update") == ["late"]
    requests = simulator.stats()["requests"]
    assert "POST /v1/apps/available" not in requests and requests["POST /v1/apps/install"] == 1
    assert sim_app(simulator, name)["installed"]["version"] == "1.0.0"
    assert engine.state.by_name("late").outputs["install_status"] == "installed"

    simulator.reset_stats()
    spec["app"]["adopt_existing"] = True
    engine.config["kustomer:testApps"] = [{**spec, "secret": None}]
    assert engine.up().ops("update") == ["late"]
    assert simulator.stats()["requests"] == {}


def test_up_after_one_of_two_apps_was_removed_recreates_it_and_waits_for_its_install(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    extra = {**dev_apps()[0], "app": "extra_app", "title": "Extra"}
    engine = make_engine({"kustomer:apps": [*dev_apps(), extra]})
    apps = engine.up().outputs["apps"]
    simulator.delete_app(apps["extra_app"]["appName"])
    refreshed = engine.refresh()
    assert sorted(refreshed.ops("gone")) == ["extra_app", "extra_app-secret"]
    statuses = engine.state.by_name(INSTALLS).outputs["install_statuses"]
    assert statuses == {apps[APP]["appName"]: "installed", apps["extra_app"]["appName"]: "not_installed"}
    # Same apps by name and version, but one install is not final: app-installs waits again.
    again = engine.up()
    assert sorted(again.ops("create")) == ["extra_app", "extra_app-secret"] and again.ops("update") == [INSTALLS]
    new_name = again.outputs["apps"]["extra_app"]["appName"]
    assert sim_app(simulator, new_name)["installed"]["status"] == "installed"
    assert set(engine.state.by_name(INSTALLS).outputs["install_statuses"].values()) == {"installed"}
    assert token_status_for(simulator, again.outputs["apps"]["extra_app"]) == 200


def test_a_stack_made_before_app_installs_upgrades_without_touching_its_apps(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = make_engine()
    first = engine.up()
    # The state as the version before app-installs wrote it: the app waited in its create, no app-installs.
    state = engine.state
    app = state.by_name(APP)
    for props in (app.inputs, app.outputs):
        props.pop("wait_for_install", None)
    app.outputs.update(install_status="installed", installed_version="1.0.0")
    state.put(app)
    state.remove(state.by_name(INSTALLS).urn)
    state.save()
    simulator.reset_stats()
    upgraded = engine.up()
    assert sorted(upgraded.ops("same")) == [APP, SECRET] and upgraded.ops("create") == [INSTALLS]
    # app-installs sees the install done; the secret's check that it still works is one token request.
    assert simulator.stats()["requests"] == {"GET /v1/apps": 1, "POST /oauth/token": 1}
    assert upgraded.outputs == first.outputs
