"""Tests of this project's program: its `up` against a local Kustomer simulator, with kustomer-pulumi's pytest
plugin (the `kustomer_stack` fixture; install `kustomer-pulumi[simulator]` and `pytest`, then run `pytest`).

Each test gets the stack brought up from nothing (the program, the real provider, a simulator of its own) and
destroyed afterwards; `kustomer_stack.outputs` holds each output's value and whether it is secret.
"""

import httpx
import pytest

APPS = {"crmSync": "https://crm.example.com/oauth/callback", "helpdeskBot": "https://bot.example.com/oauth/callback"}
# The simulator consents at once, so a test can play the browser of the OAuth flow with plain HTTP.
AUTO_CONSENT = pytest.mark.kustomer_stack(config={"kustomer:orgName": "acme"}, simulator_args=["--auto-consent"])


@pytest.mark.kustomer_stack(config={"kustomer:orgName": "acme"})
def test_each_app_exports_its_client_id_and_a_secret_that_stays_secret(kustomer_stack):
    outputs = kustomer_stack.outputs
    for app in APPS:
        assert outputs[f"{app}ClientSecret"].secret
        assert not outputs[f"{app}ClientId"].secret and not outputs[f"{app}AppName"].secret
        assert outputs[f"{app}ClientSecret"].value not in repr(outputs[f"{app}ClientSecret"])
    assert outputs["crmSyncAppName"].value.startswith("crm_sync_")


@pytest.mark.kustomer_stack(config={"kustomer:orgName": "acme"})
def test_a_second_up_changes_nothing(kustomer_stack):
    before = kustomer_stack.outputs
    again = kustomer_stack.up()
    assert again.ops("create") == [] and again.ops("update") == [] and again.ops("replace") == []
    assert kustomer_stack.outputs == before  # the same apps, the same secrets


@AUTO_CONSENT
def test_the_exported_secret_is_the_one_kustomers_token_endpoint_takes(kustomer_stack):
    outputs = kustomer_stack.outputs
    with httpx.Client(base_url=kustomer_stack.simulator.url, timeout=10) as http:
        for app, redirect_uri in APPS.items():
            client_id = outputs[f"{app}ClientId"].value
            authorize = http.get(
                "/oauth/authorize",
                params={"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code", "state": "x"},
            )
            assert authorize.status_code == 302
            code = httpx.URL(authorize.headers["location"]).params["code"]
            form = {
                "grant_type": "authorization_code",
                "code": code,
                "client_id": client_id,
                "redirect_uri": redirect_uri,
            }
            wrong = http.post("/oauth/token", data={**form, "client_secret": "not-the-secret"})
            assert wrong.status_code == 401
            token = http.post("/oauth/token", data={**form, "client_secret": outputs[f"{app}ClientSecret"].value})
            assert token.status_code == 200 and token.json()["token_type"].lower() == "bearer"
