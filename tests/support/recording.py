"""The recorded suite's modes and vcrpy settings: where cassettes live, how requests match, where they go.

A recording is deterministic: recording the same tests against a fresh simulator twice gives byte-identical
cassettes (``tests/test_rerecording.py`` keeps it so). Besides the scrubber's placeholders
(:mod:`~tests.support.scrubbing`), :func:`record_request` and :func:`record_response` replace what changes
from one recording to the next and that no test reads:

- the simulator's address (a free port each time) -> :data:`REPLAY_BASE_URL`, in URIs, ``Host`` and ``Location``;
- the ``Date`` header -> :data:`RECORDED_DATE`, and every ISO 8601 time in a JSON body (``createdAt``,
  ``startedAt``, ``updatedAt``) -> :data:`RECORDED_TIME`;
- a ``clientId`` (random per registration) -> one derived from its app's name, the same in every answer about
  that app (so "one client id for every version" still holds on replay).

``scripts/record-cassettes`` also starts its simulator without a rate limit, so no ``x-ratelimit-*`` header
(which counts requests and seconds) is recorded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from vcr.request import Request

from kustomer_provider.client import KustomerClient

from .paths import REPO_ROOT
from .scrubbing import body_text, compact_json, like_body, scrub_request, scrub_response, set_response_body

CASSETTES = REPO_ROOT / "tests" / "cassettes"
#: Where a recording run writes instead (``scripts/record-cassettes`` records into a scratch folder first).
CASSETTE_DIR_VARIABLE = "KUSTOMER_CASSETTE_DIR"
#: Never contacted: replayed requests are answered from the cassette, and the network is blocked.
REPLAY_BASE_URL = "http://127.0.0.1:9"
RECORD_COMMAND = "scripts/record-cassettes"
RECORDED_DATE = "Tue, 01 Dec 2026 00:00:00 GMT"
RECORDED_TIME = "2026-12-01T00:00:00.000Z"
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")


def cassette_root() -> Path:
    """Where cassettes are read and written: ``tests/cassettes``, unless a recording run says otherwise."""
    override = os.environ.get(CASSETTE_DIR_VARIABLE, "").strip()
    return Path(override) if override else CASSETTES


def _simulator_netloc() -> str | None:
    """The address of the simulator being recorded from (a new free port each run), if that is the target."""
    if os.environ.get("KUSTOMER_RECORD_TARGET") != "simulator":
        return None
    netloc = urlsplit(os.environ.get("KUSTOMER_RECORD_BASE_URL", "")).netloc
    return netloc or None


def _fixed_address(url: str) -> str:
    netloc = _simulator_netloc()
    parts = urlsplit(url)
    if netloc is None or parts.netloc != netloc:
        return url
    fixed = urlsplit(REPLAY_BASE_URL)
    return urlunsplit(parts._replace(scheme=fixed.scheme, netloc=fixed.netloc))


def recorded_client_id(app_name: str) -> str:
    """The client id a cassette shows for an app: 24 hex digits derived from its name."""
    return hashlib.sha256(f"recorded client of {app_name}".encode()).hexdigest()[:24]


def _fixed_json(value: Any) -> Any:
    if isinstance(value, dict):
        out = {key: _fixed_json(item) for key, item in value.items()}
        if isinstance(out.get("clientId"), str) and isinstance(out.get("name"), str):
            out["clientId"] = recorded_client_id(out["name"])
        return out
    if isinstance(value, list):
        return [_fixed_json(item) for item in value]
    if isinstance(value, str) and _ISO_TIME.fullmatch(value):
        return RECORDED_TIME
    return value


def _fixed_body(body: Any) -> Any:
    if not body:
        return body
    try:
        parsed = json.loads(body_text(body))
    except ValueError:
        return body
    fixed = compact_json(_fixed_json(parsed))
    return body if fixed == compact_json(parsed) else like_body(body, fixed)  # unchanged: the bytes as sent


def record_request(request: Request) -> Request:
    """vcrpy ``before_record_request``: scrubbed, then the simulator's address fixed."""
    request = scrub_request(request)
    request.uri = _fixed_address(request.uri)
    headers = request.headers
    netloc = _simulator_netloc()
    for name in list(headers):
        if name.lower() == "host" and netloc is not None and headers[name] == netloc:
            headers[name] = urlsplit(REPLAY_BASE_URL).netloc
    request.headers = headers
    return request


def record_response(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy ``before_record_response``: scrubbed, then the times, client ids and addresses fixed."""
    response = scrub_response(response)
    headers: dict[str, list[str]] = response.get("headers", {})
    for name in list(headers):
        lowered = name.lower()
        if lowered == "date":
            headers[name] = [RECORDED_DATE]
        elif lowered == "location":
            headers[name] = [_fixed_address(v) for v in headers[name]]
    body = response.get("body", {}).get("string")
    fixed = _fixed_body(body)
    if fixed is not body:
        set_response_body(response, fixed)
    return response


#: Shared by every recorded test and by the scrubbing tests (which build their own VCR with it).
VCR_CONFIG: dict[str, Any] = {
    "serializer": "json",
    "match_on": ["method", "path", "query", "body"],
    "before_record_request": record_request,
    "before_record_response": record_response,
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
