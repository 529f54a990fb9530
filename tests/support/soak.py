"""The soak: many full lifecycles (up, rotate, update, refresh, destroy) against a faulty simulator, each
step checked against the simulator's truth. Used by tests/test_soak.py (short in CI, long with
``--soak-lifecycles``).

A failed ``up`` is re-run, as a user or a CI retry would, following the error's advice where it gives one
(``adopt_existing=True``); such failures are counted as "surfaced to the user" with their reason.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kustomer_provider.rehearsal.engine import Engine, Result
from kustomer_provider.simulator import SimulatorProcess

from .paths import DEV_PROGRAM
from .rendering import first_failure

FAULTS = {
    "fail_rate": 0.2,
    "drop_after_commit_rate": 0.1,
    "rate_limit": 15,
    "rate_window_s": 1.0,
    "latency_ms": 5,
    "install_ms": 100,
}
_RETRY_LINE = re.compile(r"^info: retrying (\S+) (\S+) after (\S+)", re.MULTILINE)
MAX_ATTEMPTS_PER_STEP = 4


@dataclass
class SoakReport:
    lifecycles: int = 0
    apps_per_lifecycle: int = 0
    ups: int = 0
    refreshes: int = 0
    destroys: int = 0
    faults_injected: dict[str, int] = field(default_factory=dict)
    requests_served: int = 0
    retries: dict[str, int] = field(default_factory=dict)
    failures_surfaced: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    @property
    def lost_or_duplicated(self) -> int:
        return len(self.violations)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "lost_or_duplicated": self.lost_or_duplicated}

    def table(self) -> str:
        """The figures, as the README's reliability section shows them."""
        faults = ", ".join(f"{k} {v}" for k, v in sorted(self.faults_injected.items())) or "none"
        retries = ", ".join(f"{k} {v}" for k, v in sorted(self.retries.items())) or "none"
        reasons = Counter(self.failures_surfaced)
        surfaced = "; ".join(f"{n}x {reason}" for reason, n in reasons.most_common()) or "none"
        rows = [
            (
                "lifecycles run (up, rotate, update, refresh, destroy)",
                f"{self.lifecycles} x {self.apps_per_lifecycle} apps",
            ),
            ("ups / refreshes / destroys", f"{self.ups} / {self.refreshes} / {self.destroys}"),
            ("API requests served", str(self.requests_served)),
            ("faults injected", faults),
            ("retries made by the client", retries),
            ("failures surfaced to the user", f"{len(self.failures_surfaced)} ({surfaced})"),
            ("lost or duplicated", str(self.lost_or_duplicated)),
        ]
        return "\n".join(["| measure | figure |", "|---|---|", *[f"| {a} | {b} |" for a, b in rows]])


