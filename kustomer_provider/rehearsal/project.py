"""The CLI's part before any program runs: the stack config completed and checked against ``Pulumi.yaml``.

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
from pathlib import Path
from typing import Any

import yaml

__all__ = ["ProjectConfigError", "apply_project_config", "load_project"]


class ProjectConfigError(ValueError):
    """The stack's config does not satisfy the project file, worded as the CLI words it."""


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
