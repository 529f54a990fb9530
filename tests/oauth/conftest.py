"""Fixtures of the OAuth helper's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kustomer_provider.simulator import SimulatorProcess


@pytest.fixture(scope="module")
def auto_sim() -> Iterator[SimulatorProcess]:
    """One simulator per module that consents at once; each test makes its own app (unique name)."""
    with SimulatorProcess(["--install-ms", "50", "--auto-consent"]) as sim:
        yield sim


@pytest.fixture(scope="module")
def consent_sim() -> Iterator[SimulatorProcess]:
    """One simulator per module that shows its consent page (no --auto-consent)."""
    with SimulatorProcess(["--install-ms", "50"]) as sim:
        yield sim
