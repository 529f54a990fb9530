"""Waiting for many installs at once: the client's ``wait_for_installs`` against scripted listings, on a fake
clock (no server)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kustomer_provider.errors import KustomerInstallError
from tests.support.scripted_api import scripted_client

API_KEY = "test-api-key-0123456789"
ORG = "5f0c5f0c5f0c5f0c5f0c5f0c"
A, B, C = (f"{name}_{ORG}" for name in ("app_a", "app_b", "app_c"))


def entry(name: str, version: str | None, status: str, error: str | None = None) -> dict[str, Any]:
    return {"type": "installed_app", "id": name, "attributes": {"name": name, "version": version, "status": status, "error": error}}  # fmt: skip


class ScriptedOrg:
    """Answers ``GET /v1/apps`` with one scripted listing per round, on a fake clock the client sleeps on."""

    def __init__(self, rounds: list[list[dict[str, Any]]]) -> None:
        self.rounds = rounds
        self.requests: list[str] = []
        self.now = 0.0
        self.slept: list[float] = []
        self.client = scripted_client(
            self.answer,
            api_key=API_KEY,
            sleep=self.sleep,
            clock=lambda: self.now,
        )

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(f"{request.method} {request.url.path}")
        listing = self.rounds[min(len(self.requests), len(self.rounds)) - 1]
        return httpx.Response(200, json={"data": listing})


def test_one_listing_a_round_answers_for_every_app() -> None:
    org = ScriptedOrg(
        [
            [entry(A, "1.0.0", "installed"), entry(B, "0.9.0", "installing")],  # C not listed yet
            [entry(A, "1.0.0", "installed"), entry(B, "1.0.0", "installed"), entry(C, None, "installing")],
            [entry(A, "1.0.0", "installed"), entry(B, "1.0.0", "installed"), entry(C, "1.0.0", "installed")],
        ]
    )
    done = org.client.wait_for_installs({A: "1.0.0", B: "1.0.0", C: "1.0.0"}, timeout=60)
    assert {name: e.version for name, e in done.items()} == {A: "1.0.0", B: "1.0.0", C: "1.0.0"}
    assert org.requests == ["GET /v1/apps"] * 3  # three rounds for three apps, not a read per app per round
    assert len(org.slept) == 2  # the first round reads at once: the installs have been running meanwhile


def test_a_newer_version_installed_outside_pulumi_counts_as_installed() -> None:
    org = ScriptedOrg([[entry(A, "1.2.0", "installed")]])
    assert org.client.wait_for_installs({A: "1.0.0"}, timeout=60)[A].version == "1.2.0"
    assert org.slept == []


def test_every_failed_install_is_named_with_kustomers_reason_and_none_leaks_the_key() -> None:
    org = ScriptedOrg(
        [
            [
                entry(A, None, "install_failed", "hook rejected"),
                entry(B, "1.0.0", "installed"),
                entry(C, "0.9.0", "install_failed", f"bad key {API_KEY}"),
            ]
        ]
    )
    with pytest.raises(KustomerInstallError) as info:
        org.client.wait_for_installs({A: "1.0.0", B: "1.0.0", C: "1.0.0"}, timeout=60)
    message = str(info.value)
    assert "could not install 2 of 3 apps" in message
    assert f"{A} 1.0.0: hook rejected" in message and f"{C} 1.0.0: bad key" in message
    assert B not in message and API_KEY not in message
    assert info.value.status == "install_failed" and info.value.app_name == A


def test_the_deadline_names_each_install_still_running_and_its_last_status() -> None:
    org = ScriptedOrg([[entry(A, "1.0.0", "installed"), entry(B, None, "installing")]])
    with pytest.raises(KustomerInstallError) as info:
        org.client.wait_for_installs({A: "1.0.0", B: "1.0.0", C: "1.0.0"}, timeout=5)
    message = str(info.value)
    assert f"{B} 1.0.0 (last status: installing)" in message
    assert f"{C} 1.0.0 (last status: not started)" in message
    assert "did not finish within 5s" in message and A not in message
    assert info.value.status != "install_failed"
    assert 4.9 <= org.now <= 5.0 + 1e-9  # polled up to the deadline, not past it


def test_polls_aim_at_the_end_the_installs_seen_so_far_bracket() -> None:
    # A's install started at 0.0 s and B's at 0.9 s; the wait starts at 1.2 s.
    org = ScriptedOrg(
        [
            [entry(A, "1.0.0", "installed"), entry(B, None, "installing")],
            [entry(A, "1.0.0", "installed"), entry(B, "1.0.0", "installed")],
        ]
    )
    org.client._install_started.update({(A, "1.0.0"): 0.0, (B, "1.0.0"): 0.9})
    org.now = 1.2
    org.client.wait_for_installs({A: "1.0.0", B: "1.0.0"}, timeout=60)
    # Round one saw A done after 1.2 s and B still running after 0.3 s: an install takes about 0.75 s, so
    # the next round comes at B's expected end plus a margin (0.8 s - 0.3 s), not at B's 0.3 s / 2.
    assert org.slept == [pytest.approx(0.5)]
    assert len(org.requests) == 2
