"""What the CLI prints about a failure, read from a result's rendering (``Result.rendered_for``), never from the
harness's exception: the tests that assert on an error assert on this, so what users read is what is tested.

- :func:`error_block`: a resource's (or the stack's) lines under its header, which must open with ``error: ``.
- :func:`failure_message`: the message of that error. Where the provider host or the language host printed a
  traceback (``Traceback (most recent call last):``, frames, then ``module.Error: message``), the message is the
  exception's text after its frames; otherwise it is what follows ``error: ``.
- :func:`first_failure`: the message of the first error of an operation, wherever it was printed.
- :func:`check_failures`: the check-failure lines the engine printed under a resource.
"""

from __future__ import annotations

from typing import Final

from kustomer_provider.rehearsal.diagnostics import ERROR, Diagnostic
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


def failure_message(result: Result, name: str = "") -> str:
    """The message of the first error the CLI prints under ``name``: the exception's text where a traceback was
    printed (until the provider's errors arrive as the message alone), else all that follows ``error: ``."""
    block = error_block(result, name)
    first = next(d for d in result.diagnostics_for(name) if d.severity == ERROR)
    assert first.rendered in block  # as printed
    return message_of(first)


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
