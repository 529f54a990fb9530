"""The CLI's part before any program runs: the project and its stack read, and the stack config completed and
checked against ``Pulumi.yaml``.

A project is a folder with a ``Pulumi.yaml`` (:func:`read_project`): its ``name``, its ``runtime`` (Python here),
its program (``main:``, a file or a folder holding ``__main__.py``; the project's folder by default), where its
stack files are (``stackConfigDir:``) and its ``config:`` block. A stack is its file ``Pulumi.<stack>.yaml``
(:func:`read_stack`): its ``config:`` map, whose ``secure:`` values only the Pulumi CLI can decrypt.

As ``pulumi`` does (``mergeConfig`` in the CLI's ``sdk/go/common/workspace/config.go``), for each key of the
project file's ``config:`` block:

- a key the stack does not set takes the declared ``default`` (or, for a key of another namespace,
  ``value``), as text (``%v``: ``true``, ``300``) for a string, number or boolean;
- a key of the project's namespace with neither, and not set by the stack, is missing: the CLI stops with
  ``Stack 'dev' is missing configuration value 'installTimeoutSeconds'``;
- a typed key's stack value must read as its type (the CLI reads stack values as text, so ``60`` and
  ``"60"`` are both a ``string`` and both an ``integer``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "Project",
    "ProjectConfigError",
    "RehearsalError",
    "StackFile",
    "apply_project_config",
    "load_project",
    "read_project",
    "read_stack",
]


class ProjectConfigError(ValueError):
    """The stack's config does not satisfy the project file, worded as the CLI words it."""


class RehearsalError(Exception):
    """A rehearsal cannot run as asked: the message is one paragraph saying what is wrong and what to do."""


@dataclass(frozen=True)
class Project:
    """A Pulumi project: its folder, name, program and where its stack files are."""

    directory: Path
    name: str
    program: Path
    stack_config_dir: Path
    file: Path

    def stack_file(self, stack: str) -> Path:
        return self.stack_config_dir / f"Pulumi.{stack}.yaml"


@dataclass(frozen=True)
class StackFile:
    """A stack's file: its config (namespaced keys) and the keys whose values are encrypted (``secure:``)."""

    path: Path
    config: dict[str, Any]
    secure: list[str] = field(default_factory=list)


def _read_yaml(path: Path, what: str) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        message = f"Cannot read {what} {path}: {reason}. Fix the file and run the rehearsal again."
        raise RehearsalError(message) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise RehearsalError(f"{what.capitalize()} {path} is not a YAML mapping (`name: ...`, `runtime: ...`).")
    return loaded


def read_project(directory: Path) -> Project:
    """The project in ``directory`` (its ``Pulumi.yaml``); :class:`RehearsalError` when it cannot run here."""
    directory = directory.resolve()
    path = directory / "Pulumi.yaml"
    if not path.is_file():
        if (directory / "Pulumi.yml").is_file():
            path = directory / "Pulumi.yml"
        else:
            raise RehearsalError(
                f"No Pulumi.yaml in {directory}: the rehearsal runs a Pulumi project. Run it in the project's "
                "folder, or name that folder with --cwd DIR."
            )
    document = _read_yaml(path, "the project file")
    name = document.get("name")
    if not isinstance(name, str) or not name:
        raise RehearsalError(f"The project file {path} has no `name:`; Pulumi needs one (such as `name: my-project`).")
    runtime = document.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, Mapping) else runtime
    if runtime_name != "python":
        raise RehearsalError(
            f"The project's runtime is {runtime_name!r} ({path}): the rehearsal runs Python programs only "
            "(`runtime: python`)."
        )
    main = document.get("main")
    program = directory / str(main) if main else directory
    if program.is_dir():
        program = program / "__main__.py"
    if not program.is_file():
        where = f" (`main: {main}` in Pulumi.yaml)" if main else ""
        message = f"The project's program {program} does not exist{where}: write it, or point `main:` at it."
        raise RehearsalError(message)
    config_dir = document.get("stackConfigDir")
    return Project(
        directory=directory,
        name=name,
        program=program,
        stack_config_dir=directory / str(config_dir) if config_dir else directory,
        file=path,
    )


