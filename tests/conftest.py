"""Shared fixtures: a fresh simulator per test, and engines (the harness) pointed at it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from kustomer_provider.rehearsal.engine import Engine
from kustomer_provider.simulator import SimulatorProcess
from tests.support.dev_clients import DEV_CLIENT_SECRETS
from tests.support.dev_stack import dev_stack_config
from tests.support.engines import EngineFactory, clients_pointed_at
from tests.support.paths import DEV_PROGRAM

# Property-based tests: "ci" (the default, what scripts/test and CI run) gives every property a few hundred
# generated examples; HYPOTHESIS_PROFILE=thorough scripts/test tests/property runs many more locally.
# No deadline: the machines are noisy, and time is measured by the benchmark, not by tests.
settings.register_profile(
    "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile(
    "thorough", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def simulator(request: pytest.FixtureRequest) -> Iterator[SimulatorProcess]:
    """A fresh simulator on a free port: installs take 150 ms, consent is automatic.

    ``@pytest.mark.simulator_args("--seed", "7")`` adds flags (a seed makes injected faults repeatable).
    """
    marker = request.node.get_closest_marker("simulator_args")
    extra = list(marker.args) if marker else []
    with SimulatorProcess(["--install-ms", "150", "--auto-consent", *extra]) as sim:
        yield sim


@pytest.fixture
def make_engine(tmp_path: Path, simulator: SimulatorProcess) -> EngineFactory:
    """Build an engine for a stack whose config is the dev stack's, pointed at the test's simulator.

    The dev stack's ``kustomer:registeredClients`` (other platforms' clients) are left out unless the test
    asks for them with ``registered_clients=True`` (or gives the key itself), so that the Kustomer tests count
    the Kustomer resources and requests alone; their secrets are always passed as secret config.
    """
    count = 0

    def factory(
        config: dict[str, Any] | None = None,
        *,
        program: Path | None = None,
        registered_clients: bool = False,
        **kwargs: Any,
    ) -> Engine:
        nonlocal count
        count += 1
        dev = dev_stack_config()
        if not registered_clients:
            dev.pop("kustomer:registeredClients", None)
        stack_config = {**dev, "kustomer:baseUrl": simulator.url, **(config or {})}
        if stack_config.get("kustomer:registeredClients"):
            stack_config["kustomer:registeredClients"] = clients_pointed_at(stack_config, simulator.url)
        secret_config = {**DEV_CLIENT_SECRETS, **kwargs.pop("secret_config", {"kustomer:apiKey": simulator.api_key})}
        options: dict[str, Any] = {"config": stack_config, "secret_config": secret_config, **kwargs}
        options["program"] = program if program is not None else DEV_PROGRAM
        return Engine(tmp_path / f"stack-{count}", **options)

    return factory


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests (marked slow) first: with two workers, each starts on one while the other runs the short
    ones, instead of one long test ending the run alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: the rest keep their order


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kustomer")
    group.addoption(
        "--soak-lifecycles",
        type=int,
        default=2,
        help="lifecycles the soak test runs (default 2, for CI; the README's figures come from 20)",
    )
    group.addoption("--soak-apps", type=int, default=2, help="apps per soak lifecycle (default 2)")
    group.addoption("--soak-report", default=None, help="write the soak's figures as JSON to this file")
