"""What `pulumi up` costs per app: requests, waiting and connections, against a bound and a naive baseline.

    .venv/bin/python -m benchmarks.run --apps 50 --latency-ms 50 --install-ms 1000 --out benchmarks/results/n50.json

Starts the simulator with the given latency per request and install duration, provisions N apps with their
secrets through the engine harness (the SDK's real `python -m pulumi.dynamic` over gRPC, the program under
mocks), then runs a no-op up, a refresh, a rotation of every secret and a destroy. Then, side by side in the
same run, the create again with each app waiting for its own install in its create (`wait_for_install=True`,
the resource's default), N other apps through `tests/programs/raw_resources.py`. Per phase it prints and
writes: wall time, requests by endpoint and TCP connections opened (the simulator's stats), the ratio to
the bound, and from the simulator's request log the time to the first request (start-up) and the span of the
requests (the API work and the waits between requests). In the same run, the baseline: the tutorial's curl
sequence in its documented order (register, install, poll once a second until installed, then mint), one new
connection per request, one app after another.

Two bounds (see the README's performance section):
- `bound` (the issue's formula): the requests one app needs before the install wait x latency x ceil(N/4),
  plus the install duration once where the phase waits for installs, plus the requests one app needs after
  it x latency x ceil(N/4). For the create, in the documented order: register and install for every app,
  the install duration once (the program's apps start their installs and one `KustomerAppInstalls` waits
  for all of them together), then one mint per app (each secret depends on `app-installs`).
- `worker_bound`: what waiting for each install inside its app's create would cost: the install duration
  inside each wave of four, because the provider host serves 4 operations at once.

Every `up` that keeps a secret (no-op, and the rotation's diff of the apps) checks each stored secret once at
the token endpoint (one `POST /oauth/token` per secret, see `KustomerAppSecret`), and so does a refresh.
"""

from __future__ import annotations

import argparse
import compileall
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from kustomer_provider.rehearsal.engine import Engine, Result  # noqa: E402
from kustomer_provider.simulator import SimulatorProcess  # noqa: E402

WORKERS = 4  # the dynamic-provider host's thread pool
# Requests of the longest chain one resource needs, per phase: (before the install wait, after it).
CHAINS = {
    # app: register, install; then (app-installs: one listing a round, for all) its secret: one mint, and the
    # check of the new secret at the token endpoint
    "up (create)": (2, 2),
    "no-op up": (1, 0),  # secret: its check at the token endpoint
    "refresh": (3, 0),  # app: list versions, list installs (both shared by all reads); secret: its check
    "rotate all secrets": (2, 0),  # secret: one mint and its check
    "destroy": (0, 0),
    # app: register, install, (its own wait), then its secret: one mint and its check
    "up (create), each app waits in its create": (2, 2),
}
#: Requests made once per phase, before every chain: the creates' one listing of what was registered before the
#: run (each looks there for a version of its own, left by an interrupted run; provider_process.registered_before).
ONCE = {"up (create)": 1, "up (create), each app waits in its create": 1}
WAITS_FOR_INSTALLS = {"up (create)", "up (create), each app waits in its create"}
WAIT_IN_CREATE = "up (create), each app waits in its create"
RAW_PROGRAM = REPO_ROOT / "tests" / "programs" / "raw_resources.py"
DEFAULT_PROGRAM = REPO_ROOT / "__main__.py"
RUNS_THE_PROGRAM = {"up (create)", "no-op up", "rotate all secrets", WAIT_IN_CREATE}
CALLBACK = "https://api.stackone.com/connect/oauth2/kustomer/callback"


def apps_config(n: int, trigger: str = "") -> list[dict[str, Any]]:
    apps = []
    for i in range(n):
        app: dict[str, Any] = {
            "app": f"bench_app_{i:03d}",
            "version": "1.0.0",
            "title": f"Benchmark app {i}",
            "redirectUris": [CALLBACK],
            "scopes": ["org.permission.customer.read", "offline_access"],
        }
        if trigger:
            app["rotationTriggers"] = {"rotation": trigger}
        apps.append(app)
    return apps


def raw_apps_config(n: int) -> list[dict[str, Any]]:
    """The same apps under other names, declared straight as resources that wait in their creates."""
    specs = []
    for i in range(n):
        name = f"wait_app_{i:03d}"
        app = {"app": name, "version": "1.0.0", "title": f"Benchmark app {i}", "redirect_uris": [CALLBACK]}
        specs.append({"name": name, "app": {**app, "wait_for_install": True}, "secret": {}})
    return specs


