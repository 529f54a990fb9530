"""OAuth: authorize (consent page, auto-consent), token endpoint, PKCE, refresh rotation."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from .conftest import MakeClient, TestClient
from .helpers import (
    ADMIN,
    REDIRECT,
    FakeClock,
    approve,
    authorize_params,
    exchange,
    install,
    installed_app,
    mint,
    pkce_pair,
    query_of,
    register,
    token,
)

INVALID_CLIENT = {"error": "invalid_client", "error_description": "Invalid Client"}


class FormParser(HTMLParser):
    """Collects the hidden inputs and buttons of the consent page."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden: dict[str, str] = {}
        self.buttons: list[dict[str, str | None]] = []
        self.form: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("type") == "hidden":
            self.hidden[values["name"] or ""] = values.get("value") or ""
        elif tag == "button":
            self.buttons.append(values)
        elif tag == "form":
            self.form = values


def test_authorize_before_install_is_invalid_client(client: TestClient) -> None:
    client_id = register(client)["attributes"]["clientId"]
    response = client.get("/oauth/authorize", params=authorize_params(client_id))
    assert response.status_code == 400 and response.json() == INVALID_CLIENT
    install(client)  # still installing
    response = client.get("/oauth/authorize", params=authorize_params(client_id))
    assert response.json() == INVALID_CLIENT


def test_authorize_unknown_client(client: TestClient) -> None:
    response = client.get("/oauth/authorize", params=authorize_params("f" * 24))
    assert response.status_code == 400 and response.json() == INVALID_CLIENT


