"""``python -m kustomer_provider.rehearsal`` on a project of a user's own (a copy of ``examples/own-project``):
``up``, a second ``up`` that changes nothing, ``destroy``, with ``--state``; secrets masked unless asked for;
outputs for the OAuth helper; the errors of the rehearsal itself in one paragraph with exit status 2; a
rehearsal interrupted mid-create leaves the checkpoint the engine would; a SIGTERM stops a kept simulator."""

from __future__ import annotations

import json
import re
import signal
import stat
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from kustomer_provider.simulator import SimulatorProcess
from tests.support.rehearsal_cli import REHEARSAL, own_project, processes_in, rehearsal_env, rehearse, stop_leftovers

FAST = "--simulator-arg=--install-ms=150"
CREATED = "5 create (crm-sync, crm-sync-secret, helpdesk-bot, helpdesk-bot-secret, installs)"
SECRET_OUTPUTS = ("crmSyncClientSecret", "helpdeskBotClientSecret")


def stack_outputs(stdout: str) -> dict:
    _, _, rest = stdout.partition("Stack outputs")
    outputs, _ = json.JSONDecoder().raw_decode(rest[rest.index("{") :])
    assert isinstance(outputs, dict)
    return outputs


def test_up_then_up_again_then_destroy_with_a_kept_state(tmp_path: Path) -> None:
    project = own_project(tmp_path / "project")
    state = tmp_path / "kept" / "stack.json"
    state.parent.mkdir()
    outputs_file = tmp_path / "outputs.json"

    up = rehearse(["up", "--state", str(state), FAST, "--outputs-file", str(outputs_file)], project)
    assert up.returncode == 0, up.stdout + up.stderr
    assert "Up done in " in up.stdout and CREATED in up.stdout
    shown = stack_outputs(up.stdout)
    assert all(shown[name] == "[secret]" for name in SECRET_OUTPUTS)
    assert re.fullmatch(r"[0-9a-f]{24}", shown["crmSyncClientId"])
    # The outputs file holds the secrets (for the OAuth helper), readable by its owner only; the screen does not.
    written = json.loads(outputs_file.read_text())
    assert stat.S_IMODE(outputs_file.stat().st_mode) == 0o600
    assert {k: v for k, v in written.items() if k not in SECRET_OUTPUTS} == {
        k: v for k, v in shown.items() if k not in SECRET_OUTPUTS
    }
    for name in SECRET_OUTPUTS:
        assert len(written[name]) >= 40 and written[name] not in up.stdout + up.stderr
        assert written[name] not in state.read_text()  # encrypted in the state
    export = json.loads(state.read_text())
    assert export["version"] == 3
    assert sorted(r["urn"].rsplit("::", 1)[1] for r in export["deployment"]["resources"][2:]) == CREATED[
        CREATED.index("(") + 1 : -1
    ].split(", ")

    again = rehearse(["up", "--state", str(state), "--show-secrets"], project)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "5 unchanged" in again.stdout and "create" not in again.stdout.split("Up done")[1].split("\n")[0]
    assert stack_outputs(again.stdout) == written  # the same app, the same secret, shown as asked

    gone = rehearse(["destroy", "--state", str(state)], project)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert "5 delete" in gone.stdout
    assert [r["type"] for r in json.loads(state.read_text())["deployment"]["resources"]] == ["pulumi:pulumi:Stack"]
    assert processes_in(project) == {}


def test_without_a_state_nothing_is_kept(tmp_path: Path) -> None:
    project = own_project(tmp_path / "project")
    first = rehearse([FAST], project)  # `up` is the default
    second = rehearse([FAST], project)
    for run in (first, second):
        assert run.returncode == 0 and CREATED in run.stdout and "Nothing was kept" in run.stdout
    assert sorted(p.name for p in project.iterdir()) == sorted(p.name for p in (project.parent / "project").iterdir())
    assert not list(project.glob("*.json")) and not list(project.glob("*.key"))


@pytest.mark.parametrize(
    ("case", "phrase"),
    [
        ("no Pulumi.yaml", "No Pulumi.yaml in"),
        ("no stack file", "No stack file"),
        ("a Node.js project", "runs Python programs only"),
        ("a secure value not given", "holds own-project:token encrypted (`secure:`)"),
        ("a bad --config", "expected KEY=VALUE"),
    ],
)
def test_the_rehearsals_own_errors_are_one_paragraph_and_exit_2(tmp_path: Path, case: str, phrase: str) -> None:
    project = own_project(tmp_path / "project")
    args = ["up"]
    if case == "no Pulumi.yaml":
        (project / "Pulumi.yaml").unlink()
    elif case == "no stack file":
        args += ["--stack", "prod"]
    elif case == "a Node.js project":
        (project / "Pulumi.yaml").write_text("name: own-project\nruntime: nodejs\n")
    elif case == "a secure value not given":
        (project / "Pulumi.dev.yaml").write_text("config:\n  own-project:token:\n    secure: v1:AAAA\n")
    else:
        args += ["--config", "no-equals-sign"]
    completed = rehearse(args, project)
    assert completed.returncode == 2
    assert phrase in completed.stderr and "Traceback" not in completed.stderr + completed.stdout
    if case != "a bad --config":
        (paragraph,) = [line for line in completed.stderr.split("\n") if line]
        assert paragraph.startswith("rehearsal: ")


