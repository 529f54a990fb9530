"""OAuth: authorize (consent page, auto-consent), token endpoint, PKCE, refresh rotation."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

import pytest
from httpx import Response

from tests.support.simulator_client import (
    ADMIN,
    REDIRECT,
    FakeClock,
    MakeClient,
    TestClient,
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


def _authorize(client: TestClient, method: str, params: dict[str, str]) -> Response:
    if method == "GET":
        return client.get("/oauth/authorize", params=params)
    return client.post("/oauth/authorize", data={**params, "decision": "approve"})


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    "change",
    [{"redirect_uri": "https://evil.example.com/cb"}, {"redirect_uri": REDIRECT + "/"}, {"redirect_uri": ""}],
)
def test_bad_redirect_uri_is_a_page_never_a_redirect(
    client: TestClient, clock: FakeClock, method: str, change: dict[str, str]
) -> None:
    """RFC 6749 §4.1.2.1: with a redirect URI that is not registered, the error is shown, not redirected."""
    client_id, _ = installed_app(client, clock)
    response = _authorize(client, method, authorize_params(client_id, **change))
    assert response.status_code == 400 and "location" not in response.headers
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "redirect_uri is not registered for this client",
    }


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": ""}, "invalid_request"),
        ({"code_challenge": "c" * 43, "code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "c" * 43}, "invalid_request"),
        ({"code_challenge_method": "S256"}, "invalid_request"),
        ({"code_challenge": "c" * 42, "code_challenge_method": "S256"}, "invalid_request"),
        ({"code_challenge": "c" * 129, "code_challenge_method": "S256"}, "invalid_request"),
        ({"code_challenge": "c" * 42 + "!", "code_challenge_method": "S256"}, "invalid_request"),
    ],
)
def test_authorize_errors_after_the_redirect_uri_is_known_are_redirected(
    client: TestClient, clock: FakeClock, method: str, change: dict[str, str], error: str
) -> None:
    """RFC 6749 §4.1.2.1 (and RFC 7636 §4.4.1 for PKCE): the error goes back to the redirect URI, with state."""
    client_id, _ = installed_app(client, clock)
    response = _authorize(client, method, authorize_params(client_id, **change))
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    query = query_of(location)
    assert query["error"] == error and query["state"] == "st-1" and query["error_description"]
    assert "code" not in query


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_repeated_authorize_parameters(client: TestClient, clock: FakeClock, method: str) -> None:
    """RFC 6749 §3.1: parameters MUST NOT be sent twice. client_id or redirect_uri twice: a page; others: redirect."""
    client_id, _ = installed_app(client, clock)
    query = urlencode([*authorize_params(client_id).items(), ("scope", "offline_access")])
    twice_client = urlencode([*authorize_params(client_id).items(), ("client_id", client_id)])
    if method == "GET":
        redirected = client.get(f"/oauth/authorize?{query}")
        page = client.get(f"/oauth/authorize?{twice_client}")
    else:
        form = {"content-type": "application/x-www-form-urlencoded"}
        redirected = client.post("/oauth/authorize", content=query + "&decision=approve", headers=form)
        page = client.post("/oauth/authorize", content=twice_client + "&decision=approve", headers=form)
    assert redirected.status_code == 302 and query_of(redirected.headers["location"])["error"] == "invalid_request"
    assert page.status_code == 400 and page.json()["error"] == "invalid_request"


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
    assert response.headers["cache-control"] == "no-store" and response.headers["pragma"] == "no-cache"
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


# --- client authentication: HTTP Basic and form fields (RFC 6749 §2.3.1, the seed's client_secret_post) ---


def basic(client_id: str, secret: str) -> dict[str, str]:
    """An `Authorization: Basic` header as RFC 6749 §2.3.1 builds it (each part form-urlencoded first)."""
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def test_code_and_refresh_grants_with_basic_authentication(client: TestClient, clock: FakeClock) -> None:
    client_id, secret = installed_app(client, clock)
    code = approve(client, client_id)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    first = client.post("/oauth/token", data=form, headers=basic(client_id, secret))
    assert first.status_code == 200, first.text
    assert first.json()["token_type"] == "bearer" and first.json()["expires_in"] == 86400
    refreshed = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"], "client_id": client_id},
        headers=basic(client_id, secret),
    )  # a client_id field naming the same client is allowed beside Basic (RFC 6749 §4.1.3)
    assert refreshed.status_code == 200, refreshed.text
    bearer = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    assert client.get("/v1/customers", headers=bearer).status_code == 200


@pytest.mark.parametrize("how", ["basic", "post"])
def test_client_is_authenticated_before_the_grant(client: TestClient, clock: FakeClock, how: str) -> None:
    """A made-up refresh token: a good secret gets invalid_grant, a bad one invalid_client (the secret probe)."""
    client_id, secret = installed_app(client, clock)
    probe = {"grant_type": "refresh_token", "refresh_token": "made-up-refresh-token"}

    def send(client_secret: str, **change: str) -> Response:
        form = {**probe, **change}
        if how == "basic":
            return client.post("/oauth/token", data=form, headers=basic(client_id, client_secret))
        return token(client, **form, client_id=client_id, client_secret=client_secret)

    good = send(secret)
    assert (good.status_code, good.json()["error"]) == (400, "invalid_grant")
    bad = send("not-the-secret")
    assert bad.status_code == 401
    assert bad.json() == {"error": "invalid_client", "error_description": "Invalid client secret"}
    assert bad.headers["www-authenticate"].startswith("Basic ")
    # the grant type is not even looked at before the client is authenticated
    assert send("not-the-secret", grant_type="password").json()["error"] == "invalid_client"
    assert send(secret, grant_type="password").json()["error"] == "unsupported_grant_type"


def test_unknown_client_with_basic_is_401_with_a_challenge(client: TestClient, clock: FakeClock) -> None:
    """RFC 6749 §5.2: a client that authenticated with the Authorization header gets 401 and WWW-Authenticate."""
    installed_app(client, clock)
    form = {"grant_type": "refresh_token", "refresh_token": "x"}
    response = client.post("/oauth/token", data=form, headers=basic("f" * 24, "whatever"))
    assert response.status_code == 401 and response.json() == INVALID_CLIENT
    assert response.headers["www-authenticate"].startswith("Basic ")
    # with form fields the seed's 400 "Invalid Client" stays
    posted = token(client, **form, client_id="f" * 24, client_secret="whatever")
    assert posted.status_code == 400 and posted.json() == INVALID_CLIENT


@pytest.mark.parametrize(
    "header", ["Basic !!!not-base64", "Basic " + base64.b64encode(b"no-colon").decode(), "Bearer x"]
)
def test_malformed_authorization_header_is_invalid_client(client: TestClient, clock: FakeClock, header: str) -> None:
    installed_app(client, clock)
    response = client.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": "x"}, headers={"Authorization": header}
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic ")


def test_one_authentication_method_per_request(client: TestClient, clock: FakeClock) -> None:
    """RFC 6749 §2.3: Basic and a client_secret field together are refused; so is a client_id naming another client."""
    client_id, secret = installed_app(client, clock)
    form = {"grant_type": "refresh_token", "refresh_token": "x"}
    both = client.post("/oauth/token", data={**form, "client_secret": secret}, headers=basic(client_id, secret))
    assert (both.status_code, both.json()["error"]) == (400, "invalid_request")
    other = client.post("/oauth/token", data={**form, "client_id": "f" * 24}, headers=basic(client_id, secret))
    assert (other.status_code, other.json()["error"]) == (400, "invalid_request")


def test_every_token_answer_is_not_cacheable(client: TestClient, clock: FakeClock) -> None:
    """RFC 6749 §5.1: `Cache-Control: no-store` and `Pragma: no-cache`; on errors too."""
    client_id, secret = installed_app(client, clock)
    answers = [
        exchange(client, client_id, secret, approve(client, client_id)),
        token(client, grant_type="refresh_token", client_id=client_id, client_secret="bad", refresh_token="x"),
        client.post("/oauth/token", json={"grant_type": "refresh_token"}),
    ]
    assert [a.status_code for a in answers] == [200, 401, 400]
    for answer in answers:
        assert answer.headers["cache-control"] == "no-store" and answer.headers["pragma"] == "no-cache"


def test_repeated_token_parameters_are_invalid_request(client: TestClient, clock: FakeClock) -> None:
    """RFC 6749 §3.2: parameters MUST NOT be sent twice (checked after the client is authenticated)."""
    client_id, secret = installed_app(client, clock)
    body = urlencode(
        [("grant_type", "refresh_token"), ("refresh_token", "a"), ("refresh_token", "b"),
         ("client_id", client_id), ("client_secret", secret)]
    )  # fmt: skip
    response = client.post("/oauth/token", content=body, headers={"content-type": "application/x-www-form-urlencoded"})
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


# --- codes: replay, PKCE (RFC 6749 §4.1.2, RFC 7636 §4.1) ------------------------------------------


def test_replayed_code_revokes_every_token_issued_from_it(client: TestClient, clock: FakeClock) -> None:
    """RFC 6749 §4.1.2: a code used twice is refused and the tokens issued from it (and their refreshes) revoked."""
    client_id, secret = installed_app(client, clock)
    code = approve(client, client_id)
    first = exchange(client, client_id, secret, code).json()
    refresh_form = {"grant_type": "refresh_token", "client_id": client_id, "client_secret": secret}
    second = token(client, **refresh_form, refresh_token=first["refresh_token"]).json()
    unrelated = exchange(client, client_id, secret, approve(client, client_id)).json()

    def works(access: str) -> bool:
        return client.get("/v1/users/current", headers={"Authorization": f"Bearer {access}"}).status_code == 200

    assert works(first["access_token"]) and works(second["access_token"])
    replay = exchange(client, client_id, secret, code)
    assert (replay.status_code, replay.json()["error"]) == (400, "invalid_grant")
    assert not works(first["access_token"]) and not works(second["access_token"])
    assert token(client, **refresh_form, refresh_token=second["refresh_token"]).json()["error"] == "invalid_grant"
    assert works(unrelated["access_token"])  # another code's tokens stay
    assert token(client, **refresh_form, refresh_token=unrelated["refresh_token"]).status_code == 200


@pytest.mark.parametrize(
    ("verifier", "status"),
    [("v" * 10, 400), ("v" * 42, 400), ("v" * 43, 200), ("-._~" + "v" * 124, 200), ("v" * 129, 400),
     ("v" * 42 + "+", 400), ("v" * 42 + "é", 400)],
)  # fmt: skip
def test_code_verifier_is_43_to_128_unreserved_characters(
    client: TestClient, clock: FakeClock, verifier: str, status: int
) -> None:
    """RFC 7636 §4.1: a verifier outside 43..128 characters of [A-Za-z0-9-._~] is invalid_request, even if it matches."""
    client_id, secret = installed_app(client, clock)
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    code = approve(client, client_id, code_challenge=challenge, code_challenge_method="S256")
    response = exchange(client, client_id, secret, code, code_verifier=verifier)
    assert response.status_code == status, response.text
    if status == 400:
        assert response.json()["error"] == "invalid_request"


def test_verifier_for_a_code_without_challenge_is_refused(client: TestClient, clock: FakeClock) -> None:
    """RFC 9700 §4.8.2 (PKCE downgrade): a code_verifier for a code issued without code_challenge is refused."""
    client_id, secret = installed_app(client, clock)
    response = exchange(client, client_id, secret, approve(client, client_id), code_verifier="v" * 50)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


# --- refresh: scope and lifetime (RFC 6749 §6, the seed tutorial) ----------------------------------


def test_refresh_with_a_narrower_scope(client: TestClient, clock: FakeClock) -> None:
    """RFC 6749 §6: a subset of the granted scope gives an access token of that subset; the refresh token keeps all."""
    client_id, secret = installed_app(client, clock)
    scope = "org.permission.customer.read org.permission.apps.read offline_access"
    first = exchange(client, client_id, secret, approve(client, client_id, scope=scope)).json()
    form = {"grant_type": "refresh_token", "client_id": client_id, "client_secret": secret}
    narrow = token(client, **form, refresh_token=first["refresh_token"], scope="org.permission.apps.read")
    assert narrow.status_code == 200, narrow.text
    assert narrow.json()["scope"] == "org.permission.apps.read"
    bearer = {"Authorization": f"Bearer {narrow.json()['access_token']}"}
    assert client.get("/v1/apps", headers=bearer).status_code == 200
    assert client.get("/v1/customers", headers=bearer).status_code == 403
    full = token(client, **form, refresh_token=narrow.json()["refresh_token"])  # scope omitted: all of it
    assert full.json()["scope"] == scope


def test_refresh_with_a_wider_scope_is_invalid_scope(client: TestClient, clock: FakeClock) -> None:
    client_id, secret = installed_app(client, clock)
    first = exchange(client, client_id, secret, approve(client, client_id)).json()
    form = {"grant_type": "refresh_token", "client_id": client_id, "client_secret": secret}
    wider = token(client, **form, refresh_token=first["refresh_token"], scope="org.admin.apps offline_access")
    assert (wider.status_code, wider.json()["error"]) == (400, "invalid_scope")
    # the refused request did not spend the refresh token
    assert token(client, **form, refresh_token=first["refresh_token"]).status_code == 200


def test_refresh_tokens_live_until_invalidated(client: TestClient, clock: FakeClock) -> None:
    """The seed: an app "can request new access tokens indefinitely until you invalidate the refresh token"."""
    client_id, secret = installed_app(client, clock)
    refresh = exchange(client, client_id, secret, approve(client, client_id)).json()["refresh_token"]
    clock.advance(3 * 365 * 86400)
    form = {"grant_type": "refresh_token", "client_id": client_id, "client_secret": secret}
    response = token(client, **form, refresh_token=refresh)
    assert response.status_code == 200, response.text


def test_refresh_token_idle_days_option(make_client: MakeClient, clock: FakeClock) -> None:
    """`--refresh-token-idle-days N`: a refresh token unused N days expires; each rotation starts a new N days."""
    client = make_client(refresh_token_idle_days=14)
    client_id, secret = installed_app(client, clock)
    form = {"grant_type": "refresh_token", "client_id": client_id, "client_secret": secret}
    refresh = exchange(client, client_id, secret, approve(client, client_id)).json()["refresh_token"]
    clock.advance(13 * 86400)
    refresh = token(client, **form, refresh_token=refresh).json()["refresh_token"]
    clock.advance(13 * 86400)  # 26 days since the code, 13 since the last use
    refresh = token(client, **form, refresh_token=refresh).json()["refresh_token"]
    clock.advance(14 * 86400)
    expired = token(client, **form, refresh_token=refresh)
    assert (expired.status_code, expired.json()["error"]) == (400, "invalid_grant")
