"""What the CLI prints about a failure, read from a result's rendering (``Result.rendered_for``), never from the
harness's exception: the tests that assert on an error assert on this, so what users read is what is tested.

- :func:`error_block`: a resource's (or the stack's) lines under its header, which must open with ``error: ``.
- :func:`failure_message`: the message of that error, which must be printed alone (an anticipated failure: no
  traceback, no frame): what follows ``error: ``.
- :func:`assert_message_alone`: a block as the CLI prints an anticipated failure: ``error: `` and the message on
  its first line, no traceback, no frame, a few lines at most.
- :func:`assert_program_refusal`: the program refused its stack config, as the language host prints a
  ``pulumi.RunError``.
- :func:`first_failure`: the message of the first error of an operation, wherever it was printed (the exception's
  text after its frames where a host printed a traceback: ``Traceback (most recent call last):``, frames, then
  ``module.Error: message``).
- :func:`check_failures`: the check-failure lines the engine printed under a resource.
"""

from __future__ import annotations

from typing import Final

from kustomer_provider.rehearsal.diagnostics import ERROR, PROGRAM_EXITED, Diagnostic
from kustomer_provider.rehearsal.engine import Result

#: The types of this package's resources, as the CLI shows them in a header and a check failure.
PRIVATE_APP: Final = "pulumi-python:dynamic/kustomer:PrivateApp"
APP_SECRET: Final = "pulumi-python:dynamic/kustomer:AppSecret"
APP_INSTALLS: Final = "pulumi-python:dynamic/kustomer:AppInstalls"
REGISTERED_CLIENT: Final = "pulumi-python:dynamic/kustomer:RegisteredOAuthClient"

PROGRAM_FAILED: Final = "Program failed with an unhandled exception:"
TRACEBACK: Final = "Traceback (most recent call last):"


def error_block(result: Result, name: str = "") -> str:
    """The lines the CLI prints under ``name`` (a resource; ``""``: the stack), which open with ``error: ``."""
    block = result.rendered_for(name)
    assert block.startswith("error: "), f"no error under {name or 'the stack'}:\n{result.rendered}"
    return block


#: A frame line of a Python traceback, as the hosts print it.
FRAME: Final = 'File "'
#: The most lines an anticipated failure takes (a message, the config keys it lists, the fix).
FEW_LINES: Final = 3


def failure_message(result: Result, name: str = "") -> str:
    """The message of the first error the CLI prints under ``name``: all that follows ``error: ``. It must be the
    message alone (an anticipated failure): a traceback or a frame fails the test."""
    block = error_block(result, name)
    first = next(d for d in result.diagnostics_for(name) if d.severity == ERROR)
    assert first.rendered in block  # as printed
    assert TRACEBACK not in first.rendered and FRAME not in first.rendered, f"a traceback, not the message:\n{block}"
    return first.rendered.removeprefix("error: ")


def assert_message_alone(block: str, first_line: str) -> None:
    """``block`` (a resource's lines, :meth:`Result.rendered_for`) is an anticipated failure as the CLI prints it:
    ``error: `` and the message, whose first line starts with ``first_line``; no traceback, no frame, a few lines."""
    lines = block.split("\n")
    assert lines[0].startswith(f"error: {first_line}"), block
    assert TRACEBACK not in block and FRAME not in block, block
    assert len(lines) <= FEW_LINES, block


def assert_program_refusal(result: Result) -> None:
    """The program refused its stack config as the language host prints a ``pulumi.RunError``: under the stack, the
    message alone and the engine's line for the host's exit code 1; no traceback anywhere; nothing declared."""
    assert not result.ok and result.steps == []
    assert TRACEBACK not in result.rendered and FRAME not in result.rendered, result.rendered
    assert PROGRAM_FAILED not in result.rendered, result.rendered
    errors = [line for line in error_block(result).split("\n") if line.startswith("error: ")]
    assert errors[1:] == [f"error: {PROGRAM_EXITED}"], result.rendered


def first_failure(result: Result) -> str:
    """The message of the first error the operation printed (any resource, or the stack), as :func:`message_of`."""
    return message_of(result.errors[0]) if result.errors else ""


def message_of(diagnostic: Diagnostic) -> str:
    """An error's message: the exception's text after a traceback, else all that follows ``error: ``."""
    text = diagnostic.rendered.removeprefix("error: ").removeprefix(PROGRAM_FAILED + "\n")
    if not text.startswith(TRACEBACK):
        return text
    lines = text.split("\n")
    # The last traceback (a chained exception prints several): its frames are indented, then comes the exception,
    # ``module.Error: message``, at the margin.
    index = max(i for i, line in enumerate(lines) if line == TRACEBACK) + 1
    while index < len(lines) and lines[index].startswith(" "):
        index += 1
    assert index < len(lines) and ": " in lines[index], f"a traceback without an exception line:\n{text}"
    return "\n".join([lines[index].split(": ", 1)[1], *lines[index + 1 :]])


def check_failures(result: Result, name: str) -> list[str]:
    """The engine's check-failure lines under resource ``name`` (each ``error: <type> resource '<name>' ...``)."""
    return [
        line for line in result.rendered_for(name).split("\n") if line.startswith("error: ") and " resource '" in line
    ]
