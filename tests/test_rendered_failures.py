"""Each failure the product anticipates, as the Pulumi CLI prints it: an ``up`` (or a ``preview``) of a small program
through the rehearsal, against the simulator, read from ``Result.rendered``.

For each class (a wrong API key, a key without the role, a registered version without adoption, an install that
failed or took too long, a platform refusing a registered client, invalid config reaching the provider or the
program) the failed resource's lines are ``error: `` and the message, its first line the message's, with no
``Traceback`` and no frame, in a few lines. A bug (a provider that raises where nobody anticipated) keeps its
traceback and adds the line saying whose bug it is and where to report it. A connection that cannot work is
explained in full once per ``preview``, the other resources referring to it in a short line.

``tests/test_error_details.py`` holds the same classes to the gRPC details the provider host returns; here they are
what the engine makes of them. One simulator serves the module (each test its own app names; faults put back).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import kustomer_provider
from kustomer_provider.app_inputs import PrivateAppInputs
from kustomer_provider.rehearsal.engine import Engine, Result
from kustomer_provider.simulator import SimulatorProcess
from tests.support import buggy_providers
from tests.support.dev_stack import api, dev_stack_config
from tests.support.paths import DEV_PROGRAM, RAW_PROGRAM, REPO_ROOT
from tests.support.rendering import (
    PRIVATE_APP,
    TRACEBACK,
    assert_message_alone,
    assert_program_refusal,
    check_failures,
    failure_message,
)

PROGRAMS = REPO_ROOT / "tests" / "programs"
REDIRECT = "https://example.com/oauth/callback"
#: A secret of Komerza's length (72) that is not the simulator's Komerza client's own.
WRONG_KOMERZA_SECRET = "wrong-komerza-secret-".ljust(72, "0")
NO_KEY = "No Kustomer API key. Set it as a stack secret with `pulumi config set --secret kustomer:apiKey <key>`"
SEE_ABOVE = "Kustomer connection not usable: see the first error of this run (kustomer:apiKey)"


@pytest.fixture(scope="module")
def shared_simulator() -> Iterator[SimulatorProcess]:
    with SimulatorProcess(["--install-ms", "150", "--auto-consent"]) as sim:
        yield sim


@pytest.fixture
def sim(shared_simulator: SimulatorProcess) -> Iterator[SimulatorProcess]:
    """The module's simulator, its faults put back after the test."""
    yield shared_simulator
    shared_simulator.set_faults(install_ms=150, install_fail=[])


def app_inputs(name: str) -> dict[str, Any]:
    """``KustomerPrivateApp``'s inputs for an app named as its resource."""
    return {"app": name, "version": "1.0.0", "title": f"App {name}", "redirect_uris": [REDIRECT]}


def app_stack(
    tmp_path: Path,
    sim: SimulatorProcess,
    names: list[str],
    *,
    config: dict[str, Any] | None = None,
    secret_config: dict[str, Any] | None = None,
    **app_changes: Any,
) -> Engine:
    """A stack of private apps (one per name, no secret), the provider pointed at ``sim`` with its admin key unless
    ``config`` or ``secret_config`` say otherwise (a key given as ``None`` is left out)."""
    apps = [{"name": n, "app": {**app_inputs(n), **app_changes}, "secret": None} for n in names]
    given = {"kustomer:baseUrl": sim.url, "kustomer:testApps": apps, **(config or {})}
    secrets = {"kustomer:apiKey": sim.api_key, **(secret_config or {})}
    return Engine(
        tmp_path / "stack",
        program=RAW_PROGRAM,
        config={k: v for k, v in given.items() if v is not None},
        secret_config={k: v for k, v in secrets.items() if v is not None},
    )


def register_by_hand(sim: SimulatorProcess, name: str, **changes: Any) -> None:
    """Register the app's version 1.0.0 outside Pulumi (no owner marker), as the provider would build it."""
    definition = PrivateAppInputs.model_validate({**app_inputs(name), **changes}).to_definition()
    with api(sim) as http:
        answer = http.post("/v1/apps/available", json=definition)
        assert answer.status_code == 201, answer.text