def request_timeline(entries: list[dict[str, Any]], phase_started: float) -> dict[str, float | None]:
    """Where a phase's time went, from the simulator's request log: seconds from the phase's start to its
    first request (the program's and the provider's start-up, the first Check), from its first request to the
    end of its last (the requests and the waits between them), and from there to the phase's end."""
    if not entries:
        return {"to_first_request_s": None, "request_span_s": None}
    first = min(entry["started"] for entry in entries)
    last = max(entry["finished"] for entry in entries)
    return {"to_first_request_s": round(first - phase_started, 3), "request_span_s": round(last - first, 3)}


def phase_row(
    name: str,
    result: Result,
    wall: float,
    stats: dict[str, Any],
    n: int,
    latency: float,
    install: float,
    rate_limit: int = 0,
    timeline: dict[str, float | None] | None = None,
) -> dict[str, Any]:
    before, after = CHAINS[name]
    chain = before + after
    waves = math.ceil(n / WORKERS)
    waits = install if name in WAITS_FOR_INSTALLS else 0.0
    # Register and install for every app, the install duration once, then one mint per app.
    once = ONCE.get(name, 0) * latency
    bound = once + before * latency * waves + waits + after * latency * waves
    worker_bound = once + waves * (chain * latency + waits) + (waves * latency if name in WAITS_FOR_INSTALLS else 0.0)
    requests = dict(sorted(stats["requests"].items()))
    total = sum(requests.values())
    deployment = result.deployment_seconds
    timeline = timeline or request_timeline([], 0.0)
    span = timeline["request_span_s"]
    return {
        "phase": name,
        "wall_s": round(wall, 3),
        "deployment_s": round(deployment, 3),
        "requests": total,
        "requests_per_app": round(total / n, 2),
        "requests_by_endpoint": requests,
        "connections": stats["connections"],
        "faults": {k: v for k, v in stats["faults"].items() if v},
        "bound_s": round(bound, 3),
        "ratio_to_bound": round(deployment / bound, 2) if bound else None,
        "wall_ratio_to_bound": round(wall / bound, 2) if bound else None,
        "worker_bound_s": round(worker_bound, 3),
        "ratio_to_worker_bound": round(deployment / worker_bound, 2) if worker_bound else None,
        "ok": result.ok,
        "rate_limit_per_min": rate_limit,
        **timeline,
        "request_span_ratio_to_bound": round(span / bound, 2) if span is not None and bound else None,
    }


def run_baseline(sim: SimulatorProcess, n: int) -> dict[str, Any]:
    """The tutorial by hand: register, install, poll every second until installed, then mint; a new
    connection per request."""
    headers = {"Authorization": f"Bearer {sim.api_key}", "Content-Type": "application/json"}

    def call(method: str, path: str, body: Any = None) -> httpx.Response:
        with httpx.Client(base_url=sim.url, headers=headers, timeout=60) as http:  # like one curl each
            return http.request(method, path, json=body)

    sim.reset_stats()
    started = time.perf_counter()
    for i in range(n):
        definition = {"app": f"baseline_app_{i:03d}", "version": "1.0.0", "title": f"Baseline {i}",
                      "visibility": "private", "redirectUris": [CALLBACK]}  # fmt: skip
        name = call("POST", "/v1/apps/available", definition).json()["data"]["attributes"]["name"]
        call("POST", "/v1/apps/install", {"app": name, "version": "1.0.0"})
        while True:
            time.sleep(1.0)
            installs = call("GET", f"/v1/apps/{name}-1.0.0").json()["data"]
            if installs and installs[0]["attributes"]["status"] == "installed":
                break
        minted = call("POST", f"/v1/apps/available/{name}/secret/", {})
        if minted.status_code != 200:
            raise RuntimeError(f"baseline mint for {name} answered {minted.status_code}")
    wall = time.perf_counter() - started
    stats = sim.stats()
    return {
        "wall_s": round(wall, 3),
        "requests": sum(stats["requests"].values()),
        "connections": stats["connections"],
    }


def compile_bytecode() -> None:
    """Compile the package's bytecode first, as ``pip install`` of the wheel does.

    Our build machines set PYTHONDONTWRITEBYTECODE=1, so without this the editable install recompiles every
    module of ``kustomer_provider`` from source in each process (the program host and the provider), about
    60 ms each, which no installed copy pays.
    """
    for package in ("kustomer_provider", "tests"):
        compileall.compile_dir(REPO_ROOT / package, quiet=1)


