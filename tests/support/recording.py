"""The recorded suite's modes and vcrpy settings: where cassettes live, how requests match, where they go."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from kustomer_provider.client import KustomerClient

from .paths import REPO_ROOT
from .scrubbing import scrub_request, scrub_response

CASSETTES = REPO_ROOT / "tests" / "cassettes"
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


def recording_from_env(record_mode: str) -> Recording:
    """The mode of a session: replay for ``none``, else a recording run from ``KUSTOMER_RECORD_*`` variables."""
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


#: ``make_client(api_key=None) -> KustomerClient``: the ``make_client`` fixture's type.
ClientFactory = Callable[..., KustomerClient]
