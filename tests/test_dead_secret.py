"""A secret revoked behind the state's back is noticed and minted again; a probe that cannot tell changes nothing.

When the provider dies after Kustomer minted (which revoked the old secret) but before the engine saved the
new one, the state keeps a dead secret. Minting through the API behind the stack's back leaves exactly that:
the stack's secret revoked, the new one known to nobody.
"""

from __future__ import annotations

import socket

import httpx

from kustomer_provider.rehearsal.engine import Engine
from kustomer_provider.simulator import SimulatorProcess
from tests.support.dev_stack import APP, INSTALLS, SECRET, token_status, token_status_for
from tests.support.engines import EngineFactory


def interrupt_a_rotation(engine: Engine, simulator: SimulatorProcess) -> tuple[dict, str]:
    """The exported app and the stored fingerprint, after a mint nobody saved (the stack's secret is dead)."""
    app = engine.up().outputs["apps"][APP]
    fingerprint = engine.state.by_name(SECRET).outputs["fingerprint"]
    headers = {"Authorization": f"Bearer {simulator.api_key}"}
    minted = httpx.post(f"{simulator.url}/v1/apps/available/{app['appName']}/secret/", json={}, headers=headers)
    assert minted.status_code == 200
    assert token_status_for(simulator, app) == 401  # what consumers now get
    return app, fingerprint


def test_up_after_an_interrupted_rotation_mints_a_secret_that_works(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = make_engine()
    before, fingerprint = interrupt_a_rotation(engine, simulator)

    result = engine.up()

    assert result.ops("replace") == [SECRET] and sorted(result.ops("same")) == [INSTALLS, APP]
    assert next(d for _, op, d in result.steps if op == "replace") == "client_secret"  # why: the probe
    after = result.outputs["apps"][APP]
    assert after["clientId"] == before["clientId"] and after["clientSecret"] != before["clientSecret"]
    assert token_status_for(simulator, after) == 200  # the exported secret works at the token endpoint
    warning = next(w for w in result.warnings if "no longer works" in w)
    assert fingerprint in warning and before["appName"] in warning and "mints a new one" in warning
    assert before["clientSecret"] not in result.provider_stderr and after["clientSecret"] not in result.provider_stderr
    # The next up finds the new secret live: nothing changes.
    again = engine.up()
    assert sorted(again.ops("same")) == [INSTALLS, APP, SECRET]


def test_refresh_after_an_interrupted_rotation_reports_the_dead_secret(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = make_engine()
    before, fingerprint = interrupt_a_rotation(engine, simulator)

    refreshed = engine.refresh()

    secret_urn = engine.state.by_name(SECRET).urn
    assert refreshed.changes[secret_urn] == {"secret_status": ("live", "revoked")}
    warning = next(w for w in refreshed.warnings if "no longer works" in w)
    assert fingerprint in warning and before["appName"] in warning and "next `pulumi up`" in warning
    assert before["clientSecret"] not in refreshed.provider_stderr

    result = engine.up()
    assert next((op, detail) for urn, op, detail in result.steps if urn == secret_urn) == ("replace", "secret_status")
    after = result.outputs["apps"][APP]
    assert token_status_for(simulator, after) == 200
    assert engine.state.by_name(SECRET).outputs["secret_status"] == "live"


def test_a_refresh_of_a_live_secret_changes_nothing(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    engine = make_engine()
    engine.up()
    refreshed = engine.refresh()
    assert engine.state.by_name(SECRET).urn not in refreshed.changes
    assert engine.state.by_name(SECRET).outputs["secret_status"] == "live"
    assert not [w for w in refreshed.warnings if "secret" in w]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_probe_that_cannot_tell_changes_nothing(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    engine = make_engine()
    first = engine.up()
    stored = engine.state.by_name(SECRET).outputs
    # Kustomer out of reach: the token endpoint cannot be asked.
    engine.config["kustomer:baseUrl"] = f"http://127.0.0.1:{_closed_port()}"

    result = engine.up()

    assert sorted(result.ops("same")) == [INSTALLS, APP, SECRET]
    assert engine.state.by_name(SECRET).outputs == stored
    warning = next(w for w in result.warnings if "Could not tell whether the client secret" in w)
    assert stored["fingerprint"] in warning and "keeping it as it is" in warning
    assert stored["client_secret"] not in result.provider_stderr
    # The secret was never touched: it still works.
    app = first.outputs["apps"][APP]
    assert token_status(simulator, app["clientId"], app["clientSecret"]) == 200
