"""What a user reads when something fails, as the Pulumi CLI prints it: each failed provider call as ``error: ``
and the details the SDK's provider host returned (its traceback, verbatim but for the display's right-trimming),
check failures in the engine's words, ``pulumi.log`` lines under the stack, a program's own error as the
language host reports it, and ``update failed`` / ``preview failed`` closing an operation whose step failed (not
one the step generator or the program stopped: the engine returns before it).

A provider of the test's own (``tests/programs/failing_provider.py``) fails where its config says, so the
texts do not depend on this package's messages.
"""

from __future__ import annotations

from pathlib import Path

import pulumi.dynamic
import pytest

from kustomer_provider.rehearsal.engine import Engine, Result
from kustomer_provider.simulator import SimulatorProcess
from tests.support.dev_stack import dev_stack_config
from tests.support.paths import REPO_ROOT
from tests.support.rendering import REGISTERED_CLIENT, check_failures

PROGRAM = REPO_ROOT / "tests" / "programs" / "failing_provider.py"
FLAKY = "pulumi-python:dynamic:Resource"
HOST = str(Path(pulumi.dynamic.__file__).with_name("__main__.py"))
STACK_HEADER = "  pulumi:pulumi:Stack (kustomer-dev):"


def engine(tmp_path: Path, **config: object) -> Engine:
    return Engine(tmp_path / "stack", program=PROGRAM, config={f"test:{k}": v for k, v in config.items()})


def assert_host_traceback(block: str, operation: str) -> None:
    """``block`` is ``error: `` and the host's traceback of ``operation`` failing in the test's provider."""
    lines = block.split("\n")
    assert lines[0] == "error: Traceback (most recent call last):", block
    assert lines[1].startswith(f'  File "{HOST}", line ') and lines[1].endswith(", in wrapper"), block
    assert any(line.startswith(f'  File "{PROGRAM}", line ') and line.endswith(", in _fail") for line in lines)
    # The exception's text, its second line's trailing spaces trimmed by the display.
    assert lines[-2:] == [f"RuntimeError: {operation} failed: boom", "and a second line"], block


def stack_lines(result: Result) -> list[str]:
    return result.rendered_for("").split("\n")


def test_a_failed_create_shows_the_hosts_traceback_under_the_resource_and_the_log_under_the_stack(
    tmp_path: Path,
) -> None:
    result = engine(tmp_path, failOn="create").up(check=False)
    assert not result.ok
    assert_host_traceback(result.rendered_for("thing"), "create")
    # The stack: the engine's closing error, then (the provider's stderr, its own stream) the pulumi.log line.
    assert stack_lines(result) == ["error: update failed", "", "warning: creating thing"]
    section = result.rendered.split("\n")
    assert section[:6] == [
        "Diagnostics:",
        STACK_HEADER,
        "    error: update failed",
        "",
        "    warning: creating thing",
        "",
    ]
    assert section[6] == f"  {FLAKY} (thing):"
    assert section[7] == "    error: Traceback (most recent call last):"


def test_check_failures_read_as_the_engine_words_them(tmp_path: Path) -> None:
    result = engine(tmp_path, failOn="check-failures", size=3).preview(check=False)
    assert check_failures(result, "thing") == [
        f"error: {FLAKY} resource 'thing': property size value {{3}} has a problem: must be small",
        f"error: {FLAKY} resource 'thing' has a problem: is wrong as a whole",
    ]
    assert result.rendered_for("") == ""  # the step generator stopped it: no "preview failed"
    assert result.rendered.split("\n")[:2] == ["Diagnostics:", f"  {FLAKY} (thing):"]


@pytest.mark.parametrize("operation", ["check", "diff", "update", "read", "delete"])
def test_every_failed_provider_call_shows_the_hosts_traceback(tmp_path: Path, operation: str) -> None:
    stack = engine(tmp_path, size=1, failOn=operation if operation in ("read", "delete") else None)
    if operation != "check":
        assert stack.up().ok
    stack.config.update({"test:failOn": operation, "test:size": 2})
    run = {"read": stack.refresh, "delete": stack.destroy}.get(operation, stack.up)
    result = run(check=False)
    assert not result.ok
    assert_host_traceback(result.rendered_for("thing"), operation)
    # A failed step closes with the engine's error; a failed Check or Diff (the step generator's) does not.
    closing = ["error: update failed"] if operation in ("update", "read", "delete") else []
    assert [line for line in stack_lines(result) if line.startswith("error: ")] == closing


def test_a_program_error_is_reported_from_the_programs_own_frames(tmp_path: Path) -> None:
    result = engine(tmp_path, programFails="error").up(check=False)
    lines = stack_lines(result)
    assert lines[:3] == [
        "error: Program failed with an unhandled exception:",
        "Traceback (most recent call last):",
        lines[2],
    ]
    assert lines[2].startswith(f'  File "{PROGRAM}", line ') and lines[2].endswith(", in <module>")
    assert lines[-1] == "ValueError: the program's own mistake"  # the language host's exit code 32: nothing more
    # A pulumi.RunError is the program's own explanation: the language host prints its message alone, exits 1,
    # and the engine says so.
    explained = engine(tmp_path / "run-error", programFails="run-error").up(check=False)
    assert stack_lines(explained) == [
        "error: a problem the program explains itself",
        "error: an unhandled error occurred: program exited with non-zero exit code: 1",
    ]


def test_a_check_failure_on_a_secret_input_does_not_print_the_secret(tmp_path: Path) -> None:
    planted = "planted-short-secret-5f1e"
    with SimulatorProcess(["--install-ms", "150"]) as simulator:
        item = next(i for i in dev_stack_config()["kustomer:registeredClients"] if i["platform"] == "komerza")
        args = {"platform": "komerza", "client_id": item["clientId"], "redirect_uris": item["redirectUris"]}
        args |= {"scopes": item["scopes"], "endpoint_base_url": simulator.url}
        spec = {"name": "komerza", "secretKey": "kustomer:komerzaClientSecret", "args": args}
        stack = Engine(
            tmp_path / "clients",
            program=REPO_ROOT / "tests" / "programs" / "registered_clients.py",
            config={"kustomer:testClients": [spec], "kustomer:baseUrl": simulator.url},
            secret_config={"kustomer:apiKey": simulator.api_key, "kustomer:komerzaClientSecret": planted},
        )
        result = stack.up(check=False)
    (line,) = check_failures(result, "komerza")
    # The failure of the resource as a whole (no value printed), the input's name leading the reason.
    assert line.startswith(f"error: {REGISTERED_CLIENT} resource 'komerza' has a problem: client_secret must be 72 ")
    assert planted not in result.rendered
