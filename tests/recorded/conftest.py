"""Recorded client tests: replayed from ``tests/cassettes/`` with no server and no network.

Replay (the default, ``--record-mode=none``): requests match a recorded one by method, path, query and
body (never host or port: the simulator's port changes between recordings), else the test fails with
vcrpy's ``CannotOverwriteExistingCassetteException``. The network is blocked.

Recording: only through ``scripts/record-cassettes``, which starts a simulator (or uses a real org with
``KUSTOMER_LIVE=1``) and passes it here in ``KUSTOMER_RECORD_*`` variables. Every cassette passes
through the scrubber on the way in and through :class:`~tests.support.scrubbing.ScrubCheckingPersister`
on every load and save.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from typing import Any

import pytest

from kustomer_provider.client import KustomerClient
from tests.support.recording import VCR_CONFIG, ClientFactory, Recording, cassette_root, recording_from_env
from tests.support.scrubbing import ScrubCheckingPersister


@pytest.fixture(scope="session")
def recording(record_mode: str) -> Recording:
    """This session's mode and target (``record_mode`` is pytest-recording's, ``none`` by default)."""
    return recording_from_env(record_mode)


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    return dict(VCR_CONFIG)


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """``tests/cassettes/<test module>/`` (or under ``KUSTOMER_CASSETTE_DIR`` while recording into a scratch folder)."""
    return str(cassette_root() / request.path.stem)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Fail the test whose cassette the checking persister refused to save (after vcrpy unpatched httpx)."""
    result = yield
    refused = ScrubCheckingPersister.take_refused()
    if refused:
        raise refused[0]
    return result


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    """Check every cassette pytest-recording loads or saves for unscrubbed secrets."""
    vcr.register_persister(ScrubCheckingPersister(getattr(vcr.persister, "extra_paths", ())))


@pytest.fixture
def app_name(vcr: Any, recording: Recording, request: pytest.FixtureRequest) -> str:
    """This test's app name, ``rec_<suffix>_<test>_<hash>``; the suffix is kept in the cassette's metadata."""
    suffix = vcr.get_metadata("app_suffix", recording.app_suffix)
    vcr.get_metadata("recorded_from", recording.target)
    test = request.node.name.removeprefix("test_")
    short = f"{test[:10].rstrip('_')}_{hashlib.sha256(test.encode()).hexdigest()[:4]}"  # unique per test
    return f"rec_{suffix}_{short}"


@pytest.fixture
def make_client(vcr: Any, recording: Recording) -> Iterator[ClientFactory]:
    """Deterministic clients: fixed jitter seed, no sleeping (except between a real org's install polls)."""
    assert isinstance(vcr._persister, ScrubCheckingPersister), "cassettes must load through the checking persister"
    sleep = time.sleep if recording.recording and recording.target == "live" else (lambda seconds: None)
    clients: list[KustomerClient] = []

    def make(api_key: str | None = None) -> KustomerClient:
        client = KustomerClient(
            base_url=recording.base_url, api_key=api_key or recording.api_key, sleep=sleep, seed=1234
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
