"""Komerza's OAuth2 in the simulator: authorize with a store choice, one-minute single-use code, the GET
exchange with X-Client-Secret and User-Agent, its documented errors, and the documented API endpoints the key
reads (`GET /user`, `GET /stores/{storeId}` with `stores.view`)."""

from __future__ import annotations

import base64
import json

import pytest

from tests.support.simulator_client import (
    DEV,
    DEV_REDIRECT,
    FakeClock,
    MakeClient,
    TestClient,
    bearer,
    platform_authorize,
    platform_code,
    query_of,
)

APP_ID, SECRET = DEV["komerza"]


def exchange(client: TestClient, code: str, app_id: str = APP_ID, secret: str | None = SECRET, **headers: str):  # type: ignore[no-untyped-def]
    sent = {"User-Agent": "komerza-test/1", **headers}
    if secret is not None:
        sent["X-Client-Secret"] = secret
    return client.get(f"/komerza/oauth2/{app_id}/exchange/{code}", headers=sent)


def claims(jwt: str) -> dict[str, object]:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


def test_authorize_exchange_and_the_key_reads_the_granted_stores(client: TestClient, clock: FakeClock) -> None:
    page = platform_authorize(client, "komerza", APP_ID)
    assert page.status_code == 200 and 'name="store"' in page.text and "stores.view" in page.text
    code = platform_code(client, "komerza")  # grants store_sim_main only

    answer = exchange(client, code)

    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert set(data) == {"success", "message", "code", "data"} and data["success"] is True
    key = data["data"]
    assert key.count(".") == 2 and "exp" not in claims(key)  # a JWT valid until revoked
    clock.advance(365 * 86400)
    user = client.get("/komerza/user", headers=bearer(key))  # [doc] "Get user"
    assert user.status_code == 200 and user.json()["success"] is True
    assert user.json()["data"]["stores"] == [{"id": "store_sim_main", "name": "Simulator Store"}]
    granted = client.get("/komerza/stores/store_sim_main", headers=bearer(key))  # [doc] "Get store by ID"
    assert granted.status_code == 200 and granted.json()["data"]["id"] == "store_sim_main"
    other = client.get("/komerza/stores/store_sim_outlet", headers=bearer(key))  # not granted at consent
    assert other.status_code == 404 and other.json()["code"] == "store_not_found"
    assert client.get("/komerza/stores", headers=bearer(key)).status_code in (404, 405)  # not a Komerza endpoint


def test_code_is_single_use_and_lasts_one_minute(client: TestClient, clock: FakeClock) -> None:
    code = platform_code(client, "komerza")
    assert exchange(client, code).status_code == 200
    again = exchange(client, code)
    assert again.status_code == 400 and again.json()["code"] == "invalid_code"
    late = platform_code(client, "komerza")
    clock.advance(60)
    expired = exchange(client, late)
    assert expired.status_code == 400 and expired.json() == {
        "success": False,
        "message": "The authorization code has expired",
        "code": "code_expired",
        "data": None,
    }


def test_app_and_secret_are_checked_before_the_code(client: TestClient) -> None:
    made_up = "00000000-0000-0000-0000-000000000000"
    assert exchange(client, made_up, app_id="no-such-app").json()["code"] == "app_not_found"
    assert exchange(client, made_up, app_id="no-such-app").status_code == 404
    wrong = exchange(client, made_up, secret="y" * 72)
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_client_secret"
    assert exchange(client, made_up, secret=None).json()["code"] == "invalid_client_secret"
    assert exchange(client, made_up).json()["code"] == "invalid_code"  # good app and secret: only the code is wrong


def test_a_user_agent_is_required(client: TestClient) -> None:
    code = platform_code(client, "komerza")
    refused = exchange(client, code, **{"User-Agent": ""})
    assert refused.status_code == 400 and refused.json()["code"] == "user_agent_required"
    assert exchange(client, code).status_code == 200  # not spent by the refusal


def test_a_store_needs_the_stores_view_permission_the_user_needs_a_live_key(make_client: MakeClient) -> None:
    client = make_client(auto_consent=True)
    app = client.post("/_sim/platforms/komerza/clients", json={"redirect_uris": [DEV_REDIRECT], "scopes": []}).json()
    assert len(app["client_secret"]) == 72
    location = platform_authorize(client, "komerza", app["client_id"]).headers["location"]
    key = exchange(client, query_of(location)["code"], app_id=app["client_id"], secret=app["client_secret"]).json()
    # "Requires the stores.view permission" [doc: Komerza "Get store by ID"]
    refused = client.get("/komerza/stores/store_sim_main", headers=bearer(key["data"]))
    assert refused.status_code == 403 and refused.json()["code"] == "insufficient_scope"
    assert client.get("/komerza/user", headers=bearer(key["data"])).status_code == 200  # no permission documented
    for path in ("/komerza/user", "/komerza/stores/store_sim_main"):
        made_up = client.get(path, headers=bearer("made.up.jwt"))
        assert made_up.status_code == 401 and made_up.headers["www-authenticate"] == "Bearer"


def test_no_store_chosen_is_refused(client: TestClient) -> None:
    form = {"client_id": APP_ID, "redirect_uri": DEV_REDIRECT, "decision": "approve"}
    refused = client.post("/komerza/auth/authorize", data=form)
    assert refused.status_code == 400 and "store" in refused.json()["error_description"]


@pytest.mark.parametrize("count, status", [(10, 201), (11, 400)])
def test_at_most_ten_redirect_urls(client: TestClient, count: int, status: int) -> None:
    uris = [f"https://app.example.com/cb{i}" for i in range(count)]
    assert client.post("/_sim/platforms/komerza/clients", json={"redirect_uris": uris}).status_code == status


def test_a_secret_given_must_be_72_characters(client: TestClient) -> None:
    short = client.post("/_sim/platforms/komerza/clients", json={"redirect_uris": [], "client_secret": "s" * 71})
    assert short.status_code == 400 and short.json()["errors"][0]["source"]["pointer"] == "/client_secret"
    assert (
        client.post(
            "/_sim/platforms/komerza/clients", json={"redirect_uris": [], "client_secret": "s" * 72}
        ).status_code
        == 201
    )


def test_unknown_app_at_authorize_is_app_not_found(client: TestClient) -> None:
    unknown = platform_authorize(client, "komerza", "no-such-app")
    assert unknown.status_code == 400 and unknown.json()["error"] == "app_not_found"
