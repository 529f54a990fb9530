"""The [ours] decisions of ``kustomer_provider/platforms.py`` about verifying a client without a user, over HTTP.

Each test sends the very request ``RegisteredOAuthClient`` sends (``Platform.verification_request``) and reads the
answer with the very reader it uses (``Verification.verdict``), against the simulator's Teamwork, Komerza and
apaleo, which enforce the same decisions (platforms-contract.md). They cannot run against the real platforms
here (no sandbox accounts): they use the simulator's control API, so the contract suite skips them when live.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kustomer_provider.platforms import VERIFICATION_CODE, ClientVerdict, Platform, get_platform
from kustomer_provider.simulator import SimulatorProcess

pytestmark = pytest.mark.ours

REDIRECT = "https://example.com/oauth/callback"


def exchange(
    sim: SimulatorProcess, platform: Platform, client_id: str, secret: str
) -> tuple[httpx.Response, ClientVerdict]:
    """Send the verification exchange of ``platform`` for this client to the simulator, and read it."""
    request = platform.verification_request(
        client_id=client_id, client_secret=secret, redirect_uri=REDIRECT, endpoint_base_url=sim.url
    )
    assert request is not None
    response = httpx.request(
        request.method,
        request.url,
        headers=dict(request.headers),
        json=request.json,
        data=request.data,
        timeout=10.0,
        follow_redirects=False,
    )
    return response, platform.verification.verdict(response.status_code, response.content)


def new_client(sim: SimulatorProcess, platform: str, **fields: Any) -> dict[str, Any]:
    return sim.register_platform_client(platform, redirect_uris=[REDIRECT], **fields)


@pytest.mark.parametrize("platform_name", ["apaleo", "komerza"])
def test_a_made_up_code_with_a_good_client_is_refused_for_the_code_alone(
    sim: SimulatorProcess, platform_name: str
) -> None:
    """apaleo and Komerza check the client before the code: a good client gets an error about the code."""
    platform = get_platform(platform_name)
    client = new_client(sim, platform_name, scopes=["openid"] if platform_name == "apaleo" else ["stores.view"])
    response, verdict = exchange(sim, platform, client["client_id"], client["client_secret"])
    assert 400 <= response.status_code < 500
    assert verdict == ClientVerdict("live", "invalid_grant" if platform_name == "apaleo" else "invalid_code")


def test_apaleo_refuses_a_wrong_secret_as_invalid_client_before_looking_at_the_code(sim: SimulatorProcess) -> None:
    platform = get_platform("apaleo")
    client = new_client(sim, "apaleo", scopes=["openid"])
    response, verdict = exchange(sim, platform, client["client_id"], "wrong-apaleo-secret-1234")
    assert response.status_code == 401  # RFC 6749 section 5.2: invalid_client with HTTP Basic
    assert verdict == ClientVerdict("rejected", "invalid_client", "client_id or client_secret")
    unknown, verdict = exchange(sim, platform, "no-such-apaleo-client", client["client_secret"])
    assert verdict.verdict == "rejected" and unknown.json()["error"] == "invalid_client"


def test_komerza_names_the_wrong_secret_and_the_unknown_app_before_the_code(sim: SimulatorProcess) -> None:
    platform = get_platform("komerza")
    client = new_client(sim, "komerza", scopes=["stores.view"])
    _, verdict = exchange(sim, platform, client["client_id"], "w" * 72)
    assert verdict == ClientVerdict("rejected", "invalid_client_secret", "client_secret")
    _, verdict = exchange(sim, platform, "no-such-komerza-app", client["client_secret"])
    assert verdict == ClientVerdict("rejected", "app_not_found", "client_id")


def test_a_secret_rotated_in_the_dashboard_is_rejected_and_the_new_one_accepted(sim: SimulatorProcess) -> None:
    for name in ("apaleo", "komerza"):
        platform = get_platform(name)
        client = new_client(sim, name, scopes=["openid"] if name == "apaleo" else ["stores.view"])
        rotated = sim.rotate_platform_secret(name, client["client_id"])
        assert exchange(sim, platform, client["client_id"], client["client_secret"])[1].verdict == "rejected"
        assert exchange(sim, platform, client["client_id"], rotated["client_secret"])[1].verdict == "live"


def test_teamwork_is_not_verified_whatever_its_endpoint_answers(sim: SimulatorProcess) -> None:
    """Teamwork's exchange errors are undocumented: no verification request is built, and even the answers its
    simulator gives (its own [ours] codes) to a good and a wrong secret are read as telling nothing."""
    platform = get_platform("teamwork")
    client = new_client(sim, "teamwork")
    assert platform.verification_request(client_id="x", client_secret="y", redirect_uri=REDIRECT) is None
    request = platform.exchange_request(
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        code=VERIFICATION_CODE,
        redirect_uri=REDIRECT,
        endpoint_base_url=sim.url,
    )
    for secret in (client["client_secret"], "wrong-teamwork-secret"):
        body = {**(request.json or {}), "client_secret": secret}
        response = httpx.post(request.url, json=body, headers=dict(request.headers), timeout=10.0)
        assert 400 <= response.status_code < 500  # a made-up code never yields a token
        assert platform.verification.verdict(response.status_code, response.content).verdict == "unknown"


def test_the_made_up_code_never_buys_a_token(sim: SimulatorProcess) -> None:
    """A 2xx to the made-up code would be read as 'unknown', never as 'verified': no platform issues one."""
    for name in ("apaleo", "komerza"):
        platform = get_platform(name)
        client = new_client(sim, name, scopes=["openid"] if name == "apaleo" else ["stores.view"])
        response, _ = exchange(sim, platform, client["client_id"], client["client_secret"])
        assert response.status_code >= 400
        assert platform.verification.verdict(200, response.content).verdict == "unknown"
