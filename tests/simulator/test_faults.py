"""Injected failures, rate limits, latency, drop-after-commit, and the stats that count them."""

from __future__ import annotations

import time
from typing import Any

import pytest

from kustomer_provider.simulator import ConnectionDropped, KeySpec, rules
from tests.support.simulator_client import (
    ADMIN,
    FakeClock,
    MakeClient,
    TestClient,
    definition,
    install,
    name_of,
    register,
)


def apps_in_state(client: TestClient) -> list[str]:
    return list(client.get("/_sim/state").json()["orgs"]["acme"]["apps"])


def test_fail_rate_one_answers_500_502_503_before_any_change(make_client: MakeClient) -> None:
    client = make_client(fail_rate=1.0, seed=7)
    seen: dict[int, Any] = {}
    for _ in range(30):
        response = client.post("/v1/apps/available", json=definition(), headers=ADMIN)
        seen.setdefault(response.status_code, response)
    assert set(seen) == {500, 502, 503}
    assert seen[500].json() == {
        "errors": [
            {
                "status": "500",
                "code": "internal_error",
                "title": "Internal Server Error",
                "detail": "Simulated internal server error",
            }
        ]
    }
    assert seen[502].headers["content-type"].startswith("text/html")
    assert "502 Bad Gateway" in seen[502].text
    assert seen[503].headers["retry-after"] == "1"
    error = seen[503].json()["errors"][0]
    assert error["code"] == "service_unavailable" and error["meta"] == {} and error["message"]
    assert apps_in_state(client) == []
    faults = client.get("/_sim/stats").json()["faults"]
    assert faults["fail_500"] + faults["fail_502"] + faults["fail_503"] == 30


def test_fail_rate_spares_oauth_and_control(make_client: MakeClient) -> None:
    client = make_client(fail_rate=1.0)
    assert client.get("/_sim/state").status_code == 200
    assert client.post("/oauth/token", data={"client_id": "x"}).json()["error"] == "invalid_client"


def test_seed_makes_faults_reproducible(make_client: MakeClient) -> None:
    runs = []
    for _ in range(2):
        client = make_client(fail_rate=0.5, seed=42)
        runs.append([client.get("/v1/apps", headers=ADMIN).status_code for _ in range(20)])
    assert runs[0] == runs[1]
    assert 200 in runs[0] and any(code >= 500 for code in runs[0])


def test_rate_limit_headers_and_429(make_client: MakeClient, clock: FakeClock) -> None:
    client = make_client(rate_limit=3, keys=(KeySpec("other", rules.READ_ROLES, org="globex"),))
    remaining = []
    for _ in range(3):
        response = client.get("/v1/apps", headers=ADMIN)
        assert response.status_code == 200
        assert response.headers["x-ratelimit-limit"] == "3"
        assert response.headers["x-ratelimit-reset"] == "60"
        remaining.append(response.headers["x-ratelimit-remaining"])
    assert remaining == ["2", "1", "0"]
    clock.advance(20.5)
    limited = client.post("/v1/apps/available", json=definition(), headers=ADMIN)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "40"
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert limited.headers["x-ratelimit-reset"] == "40"
    assert limited.json()["errors"][0]["code"] == "rate_limited"
    assert limited.json()["errors"][0]["meta"] == {}
    assert apps_in_state(client) == []  # refused before the handler
    # another org has its own budget; unauthenticated requests are not charged and carry no headers
    assert client.get("/v1/apps", headers={"Authorization": "Bearer other"}).status_code == 200
    anonymous = client.get("/v1/apps")
    assert anonymous.status_code == 401 and "x-ratelimit-limit" not in anonymous.headers
    clock.advance(40)
    again = client.get("/v1/apps", headers=ADMIN)
    assert again.status_code == 200 and again.headers["x-ratelimit-remaining"] == "2"
    assert client.get("/_sim/stats").json()["faults"]["rate_limited"] == 1


def test_rate_limit_counts_403s_and_zero_means_unlimited(make_client: MakeClient) -> None:
    client = make_client(rate_limit=1)
    assert client.get("/v1/customers", headers=ADMIN).status_code == 403
    assert client.get("/v1/apps", headers=ADMIN).status_code == 429
    client.post("/_sim/faults", json={"rate_limit": 0})
    response = client.get("/v1/apps", headers=ADMIN)
    assert response.status_code == 200 and "x-ratelimit-limit" not in response.headers


def test_latency_applies_to_v1_and_oauth_only(make_client: MakeClient) -> None:
    client = make_client(latency_ms=150)
    for path in ("/v1/apps", "/oauth/authorize"):
        started = time.perf_counter()
        client.get(path, headers=ADMIN)
        assert time.perf_counter() - started >= 0.15
    started = time.perf_counter()
    client.get("/_sim/stats")
    assert time.perf_counter() - started < 0.15


