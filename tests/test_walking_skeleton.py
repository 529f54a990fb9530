"""The walking skeleton: `pulumi up` of the dev stack against a fresh simulator, end to end.

The program (`__main__.py`) runs under the SDK's mocks; every resource goes over gRPC to the SDK's real
`python -m pulumi.dynamic` server, as in a real `pulumi up` (see kustomer_provider/rehearsal).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx

from kustomer_provider.simulator import SimulatorProcess
from tests.support.dev_stack import APP, STACKONE_CALLBACK
from tests.support.engines import EngineFactory
from tests.support.paths import RAW_PROGRAM
from tests.support.rendering import PRIVATE_APP, assert_program_refusal, check_failures, failure_message


def exchange_code(app: dict, redirect_uri: str) -> dict:
    """Authorize (the simulator consents at once) and exchange the code at the token URL."""
    with httpx.Client(timeout=10) as http:
        authorize = http.get(
            app["authorizeUrl"],
            params={
                "client_id": app["clientId"],
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": " ".join(app["scopes"]),
                "state": "xyz",
            },
        )
        assert authorize.status_code == 302, authorize.text
        query = parse_qs(urlsplit(authorize.headers["location"]).query)
        assert query["state"] == ["xyz"]
        token = http.post(
            app["tokenUrl"],
            data={
                "grant_type": "authorization_code",
                "code": query["code"][0],
                "client_id": app["clientId"],
                "client_secret": app["clientSecret"],
                "redirect_uri": redirect_uri,
            },
        )
        assert token.status_code == 200, token.text
        return token.json()


def test_up_registers_installs_and_mints_then_destroy_leaves_an_empty_state(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = make_engine()
    result = engine.up()

    # The program's resources went through the real provider server, over gRPC.
    assert sorted(result.ops("create")) == ["app-installs", "stackone_link", "stackone_link-secret"]
    assert result.provider_calls["Check"] == 3 and result.provider_calls["Create"] == 3
    # The app only started its install; app-installs, created after it, saw it final.
    app_state = engine.state.by_name("stackone_link").outputs
    assert app_state["install_status"] == "installing"
    installs = engine.state.by_name("app-installs").outputs
    assert installs["install_statuses"] == {app_state["app_name"]: "installed"}
    assert installs["installed_versions"] == {app_state["app_name"]: "1.0.0"}
    # The documented order: the secret depends on app-installs, so it was minted once the install was final.
    secret_deps = engine.state.by_name("stackone_link-secret").dependencies
    assert engine.state.by_name("app-installs").urn in secret_deps
    assert engine.state.by_name("stackone_link-secret").outputs["secret_status"] == "live"

    app = result.outputs["apps"]["stackone_link"]
    org_id = simulator.state()["orgs"]["acme"]["id"]
    assert re.fullmatch(r"stackone_link_[0-9a-f]{24}", app["appName"])
    assert app["appName"] == f"stackone_link_{org_id}"
    assert app["clientId"]
    assert app["orgName"] == "acme"
    assert app["redirectUris"][0] == STACKONE_CALLBACK
    assert app["authorizeUrl"] == f"{simulator.url}/oauth/authorize"
    assert result.is_secret("apps.stackone_link.clientSecret")

    # Kustomer (the simulator) has the app registered, installed, and one current secret.
    sim_app = simulator.state()["orgs"]["acme"]["apps"][app["appName"]]
    assert list(sim_app["versions"]) == ["1.0.0"]
    assert sim_app["installed"]["version"] == "1.0.0" and sim_app["installed"]["status"] == "installed"
    assert sim_app["clientId"] == app["clientId"]
    secret_state = engine.state.by_name("stackone_link-secret")
    assert sim_app["secret"]["current_fingerprint"] == secret_state.outputs["fingerprint"]

    # The credentials work: authorize, exchange the code, call the API with the access token.
    tokens = exchange_code(app, STACKONE_CALLBACK)
    assert tokens["token_type"] == "bearer" and tokens["access_token"] and tokens["refresh_token"]
    me = httpx.get(f"{simulator.url}/v1/users/current", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200

    # Nothing secret in the clear: not the key, not the client secret, in the state or a pickled provider.
    assert secret_state.secret_outputs >= {"client_secret"}
    assert engine.leaks([simulator.api_key, app["clientSecret"]]) == []
    for resource in engine.state:
        for name, value in resource.outputs.items():
            if value == app["clientSecret"]:
                assert name in resource.secret_outputs, f"{resource.name}.{name} holds the secret unencrypted"
    assert app["clientSecret"] not in result.provider_stderr

    destroyed = engine.destroy()
    deleted = destroyed.ops("delete")
    assert sorted(deleted[:2]) == ["app-installs", "stackone_link-secret"] and deleted[2:] == ["stackone_link"]
    assert len(engine.state) == 0
    assert any("Kustomer keeps app" in w and app["appName"] in w for w in destroyed.warnings)
    # Kustomer keeps it: destroy made no API request and the app is still there.
    assert app["appName"] in simulator.state()["orgs"]["acme"]["apps"]


def test_pickled_provider_is_small_and_holds_no_key(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    engine = make_engine()
    engine.up()
    for resource in engine.state:
        blob = resource.inputs["__provider"]
        assert len(blob) < 200, f"{resource.name}: pickled provider is {len(blob)} bytes"
        assert "__provider" not in resource.secret_inputs  # a bare class reference, kept in plaintext (state.md)
    assert engine.leaks([simulator.api_key]) == []


def bad_app(**overrides: object) -> dict:
    app = {"app": "my_app", "version": "1.0.0", "title": "My app", "redirect_uris": ["https://example.com/cb"]}
    return {"name": "bad", "app": {**app, **overrides}, "secret": None}


def test_bad_inputs_fail_in_check_naming_the_field_with_no_api_request(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    # Each field, and its value as the engine prints it (Go's %v; a nested path is no key of the inputs: <nil>).
    cases = {
        ("app", "{my-app}"): bad_app(app="my-app"),
        ("version", "{1.0}"): bad_app(version="1.0"),
        ("redirect_uris[0]", "{<nil>}"): bad_app(redirect_uris=["http://example.com/cb"]),
        ("title", "{}"): bad_app(title=""),
    }
    simulator.reset_stats()
    for (field, shown), spec in cases.items():
        engine = make_engine({"kustomer:testApps": [spec]}, program=RAW_PROGRAM)
        result = engine.up(check=False)
        assert not result.ok
        # What the user sees: one check failure, naming the field.
        (line,) = check_failures(result, "bad")
        assert line.startswith(f"error: {PRIVATE_APP} resource 'bad': property {field} value {shown} has a problem: ")
        assert result.provider_calls.get("Create", 0) == 0
    assert simulator.stats()["requests"] == {}


def test_bad_stack_config_is_reported_by_key_path_before_any_request(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    apps = [{"app": "stackone-link", "version": "1.0", "title": "x", "redirectUris": ["http://example.com/cb"]}]
    simulator.reset_stats()
    result = make_engine({"kustomer:apps": apps}).up(check=False)
    assert not result.ok
    message = failure_message(result)  # the program's error, under the stack: the message alone
    for path in ("kustomer:apps[0].app", "kustomer:apps[0].version", "kustomer:apps[0].redirectUris[0]"):
        assert f"\n  {path}: must " in message
    assert_program_refusal(result)
    assert simulator.stats()["requests"] == {}


def test_missing_api_key_names_both_ways_to_set_it(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    simulator.reset_stats()
    result = make_engine(secret_config={}).up(check=False)
    assert not result.ok
    (line,) = check_failures(result, APP)  # the resource as a whole: no property
    assert line.startswith(f"error: {PRIVATE_APP} resource '{APP}' has a problem: No Kustomer API key. ")
    assert "pulumi config set --secret kustomer:apiKey" in line and "KUSTOMER_API_KEY" in line
    assert simulator.stats()["requests"] == {}


def test_api_key_from_the_environment(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    engine = make_engine(secret_config={}, env={"KUSTOMER_API_KEY": simulator.api_key})
    result = engine.up()
    assert result.outputs["apps"]["stackone_link"]["clientId"]