class Soak:
    """Runs lifecycles against one simulator and checks every step against its state."""

    def __init__(self, simulator: SimulatorProcess, workdir: Path, *, apps_per_lifecycle: int = 2) -> None:
        self.simulator = simulator
        self.workdir = workdir
        self.apps_per_lifecycle = apps_per_lifecycle
        self.report = SoakReport(apps_per_lifecycle=apps_per_lifecycle)
        self._retries: Counter[str] = Counter()

    # -- driving the engine -------------------------------------------------------------------------

    def _record(self, result: Result) -> None:
        for method, _path, reason in _RETRY_LINE.findall(result.provider_stderr):
            self._retries[f"{method} after {reason}"] += 1

    def _up(self, engine: Engine, *, replace: list[str] | None = None) -> Result:
        for _attempt in range(MAX_ATTEMPTS_PER_STEP):
            self.report.ups += 1
            result = engine.up(check=False, replace=replace or [])
            self._record(result)
            if result.ok:
                return result
            reason = (first_failure(result) or "?").splitlines()[0]
            self.report.failures_surfaced.append(_short_reason(reason))
            if "adopt_existing=True" in reason:  # follow the advice, as the user would
                for app in engine.config["kustomer:apps"]:
                    app["adoptExisting"] = True
        raise AssertionError(f"up kept failing: {self.report.failures_surfaced[-MAX_ATTEMPTS_PER_STEP:]}")

    def _other(self, engine: Engine, operation: str) -> Result:
        for _attempt in range(MAX_ATTEMPTS_PER_STEP):
            result = engine.refresh(check=False) if operation == "refresh" else engine.destroy(check=False)
            self._record(result)
            if operation == "refresh":
                self.report.refreshes += 1
            else:
                self.report.destroys += 1
            if result.ok:
                return result
            self.report.failures_surfaced.append(
                _short_reason(f"{operation}: {(first_failure(result) or '?').splitlines()[0]}")
            )
        raise AssertionError(f"{operation} kept failing")

    # -- truth checks -------------------------------------------------------------------------------

    def _violation(self, lifecycle: int, text: str) -> None:
        self.report.violations.append(f"lifecycle {lifecycle}: {text}")

    def _check(self, lifecycle: int, engine: Engine, result: Result, versions: list[str]) -> None:
        apps = self.simulator.state()["orgs"]["acme"]["apps"]
        state = engine.state
        for spec in engine.config["kustomer:apps"]:
            name = spec["app"]
            output = result.outputs["apps"][name]
            app_state = state.by_name(name).outputs
            secret_state = state.by_name(f"{name}-secret").outputs
            truth = apps.get(output["appName"])
            if truth is None:
                self._violation(lifecycle, f"{name} is in the stack but not in Kustomer (lost)")
                continue
            if sorted(truth["versions"]) != versions:
                self._violation(lifecycle, f"{name} has versions {sorted(truth['versions'])}, expected {versions}")
            if truth["installed"] is None or truth["installed"]["version"] != versions[-1]:
                self._violation(lifecycle, f"{name} installed {truth['installed']}, expected {versions[-1]}")
            if truth["clientId"] != app_state["client_id"] or truth["clientId"] != output["clientId"]:
                self._violation(lifecycle, f"{name} client id differs from Kustomer's")
            if truth["secret"]["current_fingerprint"] != secret_state["fingerprint"]:
                self._violation(
                    lifecycle, f"{name}: the secret in the stack is not the one Kustomer accepts (orphaned)"
                )
            installed = state.by_name("app-installs").outputs["installed_versions"].get(output["appName"])
            if app_state["version"] != versions[-1] or installed != versions[-1]:
                self._violation(lifecycle, f"{name} outputs say {app_state['version']} installed {installed}, "
                                f"Kustomer {versions[-1]}")  # fmt: skip
        prefix = f"soak{lifecycle}_"
        managed = {result.outputs["apps"][s["app"]]["appName"] for s in engine.config["kustomer:apps"]}
        for name in apps:
            if name.startswith(prefix) and name not in managed:
                self._violation(lifecycle, f"{name} exists in Kustomer but no stack manages it (lost)")

    # -- one lifecycle -------------------------------------------------------------------------------

    def lifecycle(self, number: int) -> None:
        apps = [
            {
                "app": f"soak{number}_{j}",
                "version": "1.0.0",
                "title": f"Soak {number}.{j}",
                "redirectUris": ["https://api.stackone.com/connect/oauth2/kustomer/callback"],
                "scopes": ["org.permission.customer.read"],
            }
            for j in range(self.apps_per_lifecycle)
        ]
        engine = Engine(
            self.workdir / f"lifecycle-{number}",
            config={
                "kustomer:orgName": "acme",
                "kustomer:baseUrl": self.simulator.url,
                "kustomer:installTimeoutSeconds": "60",
                "kustomer:apps": apps,
            },
            secret_config={"kustomer:apiKey": self.simulator.api_key},
            program=DEV_PROGRAM,
        )
        created = self._up(engine)
        self._check(number, engine, created, ["1.0.0"])
        before = {a["app"]: created.outputs["apps"][a["app"]]["clientSecret"] for a in apps}

        for app in apps:
            app["rotationTriggers"] = {"rotation": str(number)}
        rotated = self._up(engine)
        self._check(number, engine, rotated, ["1.0.0"])
        for app in apps:
            if rotated.outputs["apps"][app["app"]]["clientSecret"] == before[app["app"]]:
                self._violation(number, f"{app['app']}: rotation did not mint a new secret")

        for app in apps:
            app.update(version="1.1.0", title=f"{app['title']} (v1.1)")
        updated = self._up(engine)
        self._check(number, engine, updated, ["1.0.0", "1.1.0"])

        refreshed = self._other(engine, "refresh")
        if any("fingerprint" in changed or "client_secret" in changed for changed in refreshed.changes.values()):
            self._violation(number, "refresh changed a secret")
        self._other(engine, "destroy")
        if len(engine.state) != 0:
            self._violation(number, "destroy left resources in the state")
        self.report.lifecycles += 1

    def run(self, lifecycles: int) -> SoakReport:
        self.simulator.set_faults(**FAULTS)
        self.simulator.reset_stats()
        for number in range(lifecycles):
            self.lifecycle(number)
        stats = self.simulator.stats()
        self.simulator.set_faults(fail_rate=0.0, drop_after_commit_rate=0.0, rate_limit=0)
        self.report.faults_injected = {k: v for k, v in stats["faults"].items() if v}
        self.report.requests_served = sum(stats["requests"].values())
        self.report.retries = dict(self._retries)
        return self.report


def _short_reason(text: str) -> str:
    """An error's gist for the figures: its kind and the part before the advice."""
    text = re.sub(r"[0-9a-f]{24}", "<org>", text)
    text = re.sub(r"soak\d+_\d+", "<app>", text)
    return text[:160]
