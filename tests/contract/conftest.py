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
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from kustomer_provider.client import KustomerClient
from kustomer_provider.connection import OAuthEndpoints, oauth_endpoints, resolve_connection
from kustomer_provider.simulator import SimulatorProcess

LIVE = os.environ.get("KUSTOMER_LIVE") == "1"
LIVE_COMMAND = "KUSTOMER_LIVE=1 KUSTOMER_API_KEY=... KUSTOMER_BASE_URL=https://<org>.api.kustomerapp.com scripts/test tests/contract"
SIM_ARGS = ("--install-ms", "100", "--auto-consent")
CONTRACT_DIR = Path(__file__).resolve().parent
#: Fixtures that exist only with the simulator: a test using one cannot run against a real org.
SIM_ONLY_FIXTURES = frozenset({"sim", "auto_consent"})
_PER_ORG_HOST = re.compile(r"^([a-z0-9-]+)\.api\.kustomerapp\.com$")


@dataclass
class Target:
    """Where the contract tests send requests, and what they may do there."""

    base_url: str
    api_key: str
    live: bool
    org_name: str | None
    sim: SimulatorProcess | None = None
    run_id: str = field(default_factory=lambda: time.strftime("%Y%m%d%H%M%S", time.gmtime()))
    #: How long an install may take: the simulator's take 100 ms; a real org's are slower.
    install_timeout: float = 10.0

    def new_app(self) -> str:
        """A fresh app name, ``contract_<timestamp>_<random>`` (30 characters, fits every limit)."""
        return f"contract_{self.run_id}_{secrets.token_hex(3)}"

    @property
    def oauth(self) -> OAuthEndpoints:
        """The authorize and token URLs of this target (the simulator serves both on its base URL)."""
        return oauth_endpoints(self.org_name, self.base_url)

    @property
    def consent_host_known(self) -> bool:
        """Whether :attr:`oauth` is right: a kustomerapp.com API host needs the org name for the consent host."""
        host = httpx.URL(self.base_url).host
        return bool(self.org_name) or not (host == "kustomerapp.com" or host.endswith(".kustomerapp.com"))


def _live_target() -> Target:
    missing = [v for v in ("KUSTOMER_API_KEY", "KUSTOMER_BASE_URL") if not os.environ.get(v)]
    if missing:
        pytest.fail(f"KUSTOMER_LIVE=1 needs {' and '.join(missing)}. Run: {LIVE_COMMAND}", pytrace=False)
    connection = resolve_connection({}, os.environ)  # validates the key and the base URL
    org_name = connection.org_name
    if org_name is None:
        match = _PER_ORG_HOST.match(httpx.URL(connection.base_url).host)
        org_name = match.group(1) if match else None
    return Target(
        base_url=connection.base_url,
        api_key=connection.api_key.get_secret_value(),
        live=True,
        org_name=org_name,
        install_timeout=300.0,
    )


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    """The session's target: a real org with KUSTOMER_LIVE=1, else a simulator started once."""
    if LIVE:
        yield _live_target()
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
