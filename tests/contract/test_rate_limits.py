"""Rate limits: one budget per org per minute, announced in ``x-ratelimit-*`` headers; 429 beyond it."""

from __future__ import annotations

import secrets
import time

import httpx
import pytest

from kustomer_provider.client import KustomerClient, RetryPolicy
from kustomer_provider.errors import KustomerRateLimitError
from kustomer_provider.simulator import SimulatorProcess
from tests.support.contract import definition, ratelimit_headers

PLAN_LIMITS = (300, 500, 1000, 2000)
WINDOW_S = 60


def test_ratelimit_headers_on_api_answers(api: httpx.Client, app_name: str) -> None:
    """[doc] Answers carry ``x-ratelimit-limit``, ``-remaining`` and ``-reset``; the limit is a plan's."""
    first = api.get("/v1/apps/available")
    created = api.post("/v1/apps/available", json=definition(app_name))
    assert created.is_success, created.text
    for response in (first, created):
        limit, remaining, _ = ratelimit_headers(response)
        assert limit in PLAN_LIMITS
        assert 0 <= remaining < limit
    (_, before, reset_before), (_, after, reset_after) = ratelimit_headers(first), ratelimit_headers(created)
    assert after < before or reset_after > reset_before  # spent one, unless a new window began


@pytest.mark.ours
def test_ratelimit_reset_counts_seconds(api: httpx.Client) -> None:
    """[ours] ``x-ratelimit-reset`` counts the seconds until the window resets, not an epoch time.

    Read twice, 1.5 s apart: a count of seconds left falls by about the time waited (or jumps back up to
    the window when a new window began in between); an epoch timestamp would stay the same and be huge.
    """
    _, _, first = ratelimit_headers(api.get("/v1/apps/available"))
    time.sleep(1.5)
    _, _, second = ratelimit_headers(api.get("/v1/apps/available"))
    for reset in (first, second):
        assert 0 <= reset <= WINDOW_S, f"x-ratelimit-reset {reset} is not a number of seconds within the window"
    new_window = second > first
    assert new_window or 1 <= first - second <= 3, (first, second)


@pytest.fixture
def small_org(restore_faults: SimulatorProcess) -> tuple[SimulatorProcess, list[str]]:
    """A fresh org with two admin keys, and a limit of 3 requests a minute."""
    org = f"contract-rl-{secrets.token_hex(4)}"
    keys = [f"contract-rl-key-{i}-{secrets.token_hex(8)}" for i in range(2)]
    for key in keys:
        restore_faults.add_key(key, ["org.admin.apps", "org.permission.apps"], org=org)
    restore_faults.set_faults(rate_limit=3)
    return restore_faults, keys


def _get(sim: SimulatorProcess, key: str) -> httpx.Response:
    return httpx.get(f"{sim.url}/v1/apps/available", headers={"Authorization": f"Bearer {key}"})


@pytest.mark.ours
def test_over_the_limit_is_429_with_retry_after(small_org: tuple[SimulatorProcess, list[str]]) -> None:
    """[doc] One budget per org, shared by its keys; 429 beyond it. [ours] ``Retry-After`` equals the reset."""
    sim, (one, two) = small_org
    assert [_get(sim, key).status_code for key in (one, two, one)] == [200, 200, 200]
    refused = _get(sim, two)
    assert refused.status_code == 429
    limit, remaining, reset = ratelimit_headers(refused)
    assert (limit, remaining) == (3, 0)
    assert 0 < int(refused.headers["retry-after"]) == reset <= WINDOW_S


@pytest.mark.ours
def test_client_waits_as_told_on_429(small_org: tuple[SimulatorProcess, list[str]]) -> None:
    """[ours] The client waits ``Retry-After`` / ``x-ratelimit-reset`` seconds, then gives up with a clear error."""
    sim, (key, _) = small_org
    for _ in range(3):
        _get(sim, key)
    waits: list[float] = []
    retry = RetryPolicy(max_attempts=3, total_budget=1000.0)
    with KustomerClient(base_url=sim.url, api_key=key, retry=retry, sleep=waits.append, seed=0) as client:
        with pytest.raises(KustomerRateLimitError) as caught:
            client.list_available()
    told = caught.value.retry_after
    assert told is not None and 0 < told <= WINDOW_S
    assert client.stats.retries == {"status:429": 2}
    assert len(waits) >= 2 and all(wait >= told - 1 for wait in waits), waits
