"""The inventory against a simulator holding apps made three ways: by a stack (the engine harness), by hand through
the API, and by two stacks; its JSON against the schema in the docs; the exit status of each ``--fail-on`` class;
``--adopt`` taken into a stack with no write request; and the cost of 40 and 400 apps in requests.
"""

from __future__ import annotations

import io
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml

from kustomer_provider.inventory import main
from kustomer_provider.rehearsal.engine import Engine
from kustomer_provider.simulator import SimulatorProcess
from tests.support.dev_stack import APP, api, dev_apps, dev_stack_config
from tests.support.engines import EngineFactory
from tests.support.paths import REPO_ROOT
from tests.support.stack_export import stack_export, write_export

SCHEMA = json.loads((REPO_ROOT / "docs" / "inventory.schema.json").read_text())
READER = "inventory-reader-key"
CALLBACK = "https://example.com/oauth/callback"
SHARED = {"app": "shared_app", "version": "1.0.0", "title": "Shared", "redirectUris": [CALLBACK], "adoptExisting": True}


def run(simulator: SimulatorProcess, *args: str, now: datetime | None = None) -> tuple[int, str, str]:
    """The inventory's exit status, stdout and stderr, with a key that may only read."""
    out, err = io.StringIO(), io.StringIO()
    env = {"KUSTOMER_API_KEY": READER, "KUSTOMER_BASE_URL": simulator.url}
    status = main(list(args), environ=env, stdout=out, stderr=err, now=now)
    return status, out.getvalue(), err.getvalue()


def register_by_hand(simulator: SimulatorProcess, app: str, *, roles: list[str], install: bool = True) -> str:
    """An app registered (and installed) through the API by a person: its namespaced name."""
    with api(simulator) as http:
        definition = {
            "app": app,
            "version": "1.0.0",
            "title": f"{app} (by hand)",
            "description": "Made in a terminal.",
            "visibility": "private",
            "redirectUris": [CALLBACK],
            "roles": roles,
        }
        registered = http.post("/v1/apps/available", json=definition)
        assert registered.status_code == 201, registered.text
        name: str = registered.json()["data"]["attributes"]["name"]
        if install:
            assert http.post("/v1/apps/install", json={"app": name, "version": "1.0.0"}).status_code in (200, 202)
    return name


def wait_installed(simulator: SimulatorProcess, name: str) -> None:
    with api(simulator) as http:
        for _ in range(100):
            listed = http.get("/v1/apps").json()["data"]
            if any(e["id"] == name and e["attributes"]["version"] for e in listed):
                return
            import time

            time.sleep(0.05)
    raise AssertionError(f"{name} was never installed")


@pytest.fixture
def three_ways(make_engine: EngineFactory, simulator: SimulatorProcess, tmp_path: Path) -> dict[str, Any]:
    """The dev stack's app held by stack alpha; an app made by hand; an app held by stacks beta and gamma."""
    simulator.add_key(READER, ["org.permission.apps.read"])
    alpha = make_engine(stack="alpha")
    alpha.up()
    by_hand = register_by_hand(simulator, "made_by_hand", roles=["org.permission.apps", "org.permission.customer.read"])
    narrow = register_by_hand(simulator, "narrow_reader", roles=["org.permission.customer.read"])
    beta = make_engine({"kustomer:apps": [SHARED]}, stack="beta")
    beta.up()
    # Beta's version carries beta's owner marker, so gamma must name it to take the app over; beta still holds the
    # app (its first step, removing the app from beta, skipped): both stacks now hold it.
    gamma = make_engine({"kustomer:apps": [{**SHARED, "takeOverFrom": "kustomer/beta/shared_app"}]}, stack="gamma")
    gamma.up()  # takes over the version beta registered, and mints its own secret (revoking beta's)
    wait_installed(simulator, by_hand)
    exports = {name: write_export(e, tmp_path / f"{name}.json") for name, e in (("alpha", alpha), ("beta", beta),
                                                                               ("gamma", gamma))}  # fmt: skip
    names = {
        "stackone": alpha.state.by_name(APP).outputs["app_name"],
        "shared": beta.state.by_name("shared_app").outputs["app_name"],
        "by_hand": by_hand,
        "narrow": narrow,
    }
    return {"engines": {"alpha": alpha, "beta": beta, "gamma": gamma}, "exports": exports, "names": names}


