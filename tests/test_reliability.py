"""Faults, rate limits, permission errors and concurrency: `pulumi up` survives or fails loudly and safely."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

from kustomer_provider import provider_process
from kustomer_provider.client import KustomerClient, RetryPolicy
from kustomer_provider.errors import KustomerNotFoundError
from kustomer_provider.private_app import PrivateAppProvider
from kustomer_provider.simulator import SimulatorProcess
from tests.support.dev_stack import APP, INSTALLS, dev_apps, sim_app, token_status_for
from tests.support.engines import EngineFactory
from tests.support.paths import RAW_PROGRAM
from tests.support.rendering import failure_message

# Without the dev stack's adoptExisting, so that setting it is the change that recovers a failed install.
THREE_APPS = dev_apps(adoptExisting=False) + [
    {**dev_apps(adoptExisting=False)[0], "app": f"extra_app_{i}", "title": f"Extra {i}"} for i in range(2)
]


@pytest.mark.simulator_args("--seed", "5")
def test_up_completes_under_30_percent_5xx_and_429_bursts(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    # Three apps: some 20 requests, so that a 30% failure rate surely strikes (0.7^20 < 0.1%).
    simulator.set_faults(fail_rate=0.3, rate_limit=8, rate_window_s=1.0)
    engine = make_engine({"kustomer:apps": THREE_APPS})
    # Another client of the org spends the shared budget in bursts meanwhile, so 429s come unannounced.
    stop = threading.Event()

    def noisy_neighbour() -> None:
        with httpx.Client(base_url=simulator.url, headers={"Authorization": f"Bearer {simulator.api_key}"}) as http:
            while not stop.is_set():
                for _ in range(6):
                    http.get("/v1/users/current")
                stop.wait(0.7)

    neighbour = threading.Thread(target=noisy_neighbour)
    neighbour.start()
    try:
        result = engine.up()
    finally:
        stop.set()
        neighbour.join()
    app = result.outputs["apps"][APP]
    assert sorted(result.outputs["apps"]) == ["extra_app_0", "extra_app_1", APP]
    faults = simulator.stats()["faults"]
    assert faults["fail_500"] + faults["fail_502"] + faults["fail_503"] > 0
    assert faults["rate_limited"] > 0
    assert "info: retrying" in result.provider_stderr
    simulator.set_faults(fail_rate=0.0, rate_limit=0)
    state = sim_app(simulator, app["appName"])
    assert list(state["versions"]) == ["1.0.0"] and state["installed"]["status"] == "installed"
    assert state["secret"]["current_fingerprint"] == engine.state.by_name(f"{APP}-secret").outputs["fingerprint"]
    assert token_status_for(simulator, app) == 200


@pytest.mark.simulator_args("--seed", "11")
def test_up_survives_answers_dropped_after_commit(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    # Every write commits and then loses its answer once in two: register, install and mint are all retried.
    # Three apps make some 9 writes, so that drops surely happen (and the seed makes them repeatable).
    simulator.set_faults(drop_after_commit_rate=0.5)
    engine = make_engine({"kustomer:apps": THREE_APPS})
    result = engine.up()
    assert sorted(result.outputs["apps"]) == ["extra_app_0", "extra_app_1", APP]
    app = result.outputs["apps"][APP]
    assert simulator.stats()["faults"]["dropped_after_commit"] > 0
    simulator.set_faults(drop_after_commit_rate=0.0)
    state = sim_app(simulator, app["appName"])
    assert list(state["versions"]) == ["1.0.0"]  # a retried register adopted its own version: no duplicate
    # A retried mint returns the newest secret: the one in the state is the one Kustomer accepts.
    assert state["secret"]["current_fingerprint"] == engine.state.by_name(f"{APP}-secret").outputs["fingerprint"]
    assert token_status_for(simulator, app) == 200


def test_permanent_403_fails_at_once_naming_the_missing_role(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    simulator.add_key("reader-key-0123456789", ["org.permission.apps.read"])
    simulator.reset_stats()
    started = time.monotonic()
    result = make_engine(secret_config={"kustomer:apiKey": "reader-key-0123456789"}).up(check=False)
    elapsed = time.monotonic() - started
    assert not result.ok
    message = failure_message(result, APP)  # the app's create: its register, the first write
    assert "403" in message and "org.admin.apps" in message
    assert "reader-key-0123456789" not in result.rendered + result.provider_stderr
    # No retry (the one listing before it, looking for a version of its own or one to adopt, is allowed to a reader).
    assert simulator.stats()["requests"] == {"GET /v1/apps/available": 1, "POST /v1/apps/available": 1}
    assert elapsed < 15  # no backoff: process start-up only


def test_unknown_key_and_wrong_region_key_say_which(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    unknown = make_engine(secret_config={"kustomer:apiKey": "no-such-key-0123456789"}).up(check=False)
    message = failure_message(unknown, APP)
    assert "401" in message and "kustomer:apiKey" in message
    simulator.add_key("eu-key-0123456789", ["org.admin.apps", "org.permission.apps"], pod="prod2")
    other_region = make_engine(secret_config={"kustomer:apiKey": "eu-key-0123456789"}).up(check=False)
    message = failure_message(other_region, APP)
    assert "another Kustomer region" in message and "prod2" in message
    for result in (unknown, other_region):
        assert "0123456789" not in result.rendered + result.provider_stderr


def test_install_failure_reports_kustomers_reason_and_how_to_recover(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    simulator.set_faults(install_fail=[APP])
    failed = make_engine().up(check=False)
    assert not failed.ok
    message = failure_message(failed, INSTALLS)  # app-installs waits for the installs, and fails
    assert "simulated failure" in message and "adopt_existing=True" in message
    simulator.set_faults(install_fail=[])
    recovered = make_engine({"kustomer:apps": dev_apps(adoptExisting=True)}).up()
    app = recovered.outputs["apps"][APP]
    assert list(sim_app(simulator, app["appName"])["versions"]) == ["1.0.0"]
    assert token_status_for(simulator, app) == 200


def test_install_timeout_reports_the_last_status(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    simulator.set_faults(install_ms=60_000)
    result = make_engine({"kustomer:installTimeoutSeconds": "1"}).up(check=False)
    assert not result.ok
    message = failure_message(result, INSTALLS)
    assert "did not finish within 1s" in message and "last status: installing" in message


def test_many_apps_in_parallel_share_one_client(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    specs = [
        {"name": f"app{i}", "app": {"app": f"parallel_app_{i}", "version": "1.0.0", "title": f"App {i}"}, "secret": {}}
        for i in range(8)
    ]
    simulator.set_faults(fail_rate=0.1)
    engine = make_engine({"kustomer:testApps": specs}, program=RAW_PROGRAM, parallel=4)
    simulator.reset_stats()
    result = engine.up()
    simulator.set_faults(fail_rate=0.0)
    assert len(result.ops("create")) == 16
    apps = simulator.state()["orgs"]["acme"]["apps"]
    for i in range(8):
        output = result.outputs["apps"][f"app{i}"]
        assert list(apps[output["appName"]]["versions"]) == ["1.0.0"]
        assert apps[output["appName"]]["secret"]["current_fingerprint"] == output["fingerprint"]
    # One provider process, one connection pool: a handful of connections for 8 apps, not one per request.
    assert simulator.stats()["connections"] <= 8


def test_the_shared_client_is_thread_safe(simulator: SimulatorProcess) -> None:
    simulator.reset_stats()
    errors: list[BaseException] = []
    with KustomerClient(base_url=simulator.url, api_key=simulator.api_key) as client:

        def work() -> None:
            try:
                for _ in range(10):
                    client.list_installed()
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert client.stats.requests["GET /v1/apps"] == 80
    stats = simulator.stats()
    assert stats["requests"]["GET /v1/apps"] == 80
    assert stats["connections"] <= 8


class _SlowClient:
    """Records how many creates run at once on one app."""

    def __init__(self) -> None:
        self.active = 0
        self.most = 0
        self.lock = threading.Lock()

    def close(self) -> None:
        """Nothing to close."""

    def list_available(self) -> list[Any]:
        """Nothing registered before (the create's look for a version of its own)."""
        return []

    def register_version(self, definition: dict[str, Any]) -> Any:
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
        time.sleep(0.05)
        with self.lock:
            self.active -= 1
        from kustomer_provider.answers import AvailableApp

        name = f"{definition['app']}_{'0' * 24}"
        return AvailableApp(id=f"{name}-1.0.0", name=name, version=definition["version"], clientId="cid")


def test_operations_on_one_app_are_serialized() -> None:
    slow = _SlowClient()
    provider_process.reset(client_factory=lambda _settings: slow)  # type: ignore[arg-type,return-value]
    provider_process.configure({"kustomer:apiKey": "k-0123456789", "kustomer:baseUrl": "http://127.0.0.1:9"})
    try:
        props = {"app": "same_app", "version": "1.0.0", "title": "T", "install": False}
        threads = [threading.Thread(target=PrivateAppProvider().create, args=(dict(props),)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert slow.most == 1
        assert provider_process.app_lock("same_app") is provider_process.app_lock(f"same_app_{'ab' * 12}")
    finally:
        provider_process.reset()


def test_5xx_are_retried_with_backoff_within_the_budget(simulator: SimulatorProcess) -> None:
    slept: list[float] = []
    simulator.set_faults(fail_rate=1.0)
    client = KustomerClient(
        base_url=simulator.url,
        api_key=simulator.api_key,
        retry=RetryPolicy(max_attempts=4, base_delay=0.2, max_delay=5.0, total_budget=30.0),
        sleep=slept.append,
        seed=7,
    )
    with client, pytest.raises(Exception, match="retries did not get through"):
        client.list_available()
    assert len(slept) == 3
    # Exponential with full jitter: each wait in [0, ceiling], the ceiling doubling from 0.2 s, unless the
    # answer (a 503) asked for more with Retry-After: 1.
    for wait, ceiling in zip(slept, (0.2, 0.4, 0.8), strict=True):
        assert 0 <= wait <= ceiling or wait == 1.0, slept
    assert simulator.stats()["requests"]["GET /v1/apps/available"] == 4


def test_the_client_slows_down_before_the_rate_limit_instead_of_meeting_429s(simulator: SimulatorProcess) -> None:
    simulator.set_faults(rate_limit=6, rate_window_s=1.0)
    with KustomerClient(base_url=simulator.url, api_key=simulator.api_key) as client:
        started = time.monotonic()
        for _ in range(12):
            client.list_installed()
        elapsed = time.monotonic() - started
    # The x-ratelimit-* headers told it the budget was nearly spent: it waited for the window, unrefused.
    assert client.governor.waited > 0 and elapsed >= 0.9
    assert simulator.stats()["faults"]["rate_limited"] == 0
    assert client.stats.requests["GET /v1/apps"] == 12


def test_nothing_is_retried_on_4xx(simulator: SimulatorProcess) -> None:
    simulator.reset_stats()
    with KustomerClient(base_url=simulator.url, api_key=simulator.api_key) as client:
        with pytest.raises(KustomerNotFoundError):
            client.mint_secret("no_such_app")
    # One mint, refused, never repeated (the listing after it only tells that no version exists).
    assert simulator.stats()["requests"] == {"POST /v1/apps/available/{name}/secret/": 1, "GET /v1/apps/available": 1}


def test_connection_refused_is_reported_with_the_host() -> None:
    client = KustomerClient(
        base_url="http://127.0.0.1:9", api_key="k-0123456789", retry=RetryPolicy(max_attempts=2), sleep=lambda s: None
    )
    with client, pytest.raises(Exception, match=r"127\.0\.0\.1:9 is reachable") as info:
        client.list_available()
    assert "k-0123456789" not in str(info.value)


def test_one_failed_install_among_three_names_it_keeps_every_app_and_mints_once_all_are_installed(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    simulator.set_faults(install_fail=["extra_app_1"])
    engine = make_engine({"kustomer:apps": THREE_APPS})
    failed = engine.up(check=False)
    assert not failed.ok
    message = failure_message(failed, INSTALLS)
    assert "could not install 1 of 3 apps" in message and "extra_app_1_" in message
    assert "simulated failure" in message and "adopt_existing=True" in message
    assert "extra_app_0" not in message and APP not in message  # only the failed app is named
    # The others are installed; every app is in the state. The secrets wait for app-installs (the order:
    # install, then the secret), so none was minted while an install was not final.
    apps = simulator.state()["orgs"]["acme"]["apps"]
    for name in (APP, "extra_app_0", "extra_app_1"):
        app_state = engine.state.by_name(name).outputs
        assert f"{name}-secret" not in [r.name for r in engine.state]
        assert apps[app_state["app_name"]]["secret"]["minted"] == 0
        installed = apps[app_state["app_name"]]["installed"]
        assert (installed["status"] if installed else None) == (
            "install_failed" if name == "extra_app_1" else "installed"
        )

    simulator.set_faults(install_fail=[])
    simulator.reset_stats()
    recovered_apps = [dict(a, adoptExisting=True) if a["app"] == "extra_app_1" else a for a in THREE_APPS]
    engine.config["kustomer:apps"] = recovered_apps
    recovered = engine.up()
    assert recovered.ops("update") == ["extra_app_1"]
    assert sorted(recovered.ops("create")) == ["app-installs", *sorted(f"{a['app']}-secret" for a in THREE_APPS)]
    requests = simulator.stats()["requests"]
    assert requests["POST /v1/apps/available/{name}/secret/"] == 3  # one mint per app, each once installed
    assert requests["POST /v1/apps/install"] == 1  # only the failed one is installed again
    output = recovered.outputs["apps"]["extra_app_1"]
    assert token_status_for(simulator, output) == 200
