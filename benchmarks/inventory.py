"""What an inventory costs: requests and time for N apps, against the page bound, side by side with a per-app reading.

    .venv/bin/python -m benchmarks.inventory --apps 40 400 --latency-ms 50 --out benchmarks/results/inventory.json

For each N: starts the simulator (no rate limit, installs at once), registers and installs N private apps by hand
through the API, then sets the latency per request and runs ``python -m kustomer_provider.inventory --json`` in
its own process with a key that may only read. Per N it writes: wall time of the command (process start included),
requests by endpoint (the simulator's stats) and the page bound: ``ceil(versions / page size)`` listings of versions
plus ``ceil(installed / page size)`` listings of installs, two requests per round of pages. Beside it, in the same
run, what reading each app on its own would cost (one ``GET /v1/apps/{name}-{version}`` per app after the
listings, the shape a provider's per-resource read has), counted, not sent, as ``per_app_requests``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from kustomer_provider.simulator import SimulatorProcess  # noqa: E402

READER = "benchmark-reader-key"


def populate(sim: SimulatorProcess, n: int) -> None:
    """N private apps registered and installed by hand (one version each)."""
    with httpx.Client(base_url=sim.url, headers={"Authorization": f"Bearer {sim.api_key}"}, timeout=30) as http:
        for i in range(n):
            body = {"app": f"inv_app_{i:04d}", "version": "1.0.0", "title": f"App {i}", "visibility": "private"}
            answer = http.post("/v1/apps/available", json=body)
            answer.raise_for_status()
            name = answer.json()["data"]["attributes"]["name"]
            http.post("/v1/apps/install", json={"app": name, "version": "1.0.0"}).raise_for_status()


def measure(n: int, latency_ms: float, page_size: int) -> dict[str, Any]:
    args = ["--rate-limit", "0", "--install-ms", "0", "--page-size", str(page_size)]
    with SimulatorProcess(args) as sim:
        sim.add_key(READER, ["org.permission.apps.read"])
        populate(sim, n)
        sim.set_faults(latency_ms=latency_ms)
        sim.reset_stats()
        env = {**os.environ, "KUSTOMER_API_KEY": READER, "KUSTOMER_BASE_URL": sim.url}
        started = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-m", "kustomer_provider.inventory", "--json"],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - started
        if completed.returncode != 0:
            raise SystemExit(f"inventory failed ({completed.returncode}):\n{completed.stderr}")
        apps = len(json.loads(completed.stdout)["apps"])
        stats = sim.stats()
    by_endpoint = dict(sorted(stats["requests"].items()))
    requests = sum(by_endpoint.values())
    pages = math.ceil(n / page_size)
    bound_requests = 2 * pages
    return {
        "apps": n,
        "apps_reported": apps,
        "latency_ms": latency_ms,
        "page_size": page_size,
        "wall_s": round(wall, 3),
        "requests": requests,
        "requests_by_endpoint": by_endpoint,
        "bound_requests": bound_requests,
        "bound_s": round(bound_requests * latency_ms / 1000.0, 3),
        "per_app_requests": bound_requests + n,
        "ok": apps == n and requests == bound_requests,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", type=int, nargs="+", default=[40, 400])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    rows = [measure(n, args.latency_ms, args.page_size) for n in args.apps]
    print(f"{'apps':>6} {'requests':>9} {'bound':>6} {'per-app':>8} {'wall s':>7} {'bound s':>8}")
    for row in rows:
        print(
            f"{row['apps']:>6} {row['requests']:>9} {row['bound_requests']:>6} {row['per_app_requests']:>8} "
            f"{row['wall_s']:>7} {row['bound_s']:>8}"
        )
    report = {"command": "python -m kustomer_provider.inventory --json", "rows": rows}
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