def test_drop_after_commit_commits_then_drops(make_client: MakeClient, clock: FakeClock) -> None:
    client = make_client(drop_after_commit_rate=1.0)
    with pytest.raises(ConnectionDropped):
        client.post("/v1/apps/available", json=definition(), headers=ADMIN)
    assert apps_in_state(client) == [name_of("myapp")]
    # an error answer changed nothing: it is not dropped
    conflict = client.post("/v1/apps/available", json=definition(), headers=ADMIN)
    assert conflict.status_code == 409
    # reads are never dropped
    assert client.get("/v1/apps/available", headers=ADMIN).status_code == 200
    with pytest.raises(ConnectionDropped):
        install(client)
    clock.advance(1)
    with pytest.raises(ConnectionDropped):
        client.post("/v1/apps/available/myapp/secret/", json={}, headers=ADMIN)
    state = client.get("/_sim/state").json()["orgs"]["acme"]["apps"][name_of("myapp")]
    assert state["secret"]["minted"] == 1
    stats = client.get("/_sim/stats").json()
    assert stats["faults"]["dropped_after_commit"] == 3
    assert stats["responses"] == {"409": 1, "200": 1}


def test_stats_count_route_templates_and_statuses(client: TestClient, clock: FakeClock) -> None:
    register(client)
    install(client)
    clock.advance(1)
    client.post("/v1/apps/available/myapp/secret/", json={}, headers=ADMIN)
    client.post("/v1/apps/available/myapp-1.0.0/secret", json={}, headers=ADMIN)
    client.get("/v1/apps/myapp-1.0.0", headers=ADMIN)
    client.get("/v1/apps/myapp-1.0.0", headers=ADMIN)
    client.get("/v1/nothing-here", headers=ADMIN)
    client.delete("/v1/apps", headers=ADMIN)
    client.get("/_sim/state")
    stats = client.get("/_sim/stats").json()
    assert stats["requests"] == {
        "POST /v1/apps/available": 1,
        "POST /v1/apps/install": 1,
        "POST /v1/apps/available/{name}/secret/": 1,
        "POST /v1/apps/available/{name}-{version}/secret": 1,
        "GET /v1/apps/{name}-{version}": 2,
        "GET <unmatched>": 1,
        "DELETE /v1/apps": 1,
    }
    assert stats["responses"] == {"201": 1, "202": 1, "200": 4, "404": 1, "405": 1}
    assert stats["connections"] == 0  # in-process: no TCP
    reset = client.post("/_sim/stats/reset").json()
    assert reset["requests"] == {} and reset["responses"] == {} and set(reset["faults"].values()) == {0}


def test_unmatched_and_405_are_jsonapi(client: TestClient) -> None:
    missing = client.get("/v1/nothing", headers=ADMIN)
    assert missing.status_code == 404 and missing.json()["errors"][0]["status"] == "404"
    wrong_method = client.put("/v1/apps/install", headers=ADMIN)
    assert wrong_method.status_code == 405 and wrong_method.json()["errors"][0]["code"] == "method_not_allowed"


def test_get_and_update_faults(client: TestClient) -> None:
    defaults = client.get("/_sim/faults").json()
    assert defaults == {
        "fail_rate": 0.0,
        "rate_limit": 1000,
        "rate_window_s": 60.0,
        "latency_ms": 0.0,
        "install_ms": 300.0,
        "install_fail": [],
        "drop_after_commit_rate": 0.0,
        "auto_consent": False,
        "page_size": 100,
        "missing_role_status": 403,
    }
    updated = client.post("/_sim/faults", json={"page_size": 5, "install_fail": ["a", "b"], "auto_consent": True})
    assert updated.status_code == 200
    assert updated.json() == {**defaults, "page_size": 5, "install_fail": ["a", "b"], "auto_consent": True}
    assert client.get("/_sim/faults").json() == updated.json()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("fail_rate", 1.5),
        ("fail_rate", "0.1"),
        ("drop_after_commit_rate", -0.1),
        ("rate_limit", -1),
        ("rate_limit", 2.5),
        ("rate_limit", True),
        ("latency_ms", -5),
        ("install_ms", "fast"),
        ("install_fail", "myapp"),
        ("install_fail", [1]),
        ("auto_consent", "yes"),
        ("page_size", 0),
        ("missing_role_status", 402),
        ("missing_role_status", "401"),
        ("bogus", 1),
    ],
)
def test_bad_fault_values_are_400_naming_the_key(client: TestClient, key: str, value: Any) -> None:
    before = client.get("/_sim/faults").json()
    response = client.post("/_sim/faults", json={"page_size": 7, key: value})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert len(errors) == 1
    assert errors[0]["source"] == {"pointer": f"/{key}"} and key in errors[0]["detail"]
    assert client.get("/_sim/faults").json() == before  # nothing applied


def test_faults_body_must_be_an_object(client: TestClient) -> None:
    assert client.post("/_sim/faults", json=[1]).status_code == 400


def test_a_short_rate_window_resets_quickly(make_client: MakeClient, clock: FakeClock) -> None:
    client = make_client(rate_limit=1, rate_window_s=2.0)
    assert client.get("/v1/apps", headers=ADMIN).status_code == 200
    refused = client.get("/v1/apps", headers=ADMIN)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "2"
    clock.advance(2.0)
    assert client.get("/v1/apps", headers=ADMIN).status_code == 200
