"""The benchmark script runs end to end on a tiny N, and its figures hold what the README's table claims.

The figures themselves come from `python -m benchmarks.run` (README, Performance); this only keeps the
script working and checks the request counts, which do not depend on the machine's speed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.paths import REPO_ROOT


def test_benchmark_runs_every_phase_and_counts_requests(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    tiny = ["--apps", "3", "--latency-ms", "0", "--install-ms", "200", "--no-baseline", "--out", str(out)]
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", *tiny],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(out.read_text())
    phases = {row["phase"]: row for row in report["phases"]}
    assert all(row["ok"] for row in phases.values())
    create = phases["up (create)"]["requests_by_endpoint"]
    # Register, install and mint once per app; the installs are read through the org's list, never per app.
    for endpoint in ("POST /v1/apps/available", "POST /v1/apps/install", "POST /v1/apps/available/{name}/secret/"):
        assert create[endpoint] == 3
    assert create["GET /v1/apps"] >= 1 and not any(k.startswith("GET /v1/apps/{name}") for k in create)
    # A no-op up checks each stored secret once at the token endpoint, and nothing else.
    assert phases["no-op up"]["requests_by_endpoint"] == {"POST /oauth/token": 3}
    assert phases["destroy"]["requests"] == 0
    # One listing of versions and one of installs, shared by all reads, and each secret's check.
    assert phases["refresh"]["requests_by_endpoint"] == {
        "GET /v1/apps/available": 1,
        "GET /v1/apps": 1,
        "POST /oauth/token": 3,
    }
    # The secrets being replaced were minted, so their apps are installed: no listing, one mint each, and each
    # new secret checked at the token endpoint before its create reports success.
    assert phases["rotate all secrets"]["requests_by_endpoint"] == {
        "POST /v1/apps/available/{name}/secret/": 3,
        "POST /oauth/token": 3,
    }
    # The bound: register and install for every app, the install once, then one mint per app (N=3: one wave).
    assert phases["up (create)"]["bound_s"] == 0.2  # latency 0 here: the install duration alone
    waited_each = phases["up (create), each app waits in its create"]["requests_by_endpoint"]
    assert waited_each["POST /v1/apps/install"] == 3 and "GET /v1/apps/{name}-{version}" in waited_each
    assert set(report["pickled_provider_bytes"]) == {"PrivateApp", "AppSecret", "AppInstalls"}
    assert max(report["pickled_provider_bytes"].values()) < 200
    assert "| up (create) |" in completed.stdout
    # The request log splits each phase that makes requests into start-up and requests: both inside its wall
    # time, and the create's requests take at least the install duration (the mints wait for the installs).
    up = phases["up (create)"]
    assert 0 < up["to_first_request_s"] and up["to_first_request_s"] + up["request_span_s"] <= up["wall_s"]
    assert up["request_span_s"] >= 0.2 and up["request_span_ratio_to_bound"] >= 1.0
    assert phases["destroy"]["request_span_s"] is None  # no request, no span
