"""The documented order, observed at the simulator: register, install, wait until installed, then mint.

The tutorial: "Install the app before you continue to Step 2: Generate a client secret." The simulator's
request log (``GET /_sim/requests``) records every request with what each install poll's answer said of
each app's install, so these tests find, for each app, its mint after the poll that saw it installed.
"""

from __future__ import annotations

from typing import Any

from kustomer_provider.simulator import SimulatorProcess
from tests.support.dev_stack import dev_stack_config
from tests.support.engines import EngineFactory
from tests.support.paths import RAW_PROGRAM
from tests.support.rendering import failure_message
from tests.support.request_log import first_seen_installed, mints_of


def three_apps() -> list[dict[str, Any]]:
    base = dev_stack_config()["kustomer:apps"][0]
    return [{**base, "app": f"order_app_{i}", "title": f"Order app {i}"} for i in range(3)]


def test_an_up_of_three_apps_mints_each_secret_after_a_poll_saw_its_install_final(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = make_engine({"kustomer:apps": three_apps()})
    since = simulator.last_request()
    result = engine.up()
    log = simulator.requests(since)

    names = [result.outputs["apps"][f"order_app_{i}"]["appName"] for i in range(3)]
    installs_started = [e for e in log if e["method"] == "POST" and e["path"] == "/v1/apps/install"]
    assert len(installs_started) == 3 and all(e["status"] in (200, 202) for e in installs_started)
    for name in names:
        mints = mints_of(log, name)
        assert [m["status"] for m in mints] == [200], f"{name}: {mints}"
        seen = first_seen_installed(log, name)
        # The mint arrived after the answer that said "installed" left, and after every install started.
        assert mints[0]["started_tick"] > seen["finished_tick"], (name, seen, mints[0])
        assert mints[0]["started_tick"] > max(e["finished_tick"] for e in installs_started)
        # And no poll answered after the mint still saw the app installing (it was final before).
        later = [e for e in log if e["started_tick"] > mints[0]["finished_tick"] and name in (e.get("installs") or {})]
        assert all(e["installs"][name]["status"] == "installed" for e in later)
    # The secrets' own check of the install state: at most one shared listing for all three (app-installs
    # already saw them installed in the same provider process), never one request per secret.
    after_first_mint = min(m["started_tick"] for name in names for m in mints_of(log, name))
    polls_among_mints = [e for e in log if e["route"] == "/v1/apps" and e["started_tick"] > after_first_mint]
    assert len(polls_among_mints) <= 1
    # Every secret works.
    for i in range(3):
        app = result.outputs["apps"][f"order_app_{i}"]
        assert simulator.state()["orgs"]["acme"]["apps"][app["appName"]]["secret"]["minted"] == 1


def test_a_secret_alone_waits_for_its_apps_install(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    spec = {
        "name": "alone",
        "app": {"app": "alone_app", "version": "1.0.0", "title": "Alone", "wait_for_install": False},
        "secret": {},
    }
    simulator.set_faults(install_ms=1500)
    engine = make_engine({"kustomer:testApps": [spec]}, program=RAW_PROGRAM)
    since = simulator.last_request()
    result = engine.up()
    log = simulator.requests(since)
    name = result.outputs["apps"]["alone"]["appName"]
    assert engine.state.by_name("alone").outputs["install_status"] == "installing"  # the app did not wait
    mints = mints_of(log, name)
    assert [m["status"] for m in mints] == [200]  # never refused: it was not sent before the install was final
    assert mints[0]["started_tick"] > first_seen_installed(log, name)["finished_tick"]


def test_a_secret_of_an_app_that_is_not_installed_fails_naming_it_and_mints_nothing(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    spec = {"name": "bare", "app": {"app": "bare_app", "version": "1.0.0", "title": "Bare", "install": False}}
    engine = make_engine({"kustomer:testApps": [{**spec, "secret": {}}]}, program=RAW_PROGRAM)
    since = simulator.last_request()
    result = engine.up(check=False)
    assert not result.ok
    name = engine.state.by_name("bare").outputs["app_name"]
    message = failure_message(result, "bare-secret")  # the secret's create fails, naming its app
    assert f"{name} is not installed" in message
    assert "install=True" in message and "KustomerAppInstalls" in message
    assert mints_of(simulator.requests(since), name) == []
    assert simulator.state()["orgs"]["acme"]["apps"][name]["secret"]["minted"] == 0
