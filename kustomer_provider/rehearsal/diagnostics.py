"""What the Pulumi CLI prints about a deployment's problems: its diagnostics, and their "Diagnostics:" section.

Modelled on the engine's source (pulumi/pulumi; the files named are where each rule lives):

- A provider call that fails (Create, Update, Delete, Read: ``pkg/resource/deploy/step.go``) is reported by the
  engine as an error under the resource, whose text is the gRPC status message as the provider returned it
  (``rpcerror.Error.Error()``, ``sdk/go/common/util/rpcutil/rpcerror/rpcerror.go``; ``updateActions.
  OnResourceStepPost`` with ``diag.GetResourceOperationFailedError``, format ``"%v"``, ``pkg/engine/update.go``).
  A failed Check or Diff call is reported the same way (``deploymentExecutor.reportError``, a raw message,
  ``pkg/resource/deploy/deployment_executor.go``). The Python SDK's dynamic-provider host answers every
  exception with ``traceback.format_exc()`` as that message (``_abort_with_traceback`` in
  ``pulumi/dynamic/__main__.py``), so that is what users read, verbatim.
- Check failures are one error each (``issueCheckFailures``, ``pkg/resource/deploy/step_generator.go``; formats in
  ``sdk/go/common/diag/errors.go``): ``<type> resource '<name>': property <prop> value <value> has a problem:
  <reason>``, where ``<value>`` is the program's input under that exact key, printed with Go's ``%v`` of a
  ``resource.PropertyValue`` (``{<nil>}`` for a nested path such as ``redirect_uris[1]``, which is no key), or
  ``<type> resource '<name>' has a problem: <reason>`` for a failure of the resource as a whole (property ``""``).
- A dynamic provider's ``pulumi.log`` lines have no engine to go to: the SDK prints them on the provider's stderr
  (``warning: <message>``), and the engine relays each stderr line of a dynamic provider plugin as an ``infoerr``
  diagnostic without a resource (``runtrace`` in ``sdk/go/common/resource/plugin/plugin.go``), so they appear
  under the stack, merged into one block per stream (``mergeStreamPayloadsToSinglePayload``).
- A program that raises is reported by the Python language host as ``Program failed with an unhandled
  exception:`` and the traceback from the program's first frame on (``pulumi-language-python-exec``,
  ``_get_user_stacktrace``), then exits with the code that tells the engine it was reported (32, a bail);
  a ``pulumi.RunError`` is printed as its message alone, and its exit code 1 makes the engine add
  ``an unhandled error occurred: program exited with non-zero exit code: 1`` (``pulumi-language-python``'s
  ``main.go``, ``pkg/resource/deploy/program_source.go``). A deployment whose step failed (a create, update or
  delete) ends with ``update failed`` (``preview failed`` for a preview) under the stack (``reportExecResult``);
  one stopped by the step generator (a failed Check or Diff, check failures) or by the program does not, since
  ``deploymentExecutor.Execute`` returns on that bail first. A deployment over a state with pending operations
  starts with a warning listing them (``printPendingOperationsWarning``).
- The section (``ProgressDisplay.printDiagnostics``, ``pkg/backend/display/progress.go``): ``Diagnostics:``, then
  per resource a header ``  <type> (<name>):`` and its messages, each prefixed with its severity (``error: ``,
  ``warning: ``; none for ``info`` and ``infoerr``, ``StringifyDiag`` in ``pkg/engine/eventsink.go``), trailing
  blank lines dropped, every line right-trimmed and indented by four spaces, a blank line after each stream.
  The type is shown as ``tokens.Type.DisplayName`` does (in full for a dynamic resource's type).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from .values import UNKNOWN, is_secret, is_unknown

__all__ = [
    "ERROR",
    "INFO",
    "INFOERR",
    "PROGRAM_EXITED",
    "WARNING",
    "Diagnostic",
    "check_failure_message",
    "display_type",
    "go_value",
    "pending_operations_warning",
    "program_failure_message",
    "render_section",
]

ERROR: Final = "error"
WARNING: Final = "warning"
INFO: Final = "info"
INFOERR: Final = "info#err"
#: The stream of the provider's stderr lines (the engine gives each plugin stream its own id; 0 is its own).
PROVIDER_STDERR_STREAM: Final = 1
#: The engine's error after a program's ``pulumi.RunError``: the language host exits 1 once it printed the message.
PROGRAM_EXITED: Final = "an unhandled error occurred: program exited with non-zero exit code: 1"


@dataclass(frozen=True)
class Diagnostic:
    """One diagnostic of the engine: ``urn`` is ``""`` for one without a resource (shown under the stack)."""

    urn: str
    severity: str
    message: str
    stream: int = 0

    @property
    def prefix(self) -> str:
        """What the CLI prints before the message: ``error: ``, ``warning: ``, nothing for info."""
        return "" if self.severity in (INFO, INFOERR) else f"{self.severity}: "

    @property
    def rendered(self) -> str:
        """The message as the CLI prints it (without the section's indentation)."""
        return (self.prefix + self.message).rstrip()


def display_type(type_: str) -> str:
    """``tokens.Type.DisplayName``: ``pkg:mod/file:Name`` shortened to ``pkg:mod:Name`` when ``file`` is
    ``Name`` camel-cased, else the type as it is (``pulumi-python:dynamic/kustomer:PrivateApp`` stays whole)."""
    parts = type_.split(":")
    if len(parts) != 3 or not parts[2] or "/" not in parts[1]:
        return type_
    package, module, name = parts
    head, _, file = module.rpartition("/")
    return f"{package}:{head}:{name}" if file == name[:1].lower() + name[1:] else type_


# -- Go's %v of a resource.PropertyValue ---------------------------------------------------------------


def _go_float(number: float) -> str:
    """Go's ``%v`` of a float64: ``strconv.FormatFloat(f, 'g', -1, 64)``, the shortest digits, in %e form from an
    exponent below -4 or of 6 and more (``formatDigits`` in ``strconv/ftoa.go``): ``90``, ``1.5``, ``1e+06``."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    if number == 0:
        return "-0" if math.copysign(1, number) < 0 else "0"
    sign, digits, exponent = Decimal(repr(number)).as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits)).rstrip("0") or "0"
    point = len(digits) + exponent  # where the decimal point goes, counted from the first digit
    exp = point - 1
    negative = "-" if sign else ""
    if exp < -4 or exp >= 6:  # "if precision was the shortest possible, use precision 6 for this decision"
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{negative}{mantissa}e{'+' if exp >= 0 else '-'}{abs(exp):02d}"
    if point <= 0:
        return f"{negative}0.{'0' * -point}{text}"
    if point >= len(text):
        return f"{negative}{text}{'0' * (point - len(text))}"
    return f"{negative}{text[:point]}.{text[point:]}"


def _inner(value: Any) -> str:
    """``%v`` of a PropertyValue's ``V`` (what goes between its braces)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _go_float(float(value))
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_value(value[k])}" for k in sorted(value)) + "]"
    return str(value)