def test_a_program_that_fails_is_told_in_one_paragraph_exit_1(tmp_path: Path) -> None:
    project = own_project(tmp_path / "project")
    main = project / "__main__.py"
    main.write_text(
        main.read_text().replace(
            "crm = KustomerPrivateApp(", "raise ValueError('no crm today')\ncrm = KustomerPrivateApp(", 1
        )
    )
    completed = rehearse(["up", FAST], project)
    assert completed.returncode == 1
    assert "    error: the program failed: ValueError: no crm today\n" in completed.stdout
    line = main.read_text().split("\n").index("raise ValueError('no crm today')") + 1
    assert f'    (File "{main}", line {line}, in <module>; the Pulumi CLI prints' in completed.stdout
    assert "Traceback" not in completed.stdout + completed.stderr
    assert "The up failed" in completed.stderr


def test_a_secret_from_the_environment_reaches_the_program_as_secret_config(tmp_path: Path) -> None:
    project = own_project(tmp_path / "project", "config:\n  own-project:greeting:\n    secure: v1:AAAA\n")
    main = project / "__main__.py"
    main.write_text(main.read_text() + '\npulumi.export("greeting", pulumi.Config().require_secret("greeting"))\n')
    planted = "planted-greeting-7c41"
    env = rehearsal_env(MY_GREETING=planted)
    completed = rehearse(["up", FAST, "--secret-config-env", "greeting=MY_GREETING"], project, env)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert stack_outputs(completed.stdout)["greeting"] == "[secret]"
    assert planted not in completed.stdout + completed.stderr


def test_an_up_interrupted_mid_create_leaves_the_engines_checkpoint_and_the_next_up_warns(
    tmp_path: Path, simulator: SimulatorProcess
) -> None:
    project = own_project(tmp_path / "project")
    state = tmp_path / "stack.json"
    env = rehearsal_env(KUSTOMER_SIM_API_KEY=simulator.api_key)
    simulator.set_faults(install_ms=15_000)  # the installs' create waits: interrupt it there
    args = ["up", "--state", str(state), "--base-url", simulator.url]
    running = subprocess.Popen(
        [*REHEARSAL, *args], cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 120
        pending: list = []
        while not pending and time.monotonic() < deadline and running.poll() is None:
            time.sleep(0.2)
            if state.exists():
                operations = json.loads(state.read_text())["deployment"].get("pending_operations", [])
                pending = [op for op in operations if op["resource"]["urn"].endswith("::installs")]
        assert pending, "the installs' create never became pending"
        running.send_signal(signal.SIGTERM)  # as a CI runner stops a job
        code = running.wait(timeout=60)
        assert processes_in(project) == {}  # the program host and the provider were stopped with it
        assert code == 128 + signal.SIGTERM
    finally:
        if running.poll() is None:
            running.kill()
        stop_leftovers(project)

    # The checkpoint: every step that finished (the two apps), and the create in flight, pending.
    deployment = json.loads(state.read_text())["deployment"]
    names = sorted(r["urn"].rsplit("::", 1)[1] for r in deployment["resources"][2:])
    assert names == ["crm-sync", "helpdesk-bot"]
    ((operation, urn),) = [(op["type"], op["resource"]["urn"]) for op in deployment["pending_operations"]]
    assert operation == "creating" and urn.endswith("::installs")

    # The next up says so, as the engine does, and carries on.
    simulator.set_faults(install_ms=150)
    resumed = rehearse(args, project, env)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert (
        "    warning: Attempting to deploy or update resources with 1 pending operations from previous deployment.\n"
        f"      * {urn}, interrupted while creating\n"
    ) in resumed.stdout
    assert "3 create, 2 unchanged (crm-sync-secret, helpdesk-bot-secret, installs)" in resumed.stdout
    # A pending create stays until a person settles it: `refresh --clear-pending-creates`.
    assert len(json.loads(state.read_text())["deployment"]["pending_operations"]) == 1
    cleared = rehearse(["refresh", "--clear-pending-creates", *args[1:]], project, env)
    assert cleared.returncode == 0, cleared.stdout + cleared.stderr
    assert "pending_operations" not in json.loads(state.read_text())["deployment"]


def test_a_sigterm_to_a_kept_rehearsal_stops_its_simulator(tmp_path: Path) -> None:
    project = own_project(tmp_path / "project")
    running = subprocess.Popen(
        [*REHEARSAL, "up", FAST, "--keep-simulator"],
        cwd=project,
        env=rehearsal_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert running.stdout is not None
        url = ""
        for line in running.stdout:
            if match := re.search(r"The simulator keeps running at (http://\S+);", line):
                url = match.group(1)
                break
        assert url, running.stderr.read() if running.stderr else ""
        assert httpx.get(f"{url}/_sim/stats", timeout=5).status_code == 200
        running.send_signal(signal.SIGTERM)
        code = running.wait(timeout=30)
        with pytest.raises(httpx.TransportError):  # its simulator stopped with it
            httpx.get(f"{url}/_sim/stats", timeout=5)
        assert processes_in(project) == {}
        assert code == 128 + signal.SIGTERM
    finally:
        if running.poll() is None:
            running.kill()
        stop_leftovers(project)
