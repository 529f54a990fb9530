"""Recorded client tests: replayed from ``tests/cassettes/`` with no server and no network.

Replay (the default, ``--record-mode=none``): requests match a recorded one by method, path, query and
body (never host or port: the simulator's port changes between recordings), else the test fails with
vcrpy's ``CannotOverwriteExistingCassetteException``. The network is blocked.

Recording: only through ``scripts/record-cassettes``, which starts a simulator (or uses a real org with
``KUSTOMER_LIVE=1``) and passes it here in ``KUSTOMER_RECORD_*`` variables. Every cassette passes
through the scrubber on the way in and through :class:`~tests.recorded.scrubbing.ScrubCheckingPersister`
on every load and save.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kustomer_provider.client import KustomerClient

from .scrubbing import ScrubCheckingPersister, scrub_request, scrub_response

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes"
#: Never contacted: replayed requests are answered from the cassette, and the network is blocked.
REPLAY_BASE_URL = "http://127.0.0.1:9"
RECORD_COMMAND = "scripts/record-cassettes"

#: Shared by every recorded test and by the scrubbing tests (which build their own VCR with it).
VCR_CONFIG: dict[str, Any] = {
    "serializer": "json",
    "match_on": ["method", "path", "query", "body"],
    "before_record_request": scrub_request,
    "before_record_response": scrub_response,
    "decode_compressed_response": True,
    "record_on_exception": False,
}


@dataclass(frozen=True)
class Recording:
    """Where requests go: nowhere (replay), or the simulator / real org of a recording run."""

    recording: bool
    target: str  # "replay", "simulator" or "live"
    base_url: str
    api_key: str
    readonly_api_key: str
    #: Suffix of the app names of new cassettes: fixed for the (fresh) simulator, unique for a real org.
    app_suffix: str


def _recording_from_env(record_mode: str) -> Recording:
    if record_mode == "none":
        return Recording(False, "replay", REPLAY_BASE_URL, "replay-api-key", "replay-api-key", "")
    names = ("KUSTOMER_RECORD_BASE_URL", "KUSTOMER_RECORD_API_KEY", "KUSTOMER_RECORD_READONLY_API_KEY")
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        pytest.fail(f"recording needs {', '.join(missing)}: record with {RECORD_COMMAND}", pytrace=False)
    target = os.environ.get("KUSTOMER_RECORD_TARGET", "simulator")
    return Recording(
        recording=True,
        target=target,
        base_url=os.environ["KUSTOMER_RECORD_BASE_URL"],
        api_key=os.environ["KUSTOMER_RECORD_API_KEY"],
        readonly_api_key=os.environ["KUSTOMER_RECORD_READONLY_API_KEY"],
        app_suffix="sim" if target == "simulator" else time.strftime("%Y%m%d%H%M%S", time.gmtime()),
    )


@pytest.fixture(scope="session")
def recording(record_mode: str) -> Recording:
    """This session's mode and target (``record_mode`` is pytest-recording's, ``none`` by default)."""
    return _recording_from_env(record_mode)


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    return dict(VCR_CONFIG)


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """``tests/cassettes/<test module>/``."""
    return str(CASSETTES / request.path.stem)


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


ClientFactory = Callable[..., KustomerClient]


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
