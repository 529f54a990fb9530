"""``RegisteredOAuthClient`` through the engine harness, against the simulator's Teamwork, Komerza and apaleo.

For each platform: ``up`` (the outputs, the secret encrypted in outputs and state), ``refresh``, ``destroy``; a
wrong secret failing with the platform and the fix (Teamwork: said to be unverifiable); a secret rotated in
the dashboard found by ``refresh`` and then updated in place; the rotation reminder, and its failure for CI.
The clients are the simulator's built-in dev clients, as the dev stack declares them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic.alias_generators import to_snake

from kustomer_provider import assumptions, platforms
from kustomer_provider.rehearsal.engine import Engine
from kustomer_provider.simulator import SimulatorProcess
from tests.support.dev_clients import DEV_CLIENT_SECRETS
from tests.support.dev_stack import dev_stack_config
from tests.support.engines import EngineFactory
from tests.support.paths import REPO_ROOT
from tests.support.rendering import REGISTERED_CLIENT, assert_program_refusal, check_failures, failure_message

PROGRAM = REPO_ROOT / "tests" / "programs" / "registered_clients.py"
PLATFORMS = ("teamwork", "komerza", "apaleo")
VERIFIABLE = ("komerza", "apaleo")
#: A wrong secret of the right shape for each platform (Komerza's are 72 characters).
WRONG_SECRETS = {
    "teamwork": "wrong-teamwork-secret-0000",
    "komerza": "wrong-komerza-secret-".ljust(72, "0"),
    "apaleo": "wrong-apaleo-secret-0000",
}


def today() -> date:
    return datetime.now(UTC).date()


def dev_client(platform: str) -> dict[str, Any]:
    """The dev stack's ``kustomer:registeredClients`` item for ``platform``."""
    items = dev_stack_config()["kustomer:registeredClients"]
    return next(i for i in items if i["platform"] == platform)


def client_spec(platform: str, simulator: SimulatorProcess, **changes: Any) -> dict[str, Any]:
    """A ``kustomer:testClients`` entry: the dev client of ``platform`` pointed at the test's simulator."""
    item = dev_client(platform)
    args = {to_snake(k): v for k, v in item.items() if k not in ("name", "clientSecretKey")}
    args.update(endpoint_base_url=simulator.url, **changes)
    return {"name": item["name"], "secretKey": f"kustomer:{item['clientSecretKey']}", "args": args}


def engine_for(make_engine: EngineFactory, spec: dict[str, Any], secrets: dict[str, str] | None = None) -> Engine:
    secret_config = {**DEV_CLIENT_SECRETS, **(secrets or {})}
    return make_engine({"kustomer:testClients": [spec]}, program=PROGRAM, secret_config=secret_config)


