"""Progress while installs are awaited: a line at every status change and at least every ``progress_every``
seconds, the last one saying how long the wait took. A fake clock (the client's ``clock``/``sleep``) drives
the waits; the lines are the client logger's records, which ``provider_process`` forwards to ``pulumi.log``."""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kustomer_provider.errors import KustomerInstallError
from tests.support.scripted_api import scripted_client

API_KEY = "test-api-key-0123456789"
ORG = "5f0c5f0c5f0c5f0c5f0c5f0c"


class TimedOrg:
    """An org whose installs end at fixed times of a fake clock; ``GET /v1/apps`` and the install-status
    path answer what is true at the clock's current time."""

    def __init__(self, ends: dict[str, tuple[float, str]], *, every: float = 10.0) -> None:
        self.ends = ends  # bare app name -> (time its install ends, final status)
        self.now = 0.0
        self.lines: list[tuple[float, str]] = []
        self.client = scripted_client(
            self.answer,
            api_key=API_KEY,
            sleep=self.sleep,
            clock=lambda: self.now,
            progress_every=every,
        )

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def status(self, app: str) -> str:
        end, final = self.ends[app]
        return final if self.now >= end else "installing"

    def answer(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/apps":
            data = []
            for app in self.ends:
                status = self.status(app)
                version = "1.0.0" if status == "installed" else None
                error = "hook rejected" if status == "install_failed" else None
                attributes = {"name": f"{app}_{ORG}", "version": version, "status": status, "error": error}
                data.append({"type": "installed_app", "id": f"{app}_{ORG}", "attributes": attributes})
            return httpx.Response(200, json={"data": data})
        app = next(a for a in self.ends if f"{a}_{ORG}" in request.url.path)
        record = {"name": f"{app}_{ORG}", "version": "1.0.0", "status": self.status(app)}
        return httpx.Response(200, json={"data": [{"type": "app_install", "id": "i1", "attributes": record}]})


@pytest.fixture
def org_lines() -> Iterator[list[TimedOrg]]:
    """Records every INFO line of the client's logger with the fake time it was logged at."""
    orgs: list[TimedOrg] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno == logging.INFO and not record.getMessage().startswith("retrying"):
                org = orgs[-1]
                org.lines.append((org.now, record.getMessage()))

    logger = logging.getLogger("kustomer_provider.client")
    handler, level = Capture(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield orgs
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def names(apps: dict[str, Any]) -> dict[str, str]:
    return {f"{app}_{ORG}": "1.0.0" for app in apps}


def assert_cadence(lines: list[tuple[float, str]], every: float, start: float = 0.0) -> None:
    times = [start] + [at for at, _ in lines]
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(times)]
    assert max(gaps) <= every, f"a gap of {max(gaps)} s without a line: {lines}"


def test_many_installs_log_each_status_change_and_a_line_at_least_every_10_s(org_lines: list[TimedOrg]) -> None:
    org = TimedOrg({"crm_sync": (47.0, "installed"), "billing": (25.0, "installed"), "helpdesk": (5.0, "installed")})
    org_lines.append(org)
    org.client.wait_for_installs(names(org.ends), timeout=300)  # nothing learned yet: a poll about every second

    assert_cadence(org.lines, 10.0)
    texts = [text for _, text in org.lines]
    assert texts[0] == "0/3 installed; waiting for billing (installing, 0 s) and 2 more"
    assert any(re.fullmatch(r"1/3 installed; waiting for billing \(installing, 1\d s\) and 1 more", t) for t in texts)
    changed = [(at, t) for at, t in org.lines if "-> installed" in t]
    assert [t.split(" ", 1)[0] for _, t in changed] == ["helpdesk", "billing"]  # crm_sync's is the closing line
    assert all(at >= org.ends[t.split(" ", 1)[0]][0] for at, t in changed)
    assert changed[0][1].startswith("helpdesk installing -> installed (")
    assert texts[-1] == f"3/3 installed; the wait took {org.now:.0f} s"
    assert 47.0 <= org.now < 49.0
    heartbeats = [t for t in texts if "->" not in t]
    assert len(heartbeats) <= 7  # about one per 10 s (and the first), not one per poll


def test_between_sparse_polls_a_line_still_comes_every_10_s(org_lines: list[TimedOrg]) -> None:
    org = TimedOrg({"crm_sync": (55.0, "installed")})
    org_lines.append(org)
    org.client.install_durations.observe(55.0, 65.0)  # learned: an install takes a minute, so the poll waits
    org.client.wait_for_installs(names(org.ends), timeout=300)
    texts = [text for _, text in org.lines]
    assert texts[:3] == [
        "0/1 installed; waiting for crm_sync (installing, 0 s)",
        "0/1 installed; waiting for crm_sync (installing, 10 s)",
        "0/1 installed; waiting for crm_sync (installing, 20 s)",
    ]
    assert_cadence(org.lines, 10.0)
    assert texts[-1] == f"1/1 installed; the wait took {org.now:.0f} s"


def test_the_interval_is_injectable_and_a_short_wait_logs_only_its_closing_line(org_lines: list[TimedOrg]) -> None:
    org = TimedOrg({"crm_sync": (21.0, "installed")}, every=3.0)
    org_lines.append(org)
    org.client.install_durations.observe(25.0, 35.0)
    org.client.wait_for_installs(names(org.ends), timeout=300)
    assert_cadence(org.lines, 3.0)
    assert len(org.lines) >= 21 / 3

    quick = TimedOrg({"crm_sync": (0.0, "installed")})
    org_lines.append(quick)
    quick.client.wait_for_installs(names(quick.ends), timeout=300)
    assert [text for _, text in quick.lines] == ["1/1 installed; the wait took 0 s"]


def test_a_single_app_waiting_in_its_create_logs_the_same_way(org_lines: list[TimedOrg]) -> None:
    org = TimedOrg({"crm_sync": (33.0, "installed")})
    org_lines.append(org)
    org.client.install_durations.observe(50.0, 70.0)
    record = org.client.wait_for_install(f"crm_sync_{ORG}", "1.0.0", timeout=300, started=0.0)
    assert record.status == "installed"
    assert_cadence(org.lines, 10.0)
    assert org.lines[0][1].startswith("0/1 installed; waiting for crm_sync (installing,")
    assert org.lines[-1][1] == f"1/1 installed; the wait took {org.now:.0f} s"


def test_a_failure_and_a_timeout_still_end_with_how_long_the_wait_took(org_lines: list[TimedOrg]) -> None:
    org = TimedOrg({"crm_sync": (12.0, "install_failed"), "billing": (4.0, "installed")})
    org_lines.append(org)
    with pytest.raises(KustomerInstallError):
        org.client.wait_for_installs(names(org.ends), timeout=300)
    assert org.lines[-1][1] == f"1/2 installed, 1 failed; the wait took {org.now:.0f} s"

    slow = TimedOrg({"crm_sync": (1000.0, "installed")})
    org_lines.append(slow)
    with pytest.raises(KustomerInstallError, match="did not finish within 30s"):
        slow.client.wait_for_installs(names(slow.ends), timeout=30)
    assert_cadence(slow.lines, 10.0)
    assert (
        slow.lines[-1][1]
        == "0/1 installed; waiting for crm_sync (installing, 30 s); stopped at the 30 s limit; the wait took 30 s"
    )