def export_flags(exports: dict[str, Path]) -> list[str]:
    return [flag for path in exports.values() for flag in ("--stack-export", str(path))]


def test_the_report_names_each_app_by_how_it_was_made(simulator: SimulatorProcess, three_ways: dict[str, Any]) -> None:
    names = three_ways["names"]
    simulator.reset_stats()
    status, out, err = run(simulator, "--json", *export_flags(three_ways["exports"]))
    assert status == 0, err
    report = json.loads(out)
    jsonschema.validate(report, SCHEMA)
    # A read-only key was enough: the two listings, nothing written.
    assert simulator.stats()["requests"] == {"GET /v1/apps/available": 1, "GET /v1/apps": 1}

    apps = {app["name"]: app for app in report["apps"]}
    assert set(apps) == set(names.values())
    assert [(h["stack"], h["version"]) for h in apps[names["stackone"]]["managedBy"]] == [("alpha", "1.0.0")]
    assert apps[names["stackone"]]["installedVersion"] == "1.0.0"
    assert apps[names["stackone"]]["redirectUris"] == dev_stack_config()["kustomer:apps"][0]["redirectUris"]
    assert [s["stack"] for s in apps[names["stackone"]]["secrets"]] == ["alpha"]
    assert apps[names["by_hand"]]["managedBy"] == []
    assert apps[names["by_hand"]]["broadScopes"] == ["org.permission.apps"]
    assert apps[names["narrow"]]["broadScopes"] == []
    assert sorted(h["stack"] for h in apps[names["shared"]]["managedBy"]) == ["beta", "gamma"]

    findings = [(f["kind"], f["severity"], f["app"]) for f in report["findings"]]
    # Most serious first: the broad unmanaged app, the narrow one, then the conflict.
    assert findings == [
        ("unmanaged", "high", names["by_hand"]),
        ("unmanaged", "medium", names["narrow"]),
        ("conflict", "high", names["shared"]),
    ]
    conflict = report["findings"][2]
    assert conflict["stacks"] == ["beta", "gamma"]
    # The rehearsal's --state: the harness's own state file (version 1) reads the same.
    alpha = three_ways["engines"]["alpha"]
    status, out, _ = run(simulator, "--json", "--state", str(alpha.state_path))
    assert status == 0
    (held,) = [a for a in json.loads(out)["apps"] if a["managedBy"]]
    assert held["name"] == names["stackone"] and held["managedBy"][0]["stack"] == "alpha"
    # No secret of any stack is in the output (the exports hold them encrypted; none is needed).
    for engine in three_ways["engines"].values():
        for resource in engine.state:
            secret = resource.outputs.get("client_secret")
            assert not secret or secret not in out


def test_the_table_fits_80_and_120_columns(simulator: SimulatorProcess, three_ways: dict[str, Any]) -> None:
    for width in (80, 120):
        status, out, _ = run(simulator, "--width", str(width), "--details", *export_flags(three_ways["exports"]))
        assert status == 0
        assert max(len(line) for line in out.splitlines()) <= width
        assert "UNMANAGED+BROAD" in out and "conflict" in out
    assert three_ways["names"]["stackone"][:20] in out


