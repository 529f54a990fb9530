"""Stack state exports, read and validated: which stack holds which Kustomer app, secret and client.

Two shapes are read, told apart by their top level:

- ``pulumi stack export`` (``{"version": 3, "deployment": {"resources": [...], ...}}``), as the Pulumi CLI writes
  it, with secrets encrypted (``{"<sig>": "<secret sig>", "ciphertext": ...}``) or, with ``--show-secrets``, in
  the clear (``{"<sig>": "<secret sig>", "plaintext": "<the value as JSON>"}``);
- the engine harness's state file (``{"version": 1, "resources": [...]}``), the rehearsal's ``--state``.

Only this package's resources are read (their types below); every other resource is skipped. The stack and
project of a resource come from its URN, ``urn:pulumi:<stack>::<project>::<type>::<name>``. A file that is not
one of these shapes is refused with :class:`ExportError`, naming the file and the field (a dotted path such as
``deployment.resources[3].urn``), never with a traceback, and never quoting a value from the file (it may be a
secret). A secret is never needed: one in the clear is kept as a :class:`pydantic.SecretStr`, for
``--check-secrets`` only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StrictStr, ValidationError, field_validator

from ..errors import KustomerConfigError
from ..input_validation import path_part

__all__ = [
    "APP_INSTALLS_TYPE",
    "APP_SECRET_TYPE",
    "MAX_EXPORT_BYTES",
    "PRIVATE_APP_TYPE",
    "REGISTERED_CLIENT_TYPE",
    "ExportError",
    "HeldApp",
    "HeldClient",
    "HeldSecret",
    "StackHoldings",
    "parse_export",
    "read_export",
]

#: The type tokens of this package's resources, as the Python SDK names dynamic resources.
PRIVATE_APP_TYPE: Final = "pulumi-python:dynamic/kustomer:PrivateApp"
APP_SECRET_TYPE: Final = "pulumi-python:dynamic/kustomer:AppSecret"  # noqa: S105 (a type token)
APP_INSTALLS_TYPE: Final = "pulumi-python:dynamic/kustomer:AppInstalls"
REGISTERED_CLIENT_TYPE: Final = "pulumi-python:dynamic/kustomer:RegisteredOAuthClient"
#: The largest export read (bytes): a stack of 1,000 apps exports a few MiB.
MAX_EXPORT_BYTES: Final = 64 * 1024 * 1024
#: Pulumi's marker of a secret value (``resource.SigKey`` and ``resource.SecretSig``).
SIG_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIG: Final = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105 (Pulumi's public marker, not a secret)

# urn:pulumi:<stack>::<project>::<qualified type>::<name>; the name may itself contain "::".
_URN: Final = re.compile(r"urn:pulumi:(?P<stack>[^:]+)::(?P<project>[^:]+)::(?P<type>[^:]+(?::[^:]+)*?)::(?P<name>.+)")
_Text = Annotated[StrictStr, Field(max_length=4096)]


class ExportError(KustomerConfigError):
    """A state export that cannot be read: names the file and the field, never a value from it."""


class _Secret:
    """A secret value of the export: its plaintext when the export shows secrets, else ``None``."""

    __slots__ = ("plaintext",)

    def __init__(self, plaintext: SecretStr | None) -> None:
        self.plaintext = plaintext

    def __repr__(self) -> str:
        return "_Secret(shown)" if self.plaintext is not None else "_Secret(encrypted)"


def _unseal(value: Any, loc: tuple[str | int, ...], problems: list[tuple[tuple[str | int, ...], str]]) -> Any:
    """``value`` with every secret wrapper replaced by a :class:`_Secret` (nested ones included)."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            plaintext = value.get("plaintext")
            if isinstance(plaintext, str):
                try:
                    decoded = json.loads(plaintext)
                except (ValueError, RecursionError):
                    problems.append(
                        (loc, "is a secret whose plaintext is not JSON, as `pulumi stack export` writes it")
                    )
                    return _Secret(None)
                return _Secret(SecretStr(decoded) if isinstance(decoded, str) else None)
            if isinstance(value.get("ciphertext"), str):
                return _Secret(None)
            problems.append((loc, "is a secret with neither a `ciphertext` nor a `plaintext` string"))
            return _Secret(None)
        return {k: _unseal(v, (*loc, k), problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_unseal(v, (*loc, i), problems) for i, v in enumerate(value)]
    return value


class _Resource(BaseModel):
    """One resource of an export, as far as the inventory reads it."""

    model_config = ConfigDict(extra="ignore")

    urn: _Text
    type: _Text
    id: Annotated[StrictStr, Field(max_length=4096)] | None = None
    inputs: dict[str, Any] = Field(default_factory=dict)
    outputs: dict[str, Any] = Field(default_factory=dict)

    @field_validator("urn")
    @classmethod
    def _pulumi_urn(cls, value: str) -> str:
        if _URN.fullmatch(value) is None:
            raise ValueError("must be a Pulumi URN, urn:pulumi:<stack>::<project>::<type>::<name>")
        return value


class _Deployment(BaseModel):
    model_config = ConfigDict(extra="ignore")

    resources: list[_Resource] | None = None


class _StackExport(BaseModel):
    """``pulumi stack export``: version 3."""

    model_config = ConfigDict(extra="ignore")

    version: Literal[3]
    deployment: _Deployment


class _HarnessState(BaseModel):
    """The engine harness's state file (the rehearsal's ``--state``): version 1."""

    model_config = ConfigDict(extra="ignore")

    version: Literal[1]
    resources: list[_Resource] = Field(default_factory=list)


# -- what a stack holds ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldApp:
    """A ``KustomerPrivateApp`` in a stack: the app it manages, as the stack last saw it."""

    stack: str
    project: str
    urn: str
    app_name: str | None
    app: str | None
    version: str | None
    client_id: str | None
    installed_version: str | None
    latest_version: str | None


@dataclass(frozen=True)
class HeldSecret:
    """A ``KustomerAppSecret`` in a stack: when it was minted and is due, never the secret itself (``plaintext``
    only when the export shows secrets, for ``--check-secrets``)."""

    stack: str
    project: str
    urn: str
    app_name: str | None
    client_id: str | None
    fingerprint: str | None
    created_at: str | None
    rotate_at: str | None
    rotate_after_days: int | None
    secret_status: str | None
    plaintext: SecretStr | None = field(default=None, repr=False)


@dataclass(frozen=True)
class HeldClient:
    """A ``RegisteredOAuthClient`` in a stack (another platform's client): only its rotation is inventoried."""

    stack: str
    project: str
    urn: str
    platform: str | None
    client_id: str | None
    rotate_at: str | None


@dataclass(frozen=True)
class StackHoldings:
    """What one export file holds of this package's resources, by stack."""

    source: str
    stacks: tuple[tuple[str, str], ...]  # (project, stack) pairs, in order of first appearance
    apps: tuple[HeldApp, ...] = ()
    secrets: tuple[HeldSecret, ...] = ()
    clients: tuple[HeldClient, ...] = ()


def _problem_text(source: str, problems: Sequence[tuple[tuple[str | int, ...], str]]) -> str:
    lines = [f"{_dotted(loc)}: {message}" for loc, message in problems[:10]]
    more = f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else ""
    return (
        f"{source} is not a state export this tool reads (the JSON of `pulumi stack export`, version 3, or the "
        "rehearsal's --state file):\n  " + "\n  ".join(lines) + more
    )


def _dotted(loc: tuple[str | int, ...]) -> str:
    if not loc:
        return "(top level)"
    return "".join(path_part(part, first=index == 0) for index, part in enumerate(loc))


def _text(value: Any, loc: tuple[str | int, ...], problems: list[tuple[tuple[str | int, ...], str]]) -> str | None:
    """An output or input that should be text: ``None`` when absent, a problem when it is something else."""
    if value is None:
        return None
    if isinstance(value, _Secret):
        return None  # a secret where text is expected: not needed, not shown
    if isinstance(value, str) and len(value) <= 4096:
        return value
    problems.append((loc, "must be text (at most 4096 characters)"))
    return None


def _whole(value: Any, loc: tuple[str | int, ...], problems: list[tuple[tuple[str | int, ...], str]]) -> int | None:
    if value is None or isinstance(value, _Secret):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or abs(value) > 10**6:
        problems.append((loc, "must be a whole number of days"))
        return None
    if isinstance(value, float) and not value.is_integer():
        problems.append((loc, "must be a whole number of days"))
        return None
    return int(value)


def _held(resources: Sequence[_Resource], base: tuple[str | int, ...], source: str) -> StackHoldings:
    problems: list[tuple[tuple[str | int, ...], str]] = []
    stacks: dict[tuple[str, str], None] = {}
    apps: list[HeldApp] = []
    secrets: list[HeldSecret] = []
    clients: list[HeldClient] = []
    for index, resource in enumerate(resources):
        if resource.type not in (PRIVATE_APP_TYPE, APP_SECRET_TYPE, REGISTERED_CLIENT_TYPE, APP_INSTALLS_TYPE):
            continue
        match = _URN.fullmatch(resource.urn)
        assert match is not None  # checked by the model
        stack, project = match["stack"], match["project"]
        stacks.setdefault((project, stack), None)
        at = (*base, index)
        outs = _unseal(resource.outputs, (*at, "outputs"), problems)
        ins = _unseal(resource.inputs, (*at, "inputs"), problems)

        def get(name: str, *, outs: Any = outs, ins: Any = ins, at: tuple[str | int, ...] = at) -> str | None:
            if name in outs:
                return _text(outs[name], (*at, "outputs", name), problems)
            return _text(ins.get(name), (*at, "inputs", name), problems)

        if resource.type == PRIVATE_APP_TYPE:
            apps.append(
                HeldApp(
                    stack=stack,
                    project=project,
                    urn=resource.urn,
                    app_name=get("app_name") or (resource.id or None),
                    app=get("app"),
                    version=get("version"),
                    client_id=get("client_id"),
                    installed_version=get("installed_version"),
                    latest_version=get("latest_version"),
                )
            )
        elif resource.type == APP_SECRET_TYPE:
            raw_secret = outs.get("client_secret")
            plaintext = raw_secret.plaintext if isinstance(raw_secret, _Secret) else None
            days_loc = (*at, "outputs" if "rotate_after_days" in outs else "inputs", "rotate_after_days")
            secrets.append(
                HeldSecret(
                    stack=stack,
                    project=project,
                    urn=resource.urn,
                    app_name=get("app_name"),
                    client_id=get("client_id"),
                    fingerprint=get("fingerprint"),
                    created_at=get("created_at"),
                    rotate_at=get("rotate_at"),
                    rotate_after_days=_whole(
                        outs.get("rotate_after_days", ins.get("rotate_after_days")), days_loc, problems
                    ),
                    secret_status=get("secret_status"),
                    plaintext=plaintext,
                )
            )
        elif resource.type == REGISTERED_CLIENT_TYPE:
            clients.append(
                HeldClient(
                    stack=stack,
                    project=project,
                    urn=resource.urn,
                    platform=get("platform"),
                    client_id=get("client_id"),
                    rotate_at=get("rotate_at"),
                )
            )
    if problems:
        raise ExportError(_problem_text(source, problems))
    return StackHoldings(source, tuple(stacks), tuple(apps), tuple(secrets), tuple(clients))


def parse_export(data: Any, source: str) -> StackHoldings:
    """What an export's parsed JSON holds; raises :class:`ExportError` naming ``source`` and the field."""
    if not isinstance(data, Mapping):
        raise ExportError(_problem_text(source, [((), "must be a JSON object")]))
    try:
        if "deployment" in data or data.get("version") == 3:
            export = _StackExport.model_validate(data)
            return _held(export.deployment.resources or [], ("deployment", "resources"), source)
        state = _HarnessState.model_validate(data)
    except ValidationError as invalid:
        # loc and msg only: pydantic's `input` would quote the file's values, which may be secrets.
        problems = [(tuple(error["loc"]), str(error["msg"])) for error in invalid.errors(include_input=False)]
        raise ExportError(_problem_text(source, problems)) from None
    return _held(state.resources, ("resources",), source)


def read_export(path: Path | str, *, text: str | bytes | None = None, source: str | None = None) -> StackHoldings:
    """Read an export file (or ``text`` already read, named ``source``); raises :class:`ExportError`."""
    shown = source or str(path)
    if text is None:
        try:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_EXPORT_BYTES + 1)
        except OSError as exc:
            raise ExportError(f"{shown}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    else:
        raw = text.encode() if isinstance(text, str) else text
    if len(raw) > MAX_EXPORT_BYTES:
        raise ExportError(f"{shown} is larger than {MAX_EXPORT_BYTES // (1024 * 1024)} MiB: not a stack export")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ExportError(f"{shown} is not UTF-8 text: expected the JSON of `pulumi stack export`") from None
    except json.JSONDecodeError as exc:
        raise ExportError(
            f"{shown} is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}): expected the output of "
            "`pulumi stack export`"
        ) from None
    except ValueError:  # a number too long to convert, say
        raise ExportError(
            f"{shown} is not JSON this tool can read: expected the output of `pulumi stack export`"
        ) from None
    except RecursionError:
        raise ExportError(f"{shown} nests too deeply to be a stack export") from None
    try:
        return parse_export(data, shown)
    except RecursionError:
        raise ExportError(f"{shown} nests too deeply to be a stack export") from None
