"""What the state holds, and what follows for a stack (docs/state.md): each claim of the page, run.

- each resource's ``__provider`` is its provider class, pickled by reference (``kustomer_provider.<module>``,
  ``<Class>``), stored in plaintext since it holds nothing secret, while every secret stays encrypted;
- a state written with ``__provider`` encrypted (kustomer-pulumi 0.1.0) loads, and the next ``up`` changes
  nothing but that;
- where the package is not installed, ``refresh`` and ``destroy`` fail before any request, with Python's
  ``ModuleNotFoundError``; installed again, they work;
- renaming a secret without ``aliases`` mints a new secret and revokes the one consumers hold; renaming an app
  without them is refused by Kustomer (the version is registered); with ``aliases`` nothing happens at all.
"""

from __future__ import annotations

import base64
import json
import pickletools
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

import pytest

from kustomer_provider.rehearsal.engine import Engine
from kustomer_provider.rehearsal.provider_process import ProviderProcess
from kustomer_provider.rehearsal.provider_server import ProviderError, ProviderServer
from kustomer_provider.rehearsal.values import is_secret
from kustomer_provider.simulator import SimulatorProcess
from tests.support.dev_clients import DEV_CLIENT_SECRETS
from tests.support.dev_stack import token_status
from tests.support.engines import EngineFactory
from tests.support.paths import ONE_APP_PROGRAM
from tests.support.rendering import failure_message

#: Resource type -> the class its ``__provider`` names.
PROVIDER_CLASSES = {
    "PrivateApp": ("kustomer_provider.private_app", "PrivateAppProvider"),
    "AppSecret": ("kustomer_provider.app_secret", "AppSecretProvider"),
    "AppInstalls": ("kustomer_provider.app_installs", "AppInstallsProvider"),
    "RegisteredOAuthClient": ("kustomer_provider.registered_client", "RegisteredClientProvider"),
}
#: The opcodes of a pickle that is a bare reference to a class, called with no arguments and given no state.
BARE_REFERENCE = {"PROTO", "FRAME", "SHORT_BINUNICODE", "MEMOIZE", "STACK_GLOBAL", "EMPTY_TUPLE", "NEWOBJ", "STOP"}
MISSING = "ModuleNotFoundError: No module named 'kustomer_provider'"


def named_class(blob: str) -> tuple[str, ...]:
    """The module and class a pickled provider names, read without unpickling; it must be a bare reference."""
    ops = list(pickletools.genops(base64.b64decode(blob)))
    assert {op.name for op, _arg, _pos in ops} <= BARE_REFERENCE, [op.name for op, _arg, _pos in ops]
    return tuple(arg for _op, arg, _pos in ops if isinstance(arg, str))


def stored(engine: Engine) -> dict[str, dict[str, Any]]:
    """The state file's dynamic resources as stored on disk (the shape of `pulumi stack export`), by resource name."""
    resources = json.loads(engine.state.raw_text())["deployment"]["resources"]
    return {r["urn"].rsplit("::", 1)[-1]: r for r in resources if r["type"].startswith("pulumi-python:dynamic")}


def one_app(make_engine: EngineFactory, **config: Any) -> Engine:
    return make_engine({f"kustomer:{key}": value for key, value in config.items()}, program=ONE_APP_PROGRAM)


