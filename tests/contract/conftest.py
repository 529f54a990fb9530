"""The contract suite's target: the simulator (default), or a real Kustomer org with ``KUSTOMER_LIVE=1``.

- Default: one simulator for the whole session (``--install-ms 100 --auto-consent``), so the suite
  stays fast. Tests that need its control API get the ``sim`` fixture.
- ``KUSTOMER_LIVE=1`` with ``KUSTOMER_API_KEY`` and ``KUSTOMER_BASE_URL``: the same tests against a
  real org. Every app is a new private app named ``contract_<timestamp>_<random>`` (registered
  versions are permanent in Kustomer), and tests that need simulator-only powers skip with the reason.
  Optional: ``KUSTOMER_ORG_NAME`` (else taken from a ``https://<org>.api.kustomerapp.com`` base URL)
  for the OAuth hosts; ``KUSTOMER_READONLY_API_KEY`` (a key with only ``org.permission.apps.read``) for
  the 403 check; ``KUSTOMER_WRONG_REGION_BASE_URL`` (another region's host) for the pod check.

Every contract test that can run against a real org carries the ``live`` marker (added here), and
every test of one of our undocumented decisions carries ``ours``: ``-m "live and ours"`` selects the
checks of our assumptions that a real org can answer.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kustomer_provider.client import KustomerClient
from kustomer_provider.simulator import SimulatorProcess
from tests.support.contract import LIVE, LIVE_COMMAND, Target, live_target

SIM_ARGS = ("--install-ms", "100", "--auto-consent")
CONTRACT_DIR = Path(__file__).resolve().parent
#: Fixtures that exist only with the simulator: a test using one cannot run against a real org.
SIM_ONLY_FIXTURES = frozenset({"sim", "auto_consent"})


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    """The session's target: a real org with KUSTOMER_LIVE=1, else a simulator started once."""
    if LIVE:
        yield live_target()
        return
    with SimulatorProcess(list(SIM_ARGS)) as sim:
        yield Target(base_url=sim.url, api_key=sim.api_key, live=False, org_name=None, sim=sim)


@pytest.fixture(scope="session")
def api(target: Target) -> Iterator[httpx.Client]:
    """Plain httpx with the admin key, as Kustomer's docs call the API (redirects are not followed)."""
    headers = {"Authorization": f"Bearer {target.api_key}", "Accept": "application/json"}
    with httpx.Client(base_url=target.base_url, headers=headers, timeout=30.0, follow_redirects=False) as client:
        yield client


@pytest.fixture(scope="session")
def anonymous(target: Target) -> Iterator[httpx.Client]:
    """Plain httpx without credentials (the OAuth endpoints, and the 401 checks)."""
    with httpx.Client(base_url=target.base_url, timeout=30.0, follow_redirects=False) as client:
        yield client


@pytest.fixture
def client(target: Target) -> Iterator[KustomerClient]:
    """Our API client on the target, with a fixed jitter seed."""
    with KustomerClient(base_url=target.base_url, api_key=target.api_key, seed=0) as kustomer:
        yield kustomer


@pytest.fixture
def app_name(target: Target) -> str:
    """A fresh, unique bare app name."""
    return target.new_app()


@pytest.fixture
def sim(target: Target) -> SimulatorProcess:
    """The simulator; skips against a real org (the control API /_sim exists only in the simulator)."""
    if target.sim is None:
        pytest.skip("needs the simulator's control API (/_sim: fault settings, extra API keys), which a real org lacks")
    return target.sim


@pytest.fixture
def restore_faults(sim: SimulatorProcess) -> Iterator[SimulatorProcess]:
    """The simulator, with its fault settings put back after the test (the simulator is shared)."""
    before: dict[str, Any] = sim.set_faults()
    try:
        yield sim
    finally:
        sim.set_faults(**before)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every contract test that can run against a real org with ``live``."""
    for item in items:
        if CONTRACT_DIR in item.path.resolve().parents and SIM_ONLY_FIXTURES.isdisjoint(
            getattr(item, "fixturenames", ())
        ):
            item.add_marker(pytest.mark.live)


def _how_to_run_live() -> list[str]:
    if LIVE:
        org = os.environ.get("KUSTOMER_BASE_URL", "?")
        return [
            f"contract suite: LIVE against {org}; creates private apps contract_<timestamp>_<random> "
            "(registered versions are permanent); simulator-only tests skip"
        ]
    return [
        "contract suite: against the local simulator (started once per session)",
        f"  to check the same contract against a real Kustomer sandbox org: {LIVE_COMMAND}",
    ]


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say which target the contract suite uses and how to point it at a real org."""
    return _how_to_run_live()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Repeat the live command after a run that included contract tests."""
    ran = any(
        str(getattr(report, "nodeid", "")).startswith("tests/contract/")
        for reports in terminalreporter.stats.values()
        for report in reports
    )
    if ran:
        terminalreporter.section("Kustomer contract")
        for line in _how_to_run_live():
            terminalreporter.write_line(line)