def test_consent_page_and_form(client: TestClient, clock: FakeClock) -> None:
    client_id, _ = installed_app(client, clock)
    _, challenge = pkce_pair()
    params = authorize_params(client_id, code_challenge=challenge, code_challenge_method="S256")
    response = client.get("/oauth/authorize", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "myapp title" in page and "acme" in page
    assert "org.permission.customer.read" in page and "offline_access" in page
    parser = FormParser()
    parser.feed(page)
    assert parser.form["method"] == "post" and parser.form["action"] == "/oauth/authorize"
    assert parser.hidden == params
    assert {(b["id"], b["name"], b["value"]) for b in parser.buttons} == {
        ("approve", "decision", "approve"),
        ("deny", "decision", "deny"),
    }


def test_consent_page_escapes_values(client: TestClient, clock: FakeClock) -> None:
    client_id, _ = installed_app(client, clock)
    page = client.get("/oauth/authorize", params=authorize_params(client_id, state='"><script>x')).text
    assert "<script>x" not in page and "&lt;script&gt;x" in page


def test_deny_redirects_with_access_denied(client: TestClient, clock: FakeClock) -> None:
    client_id, _ = installed_app(client, clock)
    response = client.post("/oauth/authorize", data={**authorize_params(client_id), "decision": "deny"})
    assert response.status_code == 302
    assert response.headers["location"].startswith(REDIRECT + "?")
    assert query_of(response.headers["location"]) == {"error": "access_denied", "state": "st-1"}


def test_bad_decision_is_invalid_request(client: TestClient, clock: FakeClock) -> None:
    client_id, _ = installed_app(client, clock)
    response = client.post("/oauth/authorize", data={**authorize_params(client_id), "decision": "maybe"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_auto_consent_redirects_at_once(make_client: MakeClient, clock: FakeClock) -> None:
    client = make_client(auto_consent=True)
    client_id, secret = installed_app(client, clock)
    response = client.get("/oauth/authorize", params=authorize_params(client_id))
    assert response.status_code == 302
    query = query_of(response.headers["location"])
    assert query["state"] == "st-1"
    assert exchange(client, client_id, secret, query["code"]).status_code == 200


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("change", "description"),
    [
        ({"redirect_uri": "https://evil.example.com/cb"}, "redirect_uri is not registered for this client"),
        ({"redirect_uri": REDIRECT + "/"}, "redirect_uri is not registered for this client"),
        ({"response_type": "token"}, "response_type must be code"),
        ({"code_challenge": "abc", "code_challenge_method": "plain"}, "code_challenge_method must be S256"),
        ({"code_challenge": "abc"}, "code_challenge and code_challenge_method=S256 go together"),
    ],
)
def test_authorize_invalid_request(
    client: TestClient, clock: FakeClock, method: str, change: dict[str, str], description: str
) -> None:
    client_id, _ = installed_app(client, clock)
    params = authorize_params(client_id, **change)
    if method == "GET":
        response = client.get("/oauth/authorize", params=params)
    else:
        response = client.post("/oauth/authorize", data={**params, "decision": "approve"})
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "error_description": description}


def test_redirect_uris_are_those_of_the_installed_version(client: TestClient, clock: FakeClock) -> None:
    client_id, _ = installed_app(client, clock)
    register(client, version="1.1.0", redirectUris=["https://new.example.com/cb"])
    new = authorize_params(client_id, redirect_uri="https://new.example.com/cb")
    assert client.get("/oauth/authorize", params=new).status_code == 400
    install(client, version="1.1.0")
    clock.advance(1)
    assert client.get("/oauth/authorize", params=new).status_code == 200
    assert client.get("/oauth/authorize", params=authorize_params(client_id)).status_code == 400


def test_code_flow_tokens_and_scopes(client: TestClient, clock: FakeClock) -> None:
    client_id, secret = installed_app(client, clock)
    code = approve(client, client_id)
    response = exchange(client, client_id, secret, code)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["scope"] == "org.permission.customer.read offline_access"
    assert body["token_type"] == "bearer" and body["expires_in"] == 86400
    assert body["access_token"] and body["refresh_token"]
    # the access token is a bearer token whose roles are its scopes minus offline_access
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    me = client.get("/v1/users/current", headers=bearer).json()["data"]["attributes"]
    assert me["roles"] == ["org.permission.customer.read"] and me["orgName"] == "acme"
    assert client.get("/v1/customers", headers=bearer).status_code == 200
    forbidden = client.get("/v1/apps", headers=bearer)
    assert forbidden.status_code == 403 and "Missing required role(s)" in forbidden.json()["errors"][0]["detail"]


def test_plus_separated_scopes_and_no_refresh_without_offline_access(client: TestClient, clock: FakeClock) -> None:
    client_id, secret = installed_app(client, clock)
    code = approve(client, client_id, scope="org.permission.apps.read+org.permission.customer.read")
    body = exchange(client, client_id, secret, code).json()
    assert body["scope"] == "org.permission.apps.read org.permission.customer.read"
    assert "refresh_token" not in body
    assert client.get("/v1/apps", headers={"Authorization": f"Bearer {body['access_token']}"}).status_code == 200


def test_code_is_single_use(client: TestClient, clock: FakeClock) -> None:
    client_id, secret = installed_app(client, clock)
    code = approve(client, client_id)
    assert exchange(client, client_id, secret, code).status_code == 200
    again = exchange(client, client_id, secret, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_code_expires_after_ten_minutes(client: TestClient, clock: FakeClock) -> None:
    client_id, secret = installed_app(client, clock)
    code = approve(client, client_id)
    clock.advance(600)
    assert exchange(client, client_id, secret, code).json()["error"] == "invalid_grant"


def test_access_token_expires_after_a_day(client: TestClient, clock: FakeClock) -> None:
    client_id, secret = installed_app(client, clock)
    access = exchange(client, client_id, secret, approve(client, client_id)).json()["access_token"]
    clock.advance(86400)
    response = client.get("/v1/users/current", headers={"Authorization": f"Bearer {access}"})
    assert response.status_code == 401 and response.json()["errors"][0]["detail"] == "Invalid API key"


def test_redirect_uri_must_match_at_token(client: TestClient, clock: FakeClock) -> None:
    client_id, secret = installed_app(client, clock)
    code = approve(client, client_id)
    bad = exchange(client, client_id, secret, code, redirect_uri="https://other.example.com/cb")
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
    missing = token(client, grant_type="authorization_code", client_id=client_id, client_secret=secret, code=code)
    assert missing.json()["error"] == "invalid_grant"


def test_pkce_success_and_failures(client: TestClient, clock: FakeClock) -> None:
    client_id, secret = installed_app(client, clock)
    verifier, challenge = pkce_pair()
    pkce = {"code_challenge": challenge, "code_challenge_method": "S256"}
    code = approve(client, client_id, **pkce)
    missing = exchange(client, client_id, secret, code)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_grant"
    wrong = exchange(client, client_id, secret, code, code_verifier="w" * 50)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    right = exchange(client, client_id, secret, code, code_verifier=verifier)
    assert right.status_code == 200 and right.json()["access_token"]


def test_refresh_rotation(client: TestClient, clock: FakeClock) -> None:
    client_id, secret = installed_app(client, clock)
    first = exchange(client, client_id, secret, approve(client, client_id)).json()
    form = {"grant_type": "refresh_token", "client_id": client_id, "client_secret": secret}
    second = token(client, **form, refresh_token=first["refresh_token"])
    assert second.status_code == 200
    body = second.json()
    assert body["refresh_token"] != first["refresh_token"]
    assert body["access_token"] != first["access_token"]
    assert body["scope"] == first["scope"]
    reused = token(client, **form, refresh_token=first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert token(client, **form, refresh_token=body["refresh_token"]).status_code == 200
    assert token(client, **form, refresh_token="made-up").json()["error"] == "invalid_grant"


def test_revoked_secret_is_401_new_one_works(client: TestClient, clock: FakeClock) -> None:
    client_id, old_secret = installed_app(client, clock)
    new_secret = mint(client)["clientSecret"]
    code = approve(client, client_id)
    old = exchange(client, client_id, old_secret, code)
    assert old.status_code == 401
    assert old.json() == {"error": "invalid_client", "error_description": "Invalid client secret"}
    assert exchange(client, client_id, new_secret, code).status_code == 200


def test_token_client_checks(client: TestClient, clock: FakeClock) -> None:
    client_id, secret = installed_app(client, clock)
    unknown = token(client, grant_type="refresh_token", client_id="nobody", client_secret=secret, refresh_token="x")
    assert unknown.status_code == 400 and unknown.json() == INVALID_CLIENT
    wrong = token(client, grant_type="refresh_token", client_id=client_id, client_secret="nope", refresh_token="x")
    assert wrong.status_code == 401 and wrong.json()["error_description"] == "Invalid client secret"
    # client check comes before the grant type check
    assert token(client, grant_type="password", client_id="nobody").json() == INVALID_CLIENT


def test_token_for_uninstalled_app_is_invalid_client(client: TestClient) -> None:
    client_id = register(client)["attributes"]["clientId"]
    # No secret can be minted before the install (the seed's order): the client itself is refused.
    secret = "made-up-secret-of-an-uninstalled-app"
    response = token(client, grant_type="authorization_code", client_id=client_id, client_secret=secret, code="c")
    assert response.status_code == 400 and response.json() == INVALID_CLIENT


def test_unsupported_grant_type(client: TestClient, clock: FakeClock) -> None:
    client_id, secret = installed_app(client, clock)
    response = token(client, grant_type="client_credentials", client_id=client_id, client_secret=secret)
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


def test_token_needs_form_encoding(client: TestClient, clock: FakeClock) -> None:
    client_id, secret = installed_app(client, clock)
    response = client.post(
        "/oauth/token", json={"grant_type": "authorization_code", "client_id": client_id, "client_secret": secret}
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_code_of_one_client_is_not_valid_for_another(client: TestClient, clock: FakeClock) -> None:
    first_id, _ = installed_app(client, clock, app="first")
    second_id, second_secret = installed_app(client, clock, app="second")
    code = approve(client, first_id)
    response = exchange(client, second_id, second_secret, code)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_codes_and_tokens_are_not_in_state(client: TestClient, clock: FakeClock) -> None:
    client_id, secret = installed_app(client, clock)
    body = exchange(client, client_id, secret, approve(client, client_id)).json()
    state = client.get("/_sim/state").text
    for value in (secret, body["access_token"], body["refresh_token"]):
        assert value not in state
    assert re.search(r'"current_fingerprint": ?"[0-9a-f]{16}"', state)
    assert client.get("/v1/apps", headers=ADMIN).status_code == 200