@dataclass
class Case:
    """One anticipated failure of an app's create: what provokes it, and what the CLI's first line says."""

    first_line: Callable[[str], str]
    phrases: tuple[str, ...] = ()
    prepare: Callable[[SimulatorProcess, str], None] = lambda sim, name: None
    config: dict[str, Any] = field(default_factory=dict)
    secret_config: dict[str, Any] = field(default_factory=dict)
    #: Text the rendering must not hold (a key).
    hidden: tuple[str, ...] = ()


CASES = {
    "wrong_api_key": Case(
        lambda name: "POST /v1/apps/available answered 401: ",
        ("kustomer:apiKey",),
        secret_config={"kustomer:apiKey": "no-such-key-7f3a9b2c41"},
        hidden=("no-such-key-7f3a9b2c41",),
    ),
    "key_without_role": Case(
        lambda name: "POST /v1/apps/available answered 403: ",
        ("org.admin.apps",),
        prepare=lambda sim, name: sim.add_key("reader-key-5e8d1c7a90", ["org.permission.apps.read"]),
        secret_config={"kustomer:apiKey": "reader-key-5e8d1c7a90"},
        hidden=("reader-key-5e8d1c7a90",),
    ),
    "interrupted_create_without_adoption": Case(
        lambda name: f"Version 1.0.0 of app '{name}' is already registered in this org ({name}_",
        ("with exactly this definition but no owner marker", "probably this stack's own create", "adoptExisting"),
        prepare=register_by_hand,
    ),
    "another_definition": Case(
        lambda name: f"Version 1.0.0 of app '{name}' is already registered in this org with a different definition",
        ("Bump `version` above 1.0.0",),
        prepare=lambda sim, name: register_by_hand(sim, name, title="Somebody else's app"),
    ),
    "install_failed": Case(
        lambda name: f"Kustomer could not install {name}_",
        ("simulated failure", "takes back the version it registered"),
        prepare=lambda sim, name: sim.set_faults(install_fail=[name]),
    ),
    "install_timeout": Case(
        lambda name: f"The install of {name}_",
        ("did not finish within 1s", "last status: installing"),
        prepare=lambda sim, name: sim.set_faults(install_ms=60_000),
        config={"kustomer:installTimeoutSeconds": "1"},
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_an_anticipated_failure_of_a_create_is_its_message_alone(
    tmp_path: Path, sim: SimulatorProcess, name: str
) -> None:
    case = CASES[name]
    case.prepare(sim, name)
    result = app_stack(tmp_path, sim, [name], config=case.config, secret_config=case.secret_config).up(check=False)
    assert not result.ok
    assert_message_alone(result.rendered_for(name), case.first_line(name))
    message = failure_message(result, name)
    assert all(phrase in message for phrase in case.phrases), message
    assert result.rendered_for("").split("\n")[0] == "error: update failed"  # a failed step: the engine's close
    assert_nothing_hidden_shown(result, case.hidden)


def assert_nothing_hidden_shown(result: Result, hidden: tuple[str, ...] = ()) -> None:
    """No traceback and no frame anywhere in what the CLI prints, and none of ``hidden``."""
    assert TRACEBACK not in result.rendered and 'File "' not in result.rendered, result.rendered
    assert not [text for text in hidden if text in result.rendered], result.rendered


def test_a_platform_refusing_a_registered_client(tmp_path: Path, sim: SimulatorProcess) -> None:
    args = {
        "platform": "komerza",
        "client_id": "sim-dev-komerza-client",  # the simulator's built-in Komerza client (docs/simulator.md)
        "redirect_uris": [REDIRECT],
        "scopes": ["stores.read"],
        "endpoint_base_url": sim.url,
    }
    stack = Engine(
        tmp_path / "clients",
        program=PROGRAMS / "registered_clients.py",
        config={"kustomer:testClients": [{"name": "komerza", "secretKey": "kustomer:komerzaSecret", "args": args}]},
        secret_config={"kustomer:komerzaSecret": WRONG_KOMERZA_SECRET},
    )
    result = stack.up(check=False)
    assert not result.ok
    first = "Komerza rejects the client_secret of the Komerza client sim-dev-komerza-client"
    assert_message_alone(result.rendered_for("komerza"), first)
    assert "copy the client secret again from Komerza's dashboard" in failure_message(result, "komerza")
    assert_nothing_hidden_shown(result, (WRONG_KOMERZA_SECRET,))


@pytest.mark.parametrize(
    ("name", "config", "first"),
    [
        (
            "org_not_a_subdomain",
            {"kustomer:orgName": "Acme Corp", "kustomer:baseUrl": None},
            "config kustomer:orgName must be the org's subdomain",
        ),
        ("base_url_in_plain_http", {"kustomer:baseUrl": "http://api.example.com"}, "config kustomer:baseUrl must use"),
    ],
)
def test_invalid_config_reaching_the_provider_is_the_resources_problem(
    tmp_path: Path, sim: SimulatorProcess, name: str, config: dict[str, Any], first: str
) -> None:
    sim.reset_stats()
    result = app_stack(tmp_path, sim, [name], config=config).up(check=False)
    assert not result.ok
    # Check fails (a preview would too): the engine's words for a problem of the resource as a whole.
    assert_message_alone(result.rendered_for(name), f"{PRIVATE_APP} resource '{name}' has a problem: {first}")
    assert result.rendered_for("") == ""  # the step generator stopped it: no "update failed"
    assert_nothing_hidden_shown(result, (sim.api_key,))
    assert sim.stats()["requests"] == {}


def test_invalid_config_read_by_the_program_is_its_message_alone(tmp_path: Path, sim: SimulatorProcess) -> None:
    config = {**dev_stack_config(), "kustomer:orgName": "Acme Corp"}
    config.pop("kustomer:baseUrl")
    config.pop("kustomer:registeredClients")
    stack = Engine(tmp_path / "dev", program=DEV_PROGRAM, config=config, secret_config={"kustomer:apiKey": "k" * 24})
    result = stack.up(check=False)
    assert failure_message(result).startswith("config kustomer:orgName must be the org's subdomain")
    assert_program_refusal(result)


# -- a bug: the traceback and the report line ----------------------------------------------------------


def report_line() -> str:
    """The bug report line, from what pyproject.toml and the installed package say (not from the code under test)."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    return (
        f"This is a bug in kustomer-pulumi {kustomer_provider.__version__} (an error it does not anticipate): "
        f"please report it at {project['urls']['Issues']}."
    )


def test_a_bug_shows_its_traceback_and_the_report_line(tmp_path: Path, sim: SimulatorProcess) -> None:
    stack = Engine(
        tmp_path / "buggy",
        program=PROGRAMS / "buggy_app.py",
        config={"kustomer:baseUrl": sim.url, "kustomer:buggyApp": app_inputs("buggy")},
        secret_config={"kustomer:apiKey": sim.api_key},
    )
    result = stack.up(check=False)
    assert not result.ok
    lines = result.rendered_for("buggy").split("\n")
    assert lines[0] == f"error: {TRACEBACK}"
    assert any('kustomer_provider/resource_provider.py", line ' in line for line in lines)  # the frames are kept
    assert lines[-2].startswith(f"RuntimeError: {buggy_providers.BUG}") and "[REDACTED]" in lines[-2]
    assert lines[-1] == report_line()
    assert sim.api_key not in result.rendered


# -- an unusable connection: explained in full once per preview ----------------------------------------


def test_a_preview_of_three_apps_without_an_api_key_explains_it_once(tmp_path: Path, sim: SimulatorProcess) -> None:
    names = ["said_once_a", "said_once_b", "said_once_c"]
    sim.reset_stats()
    result = app_stack(tmp_path, sim, names, secret_config={"kustomer:apiKey": None}).preview(check=False)
    assert not result.ok
    lines = {name: check_failures(result, name) for name in names}
    assert all(len(found) == 1 for found in lines.values()), result.rendered
    heads = {name: f"error: {PRIVATE_APP} resource '{name}' has a problem: " for name in names}
    full = [name for name in names if lines[name][0].startswith(heads[name] + NO_KEY)]
    assert len(full) == 1, result.rendered  # whichever Check came first
    assert [lines[name][0] for name in names if name not in full] == [
        heads[name] + SEE_ABOVE for name in names if name not in full
    ]
    assert result.rendered.count(NO_KEY) == 1 and result.rendered.count("kustomer:apiKey") == 3
    assert_nothing_hidden_shown(result)
    assert sim.stats()["requests"] == {}
