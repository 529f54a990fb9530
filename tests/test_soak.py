"""The soak test: full lifecycles against a faulty simulator; nothing lost, nothing duplicated.

Short by default (CI); the README's figures come from the long mode:
    PYTEST_WORKERS=0 scripts/test tests/test_soak.py --soak-lifecycles 20 --soak-apps 3 --soak-report soak.json -s
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kustomer_provider.simulator import SimulatorProcess
from tests.support.soak import Soak


@pytest.mark.slow
def test_soak_lifecycles_under_faults_lose_and_duplicate_nothing(
    simulator: SimulatorProcess, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    lifecycles = request.config.getoption("--soak-lifecycles")
    soak = Soak(simulator, tmp_path, apps_per_lifecycle=request.config.getoption("--soak-apps"))
    report = soak.run(lifecycles)
    print("\n" + report.table())
    destination = request.config.getoption("--soak-report")
    if destination:
        Path(destination).write_text(json.dumps(report.as_dict(), indent=2))
    assert report.lifecycles == lifecycles
    assert report.violations == []
    assert report.lost_or_duplicated == 0
    # The faults really happened, and the client really retried through them.
    assert sum(report.faults_injected.values()) > 0
    assert sum(report.retries.values()) > 0
