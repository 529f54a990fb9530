"""Input validation: a model's verdict on a resource's inputs, as failures that name each input's path.

Every error becomes an :class:`InputFailure` whose property is the input's path (``redirect_uris[1]``,
``definition.roles[0]``), before any API call. During a preview, inputs that are not known yet
(``pulumi.Output`` values still to be computed) are skipped, and everything else is validated.
:class:`InputModel` is the base of every resource's input model: the defaults of its fields are the
resource's defaults (:meth:`InputModel.input_defaults`).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from .fields import NestedError, UniqueItems, hidden_character, shown
from .preview_values import contains_unknown, is_unknown

__all__ = [
    "InputFailure",
    "InputModel",
    "duplicate_failures",
    "normalize_inputs",
    "path_part",
    "validate_inputs",
]


class InputModel(BaseModel):
    """The inputs of a resource, validated: unknown keys refused, the validated values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def input_defaults(cls) -> dict[str, Any]:
        """Every input, in declaration order, with its default (``None`` for a required one).

        A fresh copy each call (callers may change it). Worked out once per model: pydantic inspects each
        default factory's signature on every ``get_default``, about 1 ms a call for a model, and every Check,
        Diff and Create asks.
        """
        return copy.deepcopy(_input_defaults(cls))


@functools.cache
def _input_defaults(model: type[InputModel]) -> dict[str, Any]:
    return {
        name: None if info.is_required() else info.get_default(call_default_factory=True)
        for name, info in model.model_fields.items()
    }


M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class InputFailure:
    """One invalid input: its path (``redirect_uris[1]``) and what is wrong with it and how to fix it.

    ``reason`` starts with the path; ``loc`` and ``message`` are the same two apart, for callers that
    print the path their own way (the stack config's ``kustomer:apps[0].redirectUris[1]: ...``).
    """

    property: str
    reason: str
    loc: tuple[int | str, ...] = field(default=(), compare=False)
    message: str = field(default="", compare=False)
    #: pydantic's error type (``missing``, ``extra_forbidden``, ...), or ``value_error`` for our own checks.
    kind: str = field(default="value_error", compare=False)

    @classmethod
    def at(cls, loc: tuple[int | str, ...], message: str, kind: str = "value_error") -> InputFailure:
        """The failure at ``loc`` saying ``message``."""
        path = _path(loc)
        return cls(path, f"{path} {message}" if path else message, loc, message, kind)


_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*", re.ASCII)


def path_part(part: int | str, *, first: bool = False) -> str:
    """One step of an input path: ``[1]``, ``.roles``, or ``["odd key"]`` for a key that is not a plain
    name (quoted as JSON, so that control characters in it print escaped and never break a line)."""
    if isinstance(part, int):
        return f"[{part}]"
    if _NAME.fullmatch(part) is None:
        return f"[{json.dumps(part)}]"
    return part if first else f".{part}"


def _path(loc: tuple[int | str, ...]) -> str:
    return "".join(path_part(part, first=index == 0) for index, part in enumerate(loc))


def _value_at(data: Any, loc: tuple[int | str, ...]) -> Any:
    value: Any = data
    for part in loc:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _touches_unknown(data: Mapping[str, Any], loc: tuple[int | str, ...]) -> bool:
    for depth in range(1, len(loc) + 1):
        if is_unknown(_value_at(data, loc[:depth])):
            return True
    return contains_unknown(_value_at(data, loc)) if loc else False


_FRIENDLY: Final = {
    "missing": "is required",
    "extra_forbidden": "is not an input of this resource (check the spelling)",
    "string_type": "must be a string",
    "bool_type": "must be true or false (a boolean, or the text 'true' or 'false')",
    "list_type": "must be a list",
    "dict_type": "must be a map of names to values",
    "model_type": "must be a map of fields",
    "model_attributes_type": "must be a map of fields",
    "int_type": "must be a whole number",
}


def _failure(error: Mapping[str, Any]) -> InputFailure:
    loc = tuple(error["loc"])
    nested = (error.get("ctx") or {}).get("error")
    if isinstance(nested, NestedError):
        return InputFailure.at(loc + nested.loc, str(nested))
    kind = str(error["type"])
    message = _FRIENDLY.get(kind) or str(error["msg"]).removeprefix("Value error, ")
    return InputFailure.at(loc, message, kind)


def _unique_failures(model: type[BaseModel], values: Mapping[str, Any]) -> list[InputFailure]:
    failures = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        for marker in info.metadata:
            if isinstance(marker, UniqueItems) and isinstance(values.get(key), list):
                failures += duplicate_failures(key, values[key], marker.key)
    return failures


def validate_inputs(
    model: type[M], data: Mapping[str, Any], *, allow_unknown: bool = True
) -> tuple[M | None, list[InputFailure]]:
    """Validate ``data`` against ``model``; a ``None`` value counts as not given.

    Returns the model (``None`` if some input is invalid or not known yet) and the failures, each
    naming the input's path. With ``allow_unknown`` (a resource's check during a preview), failures
    at, inside or below an unknown value are dropped: they can only be judged once it is known.
    """
    if not isinstance(data, Mapping):
        return None, [InputFailure.at((), _FRIENDLY["model_type"])]
    fields = {info.alias or name for name, info in model.model_fields.items()} | set(model.model_fields)
    failures: list[InputFailure] = []
    values: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(key, str) or hidden_character(key) is not None:
            failures.append(InputFailure.at((str(key),), _FRIENDLY["extra_forbidden"], "extra_forbidden"))
        elif value is not None and (key in fields or not key.startswith("__")):
            values[key] = value
    validated: M | None = None
    try:
        validated = model.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            nested = (error.get("ctx") or {}).get("error")
            full = loc + nested.loc if isinstance(nested, NestedError) else loc
            if allow_unknown and _touches_unknown(values, full):
                continue
            failures.append(_failure(error))
    failures += _unique_failures(model, values)
    if failures or (allow_unknown and contains_unknown(values)):
        return None, failures
    return validated, []


def duplicate_failures(name: str, items: list[Any], key: str | None = None) -> list[InputFailure]:
    """One failure per repeated item of a list input (by the items' ``key`` field, if given), naming
    where it first appeared. Items that are not text, or not known yet, are left to other checks."""
    seen: dict[str, int] = {}
    failures = []
    for index, item in enumerate(items):
        value = (item.get(key) if isinstance(item, Mapping) else None) if key is not None else item
        if not isinstance(value, str) or is_unknown(value):
            continue
        if value in seen:
            message = f"repeats {name}[{seen[value]}] ({shown(value)}): list each value once"
            failures.append(InputFailure.at((name, index), message))
        else:
            seen[value] = index
    return failures


@functools.cache
def _adapters(model: type[BaseModel]) -> dict[str, TypeAdapter[Any]]:
    """One validator per field of ``model``, built from the field's own type and constraints."""
    return {name: TypeAdapter(info.rebuild_annotation()) for name, info in model.model_fields.items()}


def normalize_inputs(model: type[BaseModel], data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with every known, valid input converted as ``model`` converts it (``"90"`` and ``90.0`` to
    ``90``, ``"true"`` to ``True``, defaults of nested entries filled in); unknown and invalid inputs,
    and keys that are not inputs, as they are. Diff compares these, never the raw values."""
    adapters = _adapters(model)
    normalized = dict(data)
    for name, value in data.items():
        adapter = adapters.get(name)
        if adapter is None or value is None or contains_unknown(value):
            continue
        try:
            normalized[name] = adapter.dump_python(adapter.validate_python(value))
        except ValidationError:
            continue
    return normalized
