"""Fixtures of the simulator tests: an in-process app with an injected clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kustomer_provider.simulator import SimulatorSettings, create_app, rules
from tests.support.simulator_client import CONTROL_TOKEN, FakeClock, MakeClient, TestClient


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(clock: FakeClock) -> Iterator[MakeClient]:
    """Factory: a TestClient on a fresh simulator built from these settings (redirects not followed)."""
    clients: list[TestClient] = []

    def make(**settings: Any) -> TestClient:
        settings.setdefault("control_token", CONTROL_TOKEN)
        app = create_app(SimulatorSettings(**settings), clock=clock)
        # A loopback peer and Host, with the control token: what SimulatorProcess's control calls send.
        client = TestClient(
            app,
            base_url="http://127.0.0.1",
            client=("127.0.0.1", 50000),
            headers={rules.CONTROL_TOKEN_HEADER: settings["control_token"]},
            follow_redirects=False,
        )
        client.__enter__()  # one event loop for all its requests: much faster than one per request
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    """A simulator with default settings (install takes 300 ms of the fake clock)."""
    return make_client()