def test_each_provider_is_its_class_by_reference_in_plaintext_and_every_secret_is_encrypted(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = make_engine(registered_clients=True)
    result = engine.up()
    resources = stored(engine)
    assert {r["type"].rsplit(":", 1)[-1] for r in resources.values()} == set(PROVIDER_CLASSES)
    for resource in resources.values():
        expected = PROVIDER_CLASSES[resource["type"].rsplit(":", 1)[-1]]
        for part in ("inputs", "outputs"):
            blob = resource[part]["__provider"]
            assert isinstance(blob, str), f"{resource['urn']} {part}: __provider is not stored in plaintext"
            assert named_class(blob) == expected
    secret = next(r for r in resources.values() if r["type"].endswith(":AppSecret"))
    assert is_secret(secret["outputs"]["client_secret"]) and "ciphertext" in secret["outputs"]["client_secret"]
    minted = [app["clientSecret"] for app in result.outputs["apps"].values()]
    assert minted and engine.leaks([*minted, simulator.api_key, *DEV_CLIENT_SECRETS.values()]) == []


def test_a_state_with_encrypted_providers_loads_and_the_next_up_changes_nothing_else(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = one_app(make_engine, encryptedProvider=True)  # as kustomer-pulumi 0.1.0 wrote it
    before = engine.up().outputs
    assert all(is_secret(r["inputs"]["__provider"]) for r in stored(engine).values())

    engine.config["kustomer:encryptedProvider"] = False  # this version
    after = engine.up()
    assert sorted(after.ops("same")) == ["crm-sync", "crm-sync-secret"] and len(after.steps) == 2
    assert after.outputs["fingerprint"] == before["fingerprint"]  # nothing minted
    assert all(isinstance(r["inputs"]["__provider"], str) for r in stored(engine).values())
    assert token_status(simulator, before["client_id"], before["client_secret"]) == 200
    engine.refresh()
    engine.destroy()
    assert stored(engine) == {}


def provider_without_the_package(workdir: Path) -> ProviderServer:
    """A provider host in a virtualenv that has the project's other dependencies but not kustomer-pulumi."""
    venv = workdir / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    [site] = (venv / "lib").glob("python3*/site-packages")
    # A .pth line adds the directory alone: the .pth files in it (kustomer-pulumi's own install) are not run.
    (site / "project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    stderr = tempfile.NamedTemporaryFile(prefix="provider-stderr-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [str(venv / "bin" / "python"), "-m", "pulumi.dynamic"],
        cwd=workdir,  # the project's folder, as the engine runs it: no kustomer_provider here either
        env={"PATH": "/usr/bin:/bin", "PULUMI_PROJECT": "kustomer", "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=stderr,
    )
    return ProviderServer(started=ProviderProcess(process, stderr))


def test_without_the_package_refresh_and_destroy_fail_and_installing_it_again_recovers(
    make_engine: EngineFactory, simulator: SimulatorProcess, tmp_path: Path
) -> None:
    engine = one_app(make_engine)
    engine.up()
    simulator.reset_stats()
    with provider_without_the_package(tmp_path) as host:
        host.configure({"kustomer:apiKey": simulator.api_key, "kustomer:baseUrl": simulator.url})
        for resource in engine.state:
            for call in (
                lambda: host.read(resource.urn, resource.id, resource.outputs, resource.inputs),  # noqa: B023
                lambda: host.delete(resource.urn, resource.id, resource.outputs, resource.inputs),  # noqa: B023
            ):
                with pytest.raises(ProviderError) as failed:
                    call()
                lines = failed.value.details.rstrip("\n").splitlines()
                assert lines[0] == "Traceback (most recent call last):" and lines[-1] == MISSING, lines
    assert simulator.stats()["requests"] == {}  # it failed before anything was sent
    assert len(engine.state) == 2  # and the state is as it was
    assert engine.refresh().ok  # the package installed again (this process's virtualenv): both work
    held = engine.state.by_name("crm-sync-secret").outputs
    simulator.reset_stats()
    assert engine.destroy().ok
    assert simulator.stats()["requests"] == {}  # a delete calls nothing: `pulumi state delete` would lose nothing
    assert token_status(simulator, held["client_id"], held["client_secret"]) == 200  # the secret stays valid


def test_renaming_a_secret_without_aliases_mints_a_new_one_and_revokes_the_consumers_copy(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = one_app(make_engine)
    held = engine.up().outputs  # what the consumers hold
    engine.config["kustomer:secretName"] = "crm-sync-client-secret"
    renamed = engine.up()
    assert renamed.ops("create") == ["crm-sync-client-secret"] and renamed.ops("delete") == ["crm-sync-secret"]
    assert renamed.outputs["fingerprint"] != held["fingerprint"]
    assert token_status(simulator, held["client_id"], held["client_secret"]) == 401  # the consumers' copy: revoked
    assert token_status(simulator, held["client_id"], renamed.outputs["client_secret"]) == 200


def test_renaming_a_secret_with_aliases_keeps_it(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    engine = one_app(make_engine)
    held = engine.up().outputs
    engine.config.update(
        {"kustomer:secretName": "crm-sync-client-secret", "kustomer:secretAliases": ["crm-sync-secret"]}
    )
    renamed = engine.up()
    assert sorted(renamed.ops("same")) == ["crm-sync", "crm-sync-client-secret"] and len(renamed.steps) == 2
    assert renamed.outputs["fingerprint"] == held["fingerprint"]
    assert token_status(simulator, held["client_id"], held["client_secret"]) == 200
    assert sorted(stored(engine)) == ["crm-sync", "crm-sync-client-secret"]


def test_renaming_an_app_without_aliases_is_refused_and_with_aliases_changes_nothing(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    engine = one_app(make_engine)
    held = engine.up().outputs
    engine.config["kustomer:appName"] = "crm-sync-app"
    refused = engine.up(check=False)
    assert not refused.ok
    # The version carries the owner marker of the resource's old name: to the renamed resource it is another's.
    message = failure_message(refused, "crm-sync-app")  # the create's error, under the renamed app
    assert message.startswith("App 'crm_sync' is managed by another Pulumi resource")
    assert "'kustomer/dev/crm-sync'" in message and "take_over_from=" in message
    assert sorted(stored(engine)) == ["crm-sync", "crm-sync-secret"]  # nothing deleted, nothing minted

    engine.config["kustomer:appAliases"] = ["crm-sync"]
    renamed = engine.up()
    assert sorted(renamed.ops("same")) == ["crm-sync-app", "crm-sync-secret"] and len(renamed.steps) == 2
    assert renamed.outputs["fingerprint"] == held["fingerprint"]
    assert token_status(simulator, held["client_id"], held["client_secret"]) == 200