def _secure_paths(value: Any, path: str) -> list[str]:
    if isinstance(value, Mapping):
        if set(value) == {"secure"}:
            return [path]
        return [p for k, v in value.items() for p in _secure_paths(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _secure_paths(v, f"{path}[{i}]")]
    return []


def read_stack(project: Project, stack: str) -> StackFile:
    """The stack's file: its ``config:`` with every key namespaced (a bare key is the project's), and which keys
    are ``secure:`` (left out of ``config``). :class:`RehearsalError` when it is missing or unreadable."""
    path = project.stack_file(stack)
    if not path.is_file():
        raise RehearsalError(
            f"No stack file {path} for the stack {stack!r}. Create it with the stack's config (for example "
            "`config:` and under it `kustomer:orgName: acme`), or name another stack with --stack NAME."
        )
    document = _read_yaml(path, "the stack file")
    raw = document.get("config") or {}
    if not isinstance(raw, Mapping):
        raise RehearsalError(f"The stack file {path} has a `config:` that is not a mapping of keys to values.")
    config: dict[str, Any] = {}
    secure: list[str] = []
    for key, value in raw.items():
        full = str(key) if ":" in str(key) else f"{project.name}:{key}"
        found = _secure_paths(value, full)
        if found:
            secure += found
            continue
        config[full] = value
    return StackFile(path=path, config=config, secure=secure)


def load_project(path: Path) -> dict[str, Any]:
    """The project file as a mapping (``{}`` when there is none)."""
    if not path.is_file():
        return {}
    loaded = yaml.safe_load(path.read_text())
    return loaded if isinstance(loaded, dict) else {}


def _as_text(value: Any) -> str:
    """Go's ``%v`` of a YAML scalar, as the CLI stores a default."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _reads_as(type_name: str, value: Any) -> bool:
    if isinstance(value, (dict, list)):
        return type_name == "array" and isinstance(value, list)
    text = _as_text(value)
    if type_name == "string":
        return True
    if type_name == "integer":
        try:
            int(text)
        except ValueError:
            return False
        return True
    if type_name == "boolean":
        return text in ("true", "false")
    return False


def apply_project_config(project: Mapping[str, Any], stack: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` (the stack's keys, ``ns:key`` -> value) completed with the project's defaults.

    Raises :class:`ProjectConfigError` for a missing required key or a value of the wrong type.
    """
    name = str(project.get("name", ""))
    declared = project.get("config") or {}
    if not isinstance(declared, Mapping):
        return dict(config)
    merged = dict(config)
    missing: list[str] = []
    for key in sorted(declared):
        spec = declared[key]
        full = key if ":" in key else f"{name}:{key}"
        own = full.split(":", 1)[0] == name
        if not isinstance(spec, Mapping):  # shorthand: a default for the project's keys, a value for others
            spec = {"default": spec} if own else {"value": spec}
        fallback = spec.get("default", spec.get("value"))
        if full not in merged:
            if fallback is None:
                if own:
                    missing.append(key)
                continue
            merged[full] = fallback if isinstance(fallback, (dict, list)) else _as_text(fallback)
            continue
        type_name = spec.get("type")
        if isinstance(type_name, str) and not _reads_as(type_name, merged[full]):
            raise ProjectConfigError(f"Stack '{stack}' with configuration key '{key}' must be of type '{type_name}'")
    if missing:
        listed = f"'{missing[0]}'" if len(missing) == 1 else _and_list(missing)
        plural = "values" if len(missing) > 1 else "value"
        raise ProjectConfigError(f"Stack '{stack}' is missing configuration {plural} {listed}")
    return merged


def _and_list(keys: list[str]) -> str:
    quoted = [f"'{k}'" for k in keys]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]
