"""Teamwork.com's App Login Flow in the simulator: login page, 15-minute code, JSON exchange, userinfo."""

from __future__ import annotations

from typing import Any

import pytest

from kustomer_provider.platforms import get_platform
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

CLIENT_ID, SECRET = DEV["teamwork"]
TOKEN_PATH = "/teamwork/launchpad/v1/token.json"


def body(code: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "client_id": CLIENT_ID, "client_secret": SECRET, "redirect_uri": DEV_REDIRECT, **extra}


def test_login_page_then_exchange_gives_a_permanent_token_and_the_installation(
    client: TestClient, clock: FakeClock
) -> None:
    page = platform_authorize(client, "teamwork", CLIENT_ID)
    assert page.status_code == 200 and "Teamwork.com" in page.text and 'id="approve"' in page.text
    code = platform_code(client, "teamwork")

    answer = client.post(TOKEN_PATH, json=body(code))

    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["status"] == "ok" and data["access_token"].startswith("tkn.v1_")
    installation = data["installation"]
    assert set(installation) == {"id", "name", "region", "apiEndPoint", "url", "chatEnabled", "company"}
    assert set(installation["company"]) == {"id", "name", "logo"}
    assert installation["apiEndPoint"] == "http://127.0.0.1/teamwork/"
    assert {"id", "firstName", "lastName", "email", "company"} <= set(data["user"])
    clock.advance(10 * 365 * 86400)  # permanent: still accepted ten years on
    info = client.get("/teamwork/launchpad/v1/userinfo.json", headers=bearer(data["access_token"]))
    assert info.status_code == 200
    assert info.json() == {"user_id": 1, "installation_id": 1, "url": "http://127.0.0.1/teamwork/"}


def test_userinfo_refuses_a_missing_or_unknown_token(client: TestClient) -> None:
    assert client.get("/teamwork/launchpad/v1/userinfo.json").status_code == 401
    refused = client.get("/teamwork/launchpad/v1/userinfo.json", headers=bearer("tkn.v1_made-up"))
    assert refused.status_code == 401 and refused.json()["status"] == "error"


def test_code_lasts_15_minutes_and_is_single_use(client: TestClient, clock: FakeClock) -> None:
    late = platform_code(client, "teamwork")
    clock.advance(15 * 60)
    assert client.post(TOKEN_PATH, json=body(late)).json()["code"] == "invalid_code"
    code = platform_code(client, "teamwork")
    clock.advance(15 * 60 - 1)
    assert client.post(TOKEN_PATH, json=body(code)).status_code == 200
    again = client.post(TOKEN_PATH, json=body(code))
    assert again.status_code == 400 and again.json()["code"] == "invalid_code"


@pytest.mark.parametrize("missing", ["code", "client_id", "client_secret", "redirect_uri"])
def test_every_field_is_required(client: TestClient, missing: str) -> None:
    code = platform_code(client, "teamwork")
    sent = body(code)
    del sent[missing]
    refused = client.post(TOKEN_PATH, json=sent)
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_request"
    assert missing in refused.json()["message"]
    assert client.post(TOKEN_PATH, json=body(code)).status_code == 200  # the code was not spent


def test_the_body_must_be_json(client: TestClient) -> None:
    code = platform_code(client, "teamwork")
    refused = client.post(TOKEN_PATH, data=body(code))  # a form, as an OAuth 2 client would send
    assert refused.status_code == 400 and refused.json() == {
        "status": "error",
        "code": "invalid_request",
        "message": "Content-Type must be application/json",
    }


def test_wrong_secret_and_redirect_uri(client: TestClient) -> None:
    code = platform_code(client, "teamwork")
    wrong = client.post(TOKEN_PATH, json=body(code, client_secret="not-the-secret"))
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_client"
    other = client.post(TOKEN_PATH, json=body(code, redirect_uri="https://example.com/oauth/callback"))
    assert other.status_code == 400 and other.json()["code"] == "redirect_uri_mismatch"


def test_origin_is_required_when_the_app_has_allowed_origins(make_client: MakeClient) -> None:
    client = make_client(auto_consent=True)
    app = client.post(
        "/_sim/platforms/teamwork/clients",
        json={"redirect_uris": [DEV_REDIRECT], "allowed_origins": ["https://app.example.com"]},
    ).json()

    def exchange(**headers: str) -> Any:
        location = platform_authorize(client, "teamwork", app["client_id"]).headers["location"]
        sent = body(query_of(location)["code"], client_id=app["client_id"], client_secret=app["client_secret"])
        return client.post(TOKEN_PATH, json=sent, headers=headers)

    assert exchange().json()["code"] == "origin_not_allowed"
    assert exchange(Origin="https://evil.example.com").status_code == 403
    assert exchange(Origin="https://app.example.com").status_code == 200