def go_value(value: Any) -> str:
    """``PropertyValue.String()`` of an input as the engine holds it (``sdk/go/common/resource/properties.go``).

    ``{abc}``, ``{90}``, ``{[{a} {b}]}``, ``{map[k:{v}]}``, ``{<nil>}``; an unknown is ``output<string>{}``; a
    secret is ``{&{{value}}}`` (a ``*resource.Secret`` has no String method, so Go prints its plaintext).
    """
    if is_unknown(value) or value == UNKNOWN:
        return "output<string>{}"
    if is_secret(value):
        return "{&{" + go_value(value.get("value")) + "}}"
    return "{" + _inner(value) + "}"


# -- the engine's messages ------------------------------------------------------------------------------


def check_failure_message(type_: str, name: str, prop: str, reason: str, inputs: Mapping[str, Any]) -> str:
    """One check failure as the engine reports it (``diag.GetResourcePropertyInvalidValueError`` and
    ``diag.GetResourceInvalidError``); ``inputs`` are the program's inputs (secrets still wrapped)."""
    if prop:
        return f"{type_} resource '{name}': property {prop} value {go_value(inputs.get(prop))} has a problem: {reason}"
    return f"{type_} resource '{name}' has a problem: {reason}"


def pending_operations_warning(operations: Sequence[tuple[str, str]]) -> str:
    """The engine's warning before a deployment over pending operations (``(urn, type)`` each)."""
    listed = "".join(f"  * {urn}, interrupted while {op}\n" for urn, op in operations)
    return (
        f"Attempting to deploy or update resources with {len(operations)} pending operations from previous "
        f"deployment.\n{listed}"
        "These resources are in an unknown state because the Pulumi CLI was interrupted while waiting for changes "
        "to these resources to complete. You should confirm whether or not the operations listed completed "
        "successfully by checking the state of the appropriate provider. For example, if you are using AWS, you "
        "can confirm using the AWS Console.\n"
        "\n"
        "Once you have confirmed the status of the interrupted operations, you can repair your stack using "
        "`pulumi refresh` which will refresh the state from the provider you are using and clear the pending "
        "operations if there are any.\n"
        "\n"
        "Note that `pulumi refresh` will need to be run interactively to clear pending CREATE operations."
    )


def program_failure_message(user_traceback: str) -> str:
    """The Python language host's error for a program that raised."""
    return "Program failed with an unhandled exception:\n" + user_traceback


# -- the section ----------------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    """``splitIntoDisplayableLines``: split, drop trailing blank lines; each line right-trimmed when printed."""
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return [line.rstrip() for line in lines]


def resource_lines(diagnostics: Iterable[Diagnostic]) -> list[list[str]]:
    """One resource's diagnostics as printed: a list of lines per stream (stream 0 first, then the others)."""
    streams: dict[int, list[Diagnostic]] = {}
    for item in diagnostics:
        streams.setdefault(item.stream, []).append(item)
    blocks = []
    for stream in sorted(streams):
        items = streams[stream]
        if stream != 0:  # a plugin's stream: its messages merged into one, without prefixes
            merged = "".join(item.message.rstrip() + "\n" for item in items)
            texts = [(items[0].prefix + merged).rstrip()]
        else:
            texts = [item.rendered for item in items]
        lines = [line for text in texts for line in _lines(text)]
        if lines:
            blocks.append(lines)
    return blocks


def render_section(
    diagnostics: Sequence[Diagnostic], *, stack_urn: str, rows: Sequence[str], types: Mapping[str, str]
) -> str:
    """The ``Diagnostics:`` section as the CLI prints it (no colours); ``""`` when there is nothing to show.

    ``rows`` orders the resources (the stack first, then as the display first saw each); ``types`` gives each
    URN's type for its header.
    """
    by_urn: dict[str, list[Diagnostic]] = {}
    for item in diagnostics:
        by_urn.setdefault(item.urn or stack_urn, []).append(item)
    order = [stack_urn, *(u for u in rows if u != stack_urn)]
    order += [u for u in by_urn if u not in order]
    out: list[str] = []
    for urn in order:
        blocks = resource_lines(by_urn.get(urn, []))
        if not blocks:
            continue
        if not out:
            out.append("Diagnostics:")
        name = urn.rsplit("::", 1)[-1]
        out.append(f"  {display_type(types.get(urn) or urn.split('::')[2].split('$')[-1])} ({name}):")
        for lines in blocks:
            out.extend("    " + line if line else "" for line in lines)
            out.append("")
    return "\n".join(out)