def test_each_fail_on_class_sets_the_exit_status(
    simulator: SimulatorProcess, three_ways: dict[str, Any], tmp_path: Path
) -> None:
    exports = three_ways["exports"]
    names = three_ways["names"]
    flags = export_flags(exports)
    assert run(simulator, "--fail-on", "unmanaged", *flags)[0] == 1
    assert run(simulator, "--fail-on", "conflict", *flags)[0] == 1
    assert run(simulator, "--fail-on", "drift,rotation", *flags)[0] == 0
    # Only alpha's export: no conflict is known, and the shared app counts as unmanaged.
    alpha_only = ["--stack-export", str(exports["alpha"])]
    assert run(simulator, "--fail-on", "conflict", *alpha_only)[0] == 0

    # Drift: a person installs a newer version of alpha's app outside Pulumi.
    with api(simulator) as http:
        newer = {**dev_apps()[0]}
        definition = {
            "app": newer["app"], "version": "1.1.0", "title": newer["title"], "visibility": "private",
            "redirectUris": newer["redirectUris"], "description": newer["description"],
        }  # fmt: skip
        assert http.post("/v1/apps/available", json=definition).status_code == 201
        assert http.post("/v1/apps/install", json={"app": names["stackone"], "version": "1.1.0"}).status_code == 202
    wait_installed_version(simulator, names["stackone"], "1.1.0")
    status, out, err = run(simulator, "--fail-on", "drift", "--json", *alpha_only)
    assert status == 1 and "drift" in err
    drift = [f for f in json.loads(out)["findings"] if f["kind"] == "drift"]
    assert [f["app"] for f in drift] == [names["stackone"]]
    assert "declares version 1.0.0, the org has 1.1.0 installed" in drift[0]["message"]

    # Rotation: alpha's secret (rotateAfterDays 90 in the dev stack) seen 91 days on.
    later = datetime.now(UTC).replace(microsecond=0)
    later = later.replace(year=later.year + 1)
    assert run(simulator, "--fail-on", "rotation", *alpha_only)[0] == 0
    status, out, _ = run(simulator, "--fail-on", "rotation", "--json", *alpha_only, now=later)
    assert status == 1
    rotation = [f for f in json.loads(out)["findings"] if f["kind"] == "rotation"]
    assert [f["app"] for f in rotation] == [names["stackone"]] and "past its rotation date" in rotation[0]["message"]
    jsonschema.validate(json.loads(out), SCHEMA)


def wait_installed_version(simulator: SimulatorProcess, name: str, version: str) -> None:
    import time

    with api(simulator) as http:
        for _ in range(200):
            listed = http.get("/v1/apps").json()["data"]
            if any(e["id"] == name and e["attributes"]["version"] == version for e in listed):
                return
            time.sleep(0.05)
    raise AssertionError(f"{name} {version} was never installed")


def test_check_secrets_finds_the_secret_another_stack_revoked(
    simulator: SimulatorProcess, three_ways: dict[str, Any], tmp_path: Path
) -> None:
    engines = three_ways["engines"]
    shown = {n: write_export(engines[n], tmp_path / f"{n}-shown.json", show_secrets=True) for n in ("beta", "gamma")}
    simulator.reset_stats()
    status, out, err = run(simulator, "--json", "--check-secrets", "--fail-on", "rotation", *export_flags(shown))
    assert status == 1, err
    report = json.loads(out)
    jsonschema.validate(report, SCHEMA)
    (shared,) = [a for a in report["apps"] if a["name"] == three_ways["names"]["shared"]]
    assert {s["stack"]: s["status"] for s in shared["secrets"]} == {"beta": "dead", "gamma": "live"}
    rotation = [f for f in report["findings"] if f["kind"] == "rotation"]
    assert [(f["stacks"], f["severity"]) for f in rotation] == [(["beta"], "high")]
    assert "token endpoint refuses" in rotation[0]["message"]
    assert simulator.stats()["requests"]["POST /oauth/token"] == 2  # one probe per secret, nothing minted
    for name in ("beta", "gamma"):
        secret = engines[name].state.by_name("shared_app-secret").outputs["client_secret"]
        assert secret not in out and secret not in err

    # An export with the secrets encrypted: nothing to check, and it says so.
    status, out, err = run(simulator, "--json", "--check-secrets", *export_flags(three_ways["exports"]))
    assert status == 0 and "not checked" in err and "--show-secrets" in err
    statuses = {s["status"] for a in json.loads(out)["apps"] for s in a["secrets"]}
    assert statuses == {"unchecked"}


