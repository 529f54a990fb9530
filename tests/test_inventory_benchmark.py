"""The inventory benchmark runs end to end on a tiny N and counts what the docs claim: two listings a round of pages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.paths import REPO_ROOT


def test_inventory_benchmark_counts_pages_not_apps(tmp_path: Path) -> None:
    out = tmp_path / "inventory.json"
    command = [
        sys.executable,
        "-m",
        "benchmarks.inventory",
        "--apps",
        "3",
        "7",
        "--latency-ms",
        "0",
        "--page-size",
        "5",
    ]
    completed = subprocess.run(
        [*command, "--out", str(out)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert completed.returncode == 0, completed.stderr
    rows = {row["apps"]: row for row in json.loads(out.read_text())["rows"]}
    assert rows[3]["requests_by_endpoint"] == {"GET /v1/apps": 1, "GET /v1/apps/available": 1}
    assert rows[7]["requests_by_endpoint"] == {"GET /v1/apps": 2, "GET /v1/apps/available": 2}
    assert all(row["ok"] and row["apps_reported"] == row["apps"] for row in rows.values())