def secret_of(platform: str) -> str:
    return DEV_CLIENT_SECRETS[f"kustomer:{dev_client(platform)['clientSecretKey']}"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_up_refresh_and_destroy_keep_the_secret_encrypted(
    platform: str, make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    spec = client_spec(platform, simulator)
    name, secret = spec["name"], secret_of(platform)
    engine = engine_for(make_engine, spec)
    since = simulator.last_request()

    result = engine.up()

    assert result.ops("create") == [name]
    out = result.outputs["clients"][name]
    assert result.is_secret(f"clients.{name}.client_secret") and out["client_secret"] == secret
    assert not result.is_secret(f"clients.{name}.client_id")
    assert engine.leaks([secret]) == []  # not in the state file in plaintext
    assert out["fingerprint"] == assumptions.secret_fingerprint(secret)
    assert out["authorize_url"].startswith(f"{simulator.url}/{platform}/")
    assert out["token_url"].startswith(f"{simulator.url}/{platform}/")
    created = date.fromisoformat(spec["args"]["secret_created_on"])
    assert out["rotate_at"] == (created + timedelta(days=spec["args"]["rotate_after_days"])).isoformat()
    calls = [r for r in simulator.requests(since) if r["path"].startswith(f"/{platform}/")]
    if platform in VERIFIABLE:
        assert out["verification"] == "verified"
        assert len(calls) == 1, calls  # one exchange of a made-up code, no retries
    else:
        assert out["verification"].startswith("not possible: Teamwork does not document")
        assert calls == []  # nothing to learn, nothing sent
        assert any("cannot be verified without a user" in line for line in result.provider_stderr.splitlines())

    refreshed = engine.refresh()
    assert refreshed.outputs["clients"][name]["verification"] == out["verification"]
    assert engine.up().ops("update") == []  # refresh changed nothing the program sees

    gone = engine.destroy()
    assert [r.urn for r in engine.state if "RegisteredOAuthClient" in r.urn] == []
    assert f"stays registered on {platforms.get_platform(platform).title}" in gone.provider_stderr


@pytest.mark.parametrize("platform", VERIFIABLE)
def test_a_wrong_secret_fails_the_up_naming_the_platform_and_the_fix(
    platform: str, make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    spec = client_spec(platform, simulator)
    key, wrong = spec["secretKey"], WRONG_SECRETS[platform]
    result = engine_for(make_engine, spec, {key: wrong}).up(check=False)

    assert not result.ok
    title = platforms.get_platform(platform).title
    message = failure_message(result, spec["name"])  # the create's error, under the client
    assert f"{title} rejects the client" in message
    assert "copy the" in message and platforms.get_platform(platform).dashboard_url() in message
    assert wrong not in result.rendered and wrong not in result.provider_stderr


def test_komerza_names_an_unknown_client_id(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    spec = client_spec("komerza", simulator, client_id="no-such-komerza-app")
    result = engine_for(make_engine, spec).up(check=False)
    assert not result.ok
    message = failure_message(result, spec["name"])
    assert "Komerza rejects the client_id" in message and "app_not_found" in message


def test_teamwork_says_plainly_that_a_wrong_secret_cannot_be_told(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    spec = client_spec("teamwork", simulator)
    result = engine_for(make_engine, spec, {spec["secretKey"]: WRONG_SECRETS["teamwork"]}).up()
    assert result.outputs["clients"][spec["name"]]["verification"].startswith("not possible:")


@pytest.mark.parametrize("platform", VERIFIABLE)
def test_a_secret_rotated_in_the_dashboard_fails_the_refresh_until_it_is_given(
    platform: str, make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    # A client of its own, so that the shared dev client stays as it is.
    registered = simulator.register_platform_client(
        platform, redirect_uris=["https://example.com/oauth/callback"], scopes=["openid", "offline_access"]
    )
    spec = client_spec(platform, simulator, client_id=registered["client_id"])
    spec["secretKey"] = "kustomer:rotatedClientSecret"
    engine = engine_for(make_engine, spec, {"kustomer:rotatedClientSecret": registered["client_secret"]})
    first = engine.up().outputs["clients"][spec["name"]]

    rotated = simulator.rotate_platform_secret(platform, registered["client_id"])
    refreshed = engine.refresh(check=False)
    assert not refreshed.ok and "rejects the client" in failure_message(refreshed, spec["name"])  # Read's error
    assert rotated["client_secret"] not in refreshed.rendered

    engine.secret_config["kustomer:rotatedClientSecret"] = rotated["client_secret"]
    result = engine.up()
    assert result.ops("update") == [spec["name"]] and result.ops("replace") == []
    out = result.outputs["clients"][spec["name"]]
    assert out["verification"] == "verified" and out["fingerprint"] != first["fingerprint"]
    assert engine.leaks([registered["client_secret"], rotated["client_secret"]]) == []


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_secret_due_for_rotation_warns_with_the_dashboard_steps_or_fails_for_ci(
    platform: str, make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    created = (today() - timedelta(days=120)).isoformat()
    spec = client_spec(platform, simulator, secret_created_on=created, rotate_after_days=90)
    result = engine_for(make_engine, spec).up()
    warnings = [w for w in result.warnings if "due for rotation" in w]
    assert warnings, result.provider_stderr
    title = platforms.get_platform(platform).title
    assert f"{title} has no API that rotates it" in warnings[0]
    assert platforms.get_platform(platform).dashboard_url(spec["args"].get("site")) in warnings[0]

    strict = client_spec(platform, simulator, secret_created_on=created, rotate_after_days=90, rotation_due_fails=True)
    failed = engine_for(make_engine, strict).up(check=False)
    assert not failed.ok
    (line,) = check_failures(failed, strict["name"])
    shown = f"property secret_created_on value {{{created}}} has a problem: "
    assert line.startswith(f"error: {REGISTERED_CLIENT} resource '{strict['name']}': {shown}")
    assert "due for rotation" in line
    assert failed.ops("create") == []


def test_a_new_client_id_replaces_and_an_unreachable_platform_is_could_not_verify(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    other = simulator.register_platform_client(
        "apaleo", redirect_uris=["https://example.com/oauth/callback"], scopes=["openid"]
    )
    spec = client_spec("apaleo", simulator)
    engine = engine_for(make_engine, spec, {"kustomer:otherSecret": other["client_secret"]})
    engine.up()

    spec["args"]["client_id"] = other["client_id"]
    spec["secretKey"] = "kustomer:otherSecret"
    engine.config["kustomer:testClients"] = [spec]
    replaced = engine.up()
    assert replaced.ops("replace") == [spec["name"]]
    assert replaced.outputs["clients"][spec["name"]]["verification"] == "verified"

    # The platform cannot be reached: no failure, no silence.
    spec["args"]["endpoint_base_url"] = "http://127.0.0.1:9"
    engine.config["kustomer:testClients"] = [spec]
    unreachable = engine.up()
    assert unreachable.ops("update") == [spec["name"]]
    verification = unreachable.outputs["clients"][spec["name"]]["verification"]
    assert verification.startswith("could not verify: apaleo's token endpoint could not be reached")
    assert any("Could not verify the apaleo client" in w for w in unreachable.warnings)
    assert other["client_secret"] not in unreachable.provider_stderr


def test_the_dev_stack_exports_one_client_per_platform_in_the_shape_of_apps(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = make_engine(registered_clients=True)
    result = engine.up()
    assert sorted(result.ops("create")) == [
        "apaleo_dev",
        "app-installs",
        "komerza_dev",
        "stackone_link",
        "stackone_link-secret",
        "teamwork_dev",
    ]
    clients = result.outputs["registeredClients"]
    assert sorted(clients) == ["apaleo_dev", "komerza_dev", "teamwork_dev"]
    shape = {"clientId", "clientSecret", "authorizeUrl", "tokenUrl", "redirectUris", "scopes", "platform"}
    assert shape <= set(result.outputs["apps"]["stackone_link"]) | {"platform"}
    for name, client in clients.items():
        assert shape | {"rotateAt", "fingerprint", "verification"} <= set(client), name
        assert result.is_secret(f"registeredClients.{name}.clientSecret")
        assert client["tokenUrl"].startswith(f"{simulator.url}/{client['platform']}/")
    assert clients["komerza_dev"]["verification"] == clients["apaleo_dev"]["verification"] == "verified"
    assert engine.leaks(DEV_CLIENT_SECRETS.values()) == []

    assert engine.refresh().ok and engine.up().ops("update") == []
    engine.destroy()
    assert len(engine.state) == 0


def test_the_program_refuses_a_client_secret_stored_in_plaintext(make_engine: EngineFactory) -> None:
    plaintext = {"kustomer:apaleoClientSecret": DEV_CLIENT_SECRETS["kustomer:apaleoClientSecret"]}
    secrets = {k: v for k, v in DEV_CLIENT_SECRETS.items() if k not in plaintext}
    engine = make_engine(plaintext, registered_clients=True)
    engine.secret_config = {k: v for k, v in engine.secret_config.items() if k not in plaintext} | secrets
    result = engine.up(check=False)
    assert not result.ok
    message = failure_message(result)  # the program's refusal, under the stack
    assert "kustomer:apaleoClientSecret (named by kustomer:registeredClients[2].clientSecretKey) is stored in " in (
        message
    )
    assert plaintext["kustomer:apaleoClientSecret"] not in result.rendered
    assert_program_refusal(result)  # judged before anything is declared, told as the message alone


def simple_spec(simulator: SimulatorProcess, client_id: str, **changes: Any) -> dict[str, Any]:
    """An apaleo simple client ("custom app"): client_kind simple, no redirect URI; secret in kustomer:simpleSecret."""
    args = {
        "platform": "apaleo",
        "client_id": client_id,
        "client_code": "SIMPLE",
        "client_kind": "simple",
        "scopes": ["account.read"],
        "endpoint_base_url": simulator.url,
        **changes,
    }
    return {"name": "apaleo_simple", "secretKey": "kustomer:simpleSecret", "args": args}


def test_an_apaleo_simple_client_is_kept_as_code_and_verified_with_a_real_token(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    """A simple client has no redirect URI; up verifies it with a client_credentials grant that the simulator
    answers with a token (seen in its request log), and ``verification`` says so."""
    simple = simulator.register_platform_client("apaleo", kind="simple", scopes=["account.read"])
    engine = engine_for(
        make_engine, simple_spec(simulator, simple["client_id"]), {"kustomer:simpleSecret": simple["client_secret"]}
    )
    since = simulator.last_request()

    result = engine.up()

    out = result.outputs["clients"]["apaleo_simple"]
    assert out["verification"] == "verified: a client_credentials grant issued a token"
    assert out["redirect_uris"] == [] and result.is_secret("clients.apaleo_simple.client_secret")
    grants = [r for r in simulator.requests(since) if r["path"] == "/apaleo/connect/token"]
    assert [r["status"] for r in grants] == [200]
    assert engine.leaks([simple["client_secret"]]) == []

    simulator.rotate_platform_secret("apaleo", simple["client_id"])  # rotated in the dashboard
    refreshed = engine.refresh(check=False)
    assert not refreshed.ok
    message = failure_message(refreshed, "apaleo_simple")  # Read's error, under the client: the message alone
    assert message.startswith("apaleo rejects the client_id or client_secret") and "invalid_client" in message
    assert simple["client_secret"] not in refreshed.rendered


def test_a_connect_client_declared_simple_is_refused_and_a_simple_client_takes_no_redirect_uri(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    connect = client_spec("apaleo", simulator)
    as_simple = simple_spec(simulator, connect["args"]["client_id"])
    as_simple["secretKey"] = connect["secretKey"]
    refused = engine_for(make_engine, as_simple).up(check=False)
    assert not refused.ok
    message = failure_message(refused, as_simple["name"])  # the create's error, under the client
    assert message.startswith("apaleo rejects the client_kind") and "unauthorized_client" in message
    assert "Set client_kind to 'connect'" in message

    since = simulator.last_request()
    with_uri = simple_spec(simulator, "any-client", redirect_uris=["https://example.com/oauth/callback"])
    failed = engine_for(make_engine, with_uri, {"kustomer:simpleSecret": "made-up-simple-secret"}).preview(check=False)
    assert not failed.ok
    (line,) = check_failures(failed, with_uri["name"])
    assert line.startswith(f"error: {REGISTERED_CLIENT} resource 'apaleo_simple': property redirect_uris value ")
    assert "client credentials grant" in line
    assert simulator.requests(since) == []  # refused by check, before any request