def test_a_custom_scheme_redirect_gets_a_page_to_close(make_client: MakeClient) -> None:
    client = make_client(auto_consent=True)
    app = client.post(
        "/_sim/platforms/teamwork/clients", json={"redirect_uris": ["customprotocolapp://whatever"]}
    ).json()
    page = client.get(
        "/teamwork/launchpad/login",
        params={"client_id": app["client_id"], "redirect_uri": "customprotocolapp://whatever"},
    )
    assert page.status_code == 200 and "safe to close" in page.text
    assert 'href="customprotocolapp://whatever?code=' in page.text


def test_unknown_client_and_unregistered_redirect_are_pages(client: TestClient) -> None:
    unknown = platform_authorize(client, "teamwork", "no-such-client")
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_client"
    elsewhere = platform_authorize(client, "teamwork", CLIENT_ID, redirect_uri="https://elsewhere.example/cb")
    assert elsewhere.status_code == 400 and "not registered" in elsewhere.json()["error_description"]


def test_deny_redirects_with_access_denied(client: TestClient) -> None:
    form = {"client_id": CLIENT_ID, "redirect_uri": DEV_REDIRECT, "state": "s", "decision": "deny"}
    denied = client.post("/teamwork/launchpad/login", data=form)
    assert denied.status_code == 302
    assert query_of(denied.headers["location"]) == {"error": "access_denied", "state": "s"}


# --- the login page's spellings: /launchpad/login, /launchpad/login/, and the per-site form [doc] --------------

LOGIN_QUERY = {"client_id": CLIENT_ID, "redirect_uri": DEV_REDIRECT, "state": "st-1"}


@pytest.mark.parametrize("path", ["/teamwork/launchpad/login", "/teamwork/launchpad/login/"])
def test_both_spellings_of_the_login_page_show_it_and_take_its_decision(client: TestClient, path: str) -> None:
    """The guide spells the page `/launchpad/login?...` and `/launchpad/login/?...` [doc]: both serve it, and the
    consent form posts back to the spelling it was shown at."""
    page = client.get(path, params=LOGIN_QUERY)
    assert page.status_code == 200 and 'id="approve"' in page.text
    assert f'action="{path}"' in page.text
    decided = client.post(path, data={**LOGIN_QUERY, "decision": "approve"})
    assert decided.status_code == 302
    answer = query_of(decided.headers["location"])
    assert answer["state"] == "st-1"
    assert client.post(TOKEN_PATH, json=body(answer["code"])).status_code == 200


def test_the_per_site_form_logs_into_that_sites_installation(client: TestClient) -> None:
    """`https://acme.teamwork.com/launchpad/login` [doc], mapped to `/teamwork/sites/acme/launchpad/login`
    (platforms.apply_endpoint_base_url): the page names the site, and the code is that site's installation."""
    url = get_platform("teamwork").site_authorize_url("acme", "http://127.0.0.1")
    assert url == "http://127.0.0.1/teamwork/sites/acme/launchpad/login"
    for path in (url.removeprefix("http://127.0.0.1"), "/teamwork/sites/acme/launchpad/login/"):
        page = client.get(path, params=LOGIN_QUERY)
        assert (
            page.status_code == 200 and '<p id="site">Site: acme</p>' in page.text and f'action="{path}"' in page.text
        )
    decided = client.post("/teamwork/sites/acme/launchpad/login", data={**LOGIN_QUERY, "decision": "approve"})
    assert decided.status_code == 302
    answer = client.post(TOKEN_PATH, json=body(query_of(decided.headers["location"])["code"])).json()
    assert answer["installation"]["name"] == "acme"
    assert (
        answer["installation"]["apiEndPoint"]
        == answer["installation"]["url"]
        == "http://127.0.0.1/teamwork/sites/acme/"
    )
    www = client.post(TOKEN_PATH, json=body(platform_code(client, "teamwork"))).json()
    assert www["installation"]["apiEndPoint"] == "http://127.0.0.1/teamwork/"  # the www form: no site


def test_a_site_that_is_not_a_dns_label_is_refused(client: TestClient) -> None:
    refused = client.get("/teamwork/sites/Not_A_Site/launchpad/login", params=LOGIN_QUERY)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_request"
    assert client.get("/komerza/sites/acme/auth/authorize", params=LOGIN_QUERY).status_code == 404  # Teamwork's only