def test_adopt_output_in_a_stack_config_makes_no_write_request(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    simulator.add_key(READER, ["org.permission.apps.read"])
    name = register_by_hand(simulator, "legacy_crm", roles=["org.permission.customer.read"])
    wait_installed(simulator, name)
    status, out, err = run(simulator, "--adopt", "legacy_crm", "--json")
    assert status == 0, err
    adoption = json.loads(out)
    item = adoption["item"]
    assert item == {
        "app": "legacy_crm",
        "version": "1.0.0",
        "title": "legacy_crm (by hand)",
        "description": "Made in a terminal.",
        "redirectUris": [CALLBACK],
        "definition": {"roles": ["org.permission.customer.read"]},
        "adoptExisting": True,
        "mintSecret": False,
    }
    assert "revokes" in adoption["secret"]
    # The text form holds the same item, as YAML under kustomer:apps, then the Python code.
    text = run(simulator, "--adopt", "legacy_crm")[1]
    block = text[text.index("kustomer:apps:") : text.index("# 2.")]
    assert yaml.safe_load(block) == {"kustomer:apps": [item]}
    assert "adopt_existing=True" in text and "KustomerAppSecret" in text

    # Pasted into a stack's config: the next up lists the org and writes nothing.
    since = simulator.last_request()
    fresh = make_engine({"kustomer:apps": [item]})
    result = fresh.up()
    log = simulator.requests(since)
    assert log and [f"{e['method']} {e['path']}" for e in log if e["method"] != "GET"] == []
    assert sorted(result.ops("create")) == ["app-installs", "legacy_crm"]
    outputs = result.outputs["apps"]["legacy_crm"]
    assert outputs["appName"] == name and "clientSecret" not in outputs
    with api(simulator) as http:
        (record,) = [a for a in http.get("/v1/apps/available").json()["data"] if a["attributes"]["name"] == name]
    assert outputs["clientId"] == record["attributes"]["clientId"]
    assert (
        simulator.state()["orgs"]["acme"]["apps"][name]["secret"]["minted"] == 0
    )  # the secret in use was never replaced
    # And the inventory now names that stack as its holder.
    status, out, _ = run(simulator, "--json", "--adopt", "legacy_crm", "--stack-export",
                         str(write_export(fresh, fresh.workdir / "export.json")))  # fmt: skip
    assert status == 2


def test_adopt_python_code_as_a_program_makes_no_write_request(
    make_engine: EngineFactory, simulator: SimulatorProcess, tmp_path: Path
) -> None:
    simulator.add_key(READER, ["org.permission.apps.read"])
    name = register_by_hand(simulator, "legacy_sync", roles=["org.permission.customer.read"])
    wait_installed(simulator, name)
    status, out, _ = run(simulator, "--adopt", "legacy_sync", "--json")
    assert status == 0
    program = tmp_path / "adopted" / "__main__.py"
    program.parent.mkdir()
    program.write_text(json.loads(out)["python"])
    since = simulator.last_request()
    result = make_engine(program=program, project_file=REPO_ROOT / "Pulumi.yaml").up()
    assert [e for e in simulator.requests(since) if e["method"] != "GET"] == []
    assert result.outputs["legacy_sync_client_id"]
    assert result.ops("create") == ["legacy_sync"]


def test_a_missing_pulumi_cli_is_said_plainly(simulator: SimulatorProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    status, out, err = run(simulator, "--from-stack", "prod")
    assert status == 2 and out == ""
    assert "the Pulumi CLI is not on PATH" in err and "pulumi stack export --stack prod > prod.json" in err


def test_from_stack_runs_pulumi_stack_export(
    make_engine: EngineFactory, simulator: SimulatorProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    simulator.add_key(READER, ["org.permission.apps.read"])
    engine = make_engine(stack="prod")
    engine.up()
    export = write_export(engine, tmp_path / "prod.json", show_secrets=True)
    fake = tmp_path / "bin" / "pulumi"
    fake.parent.mkdir()
    # A stand-in CLI that prints the export when called exactly as the inventory should call it.
    fake.write_text(
        "#!/bin/sh\n"
        f'[ "$*" = "stack export --stack prod --show-secrets" ] && exec cat {export}\n'
        'echo "error: unexpected arguments: $*" >&2; exit 1\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    status, out, err = run(simulator, "--from-stack", "prod", "--check-secrets", "--json")
    assert status == 0, err
    (app,) = json.loads(out)["apps"]
    assert [s["status"] for s in app["secrets"]] == ["live"]
    status, _, err = run(simulator, "--from-stack", "staging")
    assert status == 2 and "unexpected arguments" in err


@pytest.mark.simulator_args("--rate-limit", "0", "--install-ms", "0")
def test_requests_grow_with_pages_not_with_apps(simulator: SimulatorProcess) -> None:
    simulator.add_key(READER, ["org.permission.apps.read"])
    counts = {}
    made = 0
    with httpx.Client(base_url=simulator.url, headers={"Authorization": f"Bearer {simulator.api_key}"}) as http:
        for total in (40, 400):
            while made < total:
                body = {"app": f"bulk_{made:03d}", "version": "1.0.0", "title": f"Bulk {made}", "visibility": "private"}
                name = http.post("/v1/apps/available", json=body).json()["data"]["attributes"]["name"]
                assert http.post("/v1/apps/install", json={"app": name, "version": "1.0.0"}).status_code in (200, 202)
                made += 1
            simulator.reset_stats()
            status, out, _ = run(simulator, "--json")
            assert status == 0 and len(json.loads(out)["apps"]) == total
            counts[total] = simulator.stats()["requests"]
    page = 100  # the simulator's default page size, as Kustomer's pages
    for total, requests in counts.items():
        pages = math.ceil(total / page)
        assert requests == {"GET /v1/apps/available": pages, "GET /v1/apps": pages}, (total, requests)
    assert sum(counts[400].values()) == 8 and sum(counts[40].values()) == 2


def test_bad_input_exits_2_naming_the_problem(
    simulator: SimulatorProcess, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"version": 3, "deployment": {"resources": [{"urn": "not-a-urn", "type": "x"}]}}))
    status, out, err = run(simulator, "--stack-export", str(bad))
    assert status == 2 and out == ""
    assert str(bad) in err and "deployment.resources[0].urn" in err and "Traceback" not in err
    assert run(simulator, "--fail-on", "everything")[0] == 2
    assert "unmanaged, conflict, drift, rotation" in capsys.readouterr().err  # argparse's own message
    out, err_io = io.StringIO(), io.StringIO()
    assert main([], environ={"KUSTOMER_BASE_URL": simulator.url}, stdout=out, stderr=err_io) == 2
    assert "KUSTOMER_API_KEY" in err_io.getvalue()


def test_a_key_without_a_read_role_is_an_api_error(simulator: SimulatorProcess) -> None:
    simulator.add_key("no-roles", [])
    out, err = io.StringIO(), io.StringIO()
    env = {"KUSTOMER_API_KEY": "no-roles", "KUSTOMER_BASE_URL": simulator.url}
    assert main([], environ=env, stdout=out, stderr=err) == 3
    assert "org.permission.apps.read" in err.getvalue() and "no-roles" not in err.getvalue()


def test_the_export_helper_is_the_shape_pulumi_writes(make_engine: EngineFactory) -> None:
    engine: Engine = make_engine()
    engine.up()
    export = stack_export(engine)
    assert export["version"] == 3 and export["deployment"]["resources"][0]["type"] == "pulumi:pulumi:Stack"
    types = {r["type"] for r in export["deployment"]["resources"]}
    assert "pulumi-python:dynamic/kustomer:AppSecret" in types