def import_time(runs: int = 5) -> dict[str, float]:
    """Median seconds to import the provider modules in a fresh interpreter (and pulumi.dynamic alone)."""

    def median(code: str) -> float:
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT)
            samples.append(time.perf_counter() - started)
        return round(statistics.median(samples), 3)

    ours = median("import pulumi.dynamic, kustomer_provider.private_app, kustomer_provider.app_secret")
    sdk = median("import pulumi.dynamic")
    return {"provider_import_s": ours, "pulumi_dynamic_alone_s": sdk, "ours_on_top_s": round(ours - sdk, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--install-ms", type=float, default=1000.0)
    parser.add_argument("--rate-limit", type=int, default=0, help="requests per minute per org (0 = none)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the baseline (it takes N x ~1.3 s)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    parser.add_argument("--render", type=Path, help="print the table of an earlier run's JSON, run nothing")
    args = parser.parse_args(argv)
    if args.render:
        earlier = json.loads(args.render.read_text())
        for row in earlier["phases"]:
            row.setdefault("rate_limit_per_min", earlier.get("rate_limit_per_min", 0))
        add_net_figures(earlier["phases"])
        print(render(earlier))
        return 0
    n, latency, install = args.apps, args.latency_ms / 1000, args.install_ms / 1000
    compile_bytecode()

    sim_args = ["--latency-ms", str(args.latency_ms), "--install-ms", str(args.install_ms),
                "--rate-limit", str(args.rate_limit)]  # fmt: skip
    rows: list[dict[str, Any]] = []
    with SimulatorProcess(sim_args) as sim, tempfile.TemporaryDirectory() as workdir:
        engine = _engine(sim, Path(workdir) / "program", {"kustomer:apps": apps_config(n)})
        # Side by side: the same N apps, each waiting for its own install in its create.
        waiting = _engine(sim, Path(workdir) / "wait-in-create", {"kustomer:testApps": raw_apps_config(n)}, RAW_PROGRAM)
        phases = [
            ("up (create)", lambda: engine.up(check=False)),
            ("no-op up", lambda: engine.up(check=False)),
            ("refresh", lambda: engine.refresh(check=False)),
            ("rotate all secrets", lambda: _rotate(engine, n)),
            ("destroy", lambda: engine.destroy(check=False)),
            (WAIT_IN_CREATE, lambda: waiting.up(check=False)),
        ]
        provider_sizes: Counter[str] = Counter()
        for name, run in phases:
            since = sim.last_request()
            sim.reset_stats()
            started_at = time.time()  # epoch seconds, as the simulator's request log
            started = time.perf_counter()
            result = run()
            wall = time.perf_counter() - started
            timeline = request_timeline(sim.requests(since), started_at)
            if name == "up (create)":
                for resource in engine.state:
                    provider_sizes[resource.type.rsplit(":", 1)[-1]] = len(resource.inputs["__provider"])
            row = phase_row(name, result, wall, sim.stats(), n, latency, install, args.rate_limit, timeline)
            rows.append(row)
            if not result.ok:
                print(f"{name} failed:\n{result.rendered}", file=sys.stderr)
        baseline = None if args.no_baseline else run_baseline(sim, n)

    add_net_figures(rows)
    report = {
        "apps": n,
        "latency_ms": args.latency_ms,
        "install_ms": args.install_ms,
        "rate_limit_per_min": args.rate_limit,
        "phases": rows,
        "baseline_create": baseline,
        "ours_over_baseline_create": round(rows[0]["wall_s"] / baseline["wall_s"], 3) if baseline else None,
        "together_over_wait_in_create": round(rows[0]["wall_s"] / rows[-1]["wall_s"], 3),
        "pickled_provider_bytes": dict(provider_sizes),
        "import_time": import_time(),
    }
    print(render(report))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0 if all(r["ok"] for r in rows) else 1


def _engine(sim: SimulatorProcess, workdir: Path, apps: dict[str, Any], program: Path = DEFAULT_PROGRAM) -> Engine:
    """An engine over the simulator's org ``acme``, with ``apps`` (the program's or the raw program's key)."""
    config = {"kustomer:orgName": "acme", "kustomer:baseUrl": sim.url, "kustomer:installTimeoutSeconds": "600"}
    return Engine(workdir, config={**config, **apps}, secret_config={"kustomer:apiKey": sim.api_key}, program=program)


def add_net_figures(rows: list[dict[str, Any]]) -> None:
    """Each phase's provider time less the engine's overhead: what the phase's own API work cost, measured
    side by side in the same run. The overhead is the no-op up's time (Check and Diff of every resource)
    less its own requests' bound (each secret's check at the token endpoint)."""
    noop = next(r for r in rows if r["phase"] == "no-op up")
    overhead = max(0.0, noop["deployment_s"] - noop["bound_s"])
    for row in rows:
        runs_program = row["phase"] in RUNS_THE_PROGRAM  # refresh and destroy run no program, no Check/Diff
        net = max(0.0, row["deployment_s"] - overhead) if runs_program else row["deployment_s"]
        if row["phase"] == "no-op up":
            net = row["deployment_s"]  # its overhead is estimated from it: count all of it as its own work
        row["engine_overhead_s"] = overhead if runs_program else 0.0
        row["net_s"] = round(net, 3)
        row["net_ratio_to_bound"] = round(net / row["bound_s"], 2) if row["bound_s"] else None
        row["net_ratio_to_worker_bound"] = round(net / row["worker_bound_s"], 2) if row["worker_bound_s"] else None
        limit = row.get("rate_limit_per_min") or 0
        if limit and row["requests"]:
            # Fixed 60 s windows: the last window's requests need not wait, every earlier one does.
            rate_bound = (math.ceil(row["requests"] / limit) - 1) * 60.0
            row["rate_limit_bound_s"] = rate_bound
            row["net_ratio_to_rate_limit_bound"] = round(net / rate_bound, 2) if rate_bound else None


def _ratio(value: float | None) -> str:
    return f"{value:.2f}" if value else "-"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _rotate(engine: Engine, n: int) -> Result:
    engine.config["kustomer:apps"] = apps_config(n, trigger="rotated")
    return engine.up(check=False)


def render(report: dict[str, Any]) -> str:
    """The figures as a Markdown table."""
    lines = [
        f"N={report['apps']} apps, latency {report['latency_ms']:g} ms/request, installs {report['install_ms']:g} ms, "
        f"rate limit {report['rate_limit_per_min'] or 'none'}/min",
        "",
        "| phase | wall s | provider s | net s | requests | req/app | connections | bound s | wall / bound "
        "| provider / bound | net / bound | wait-in-create bound s | to first request s | request span s "
        "| span / bound |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["phases"]:
        r.setdefault("rate_limit_per_min", report.get("rate_limit_per_min", 0))
        lines.append(
            f"| {r['phase']} | {r['wall_s']:.2f} | {r['deployment_s']:.2f} | {r['net_s']:.2f} | {r['requests']} "
            f"| {r['requests_per_app']} | {r['connections']} | {r['bound_s']:.2f} "
            f"| {_ratio(r.get('wall_ratio_to_bound'))} | {_ratio(r['ratio_to_bound'])} "
            f"| {_ratio(r['net_ratio_to_bound'])} "
            f"| {r['worker_bound_s']:.2f} | {_seconds(r.get('to_first_request_s'))} "
            f"| {_seconds(r.get('request_span_s'))} | {_ratio(r.get('request_span_ratio_to_bound'))} |"
        )
    limited = [r for r in report["phases"] if r.get("rate_limit_bound_s")]
    if limited:
        lines.append("")
        lines += [
            f"Rate-limit bound for {r['phase']}: {r['requests']} requests at {r['rate_limit_per_min']}/min in fixed "
            f"60 s windows need {r['rate_limit_bound_s']:.0f} s; net / rate-limit bound: "
            f"{r['net_ratio_to_rate_limit_bound']}"
            for r in limited
        ]
    base = report["baseline_create"]
    if base:
        lines += [
            "",
            f"Baseline (tutorial by hand, create only): {base['wall_s']:.2f} s, {base['requests']} requests, "
            f"{base['connections']} connections. Ours / baseline (create wall time): "
            f"{report['ours_over_baseline_create']}",
        ]
    if report.get("together_over_wait_in_create"):
        lines += [
            "",
            "Installs waited for together / each in its app's create (create wall time, same run): "
            f"{report['together_over_wait_in_create']}",
        ]
    create = report["phases"][0]["requests_by_endpoint"]
    lines += [
        "",
        "Create requests by endpoint: " + ", ".join(f"{k} {v}" for k, v in create.items()),
        f"Pickled provider (__provider, base64 chars): {report['pickled_provider_bytes']}",
        f"Import time (median of 5): {report['import_time']}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
