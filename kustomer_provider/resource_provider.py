"""What every resource's provider does the same way: configure, read its inputs, check, and compare for diff.

A resource's provider is a small subclass of :class:`KustomerResourceProvider`, parameterised by its input
model (``class PrivateAppProvider(KustomerResourceProvider[PrivateAppInputs])``): the model is the one
declaration of the inputs, their defaults and their validation; the base class reads a property bag through it,
checks with it (plus the connection check of a resource that talks to Kustomer), and tells diff which inputs
changed. The subclass adds only its own rules and its create, update, read and delete.

The engine pickles each provider object into the state by reference to its class (DESIGN.md): everything here
is on the class, nothing on the instance (no settings, no client, no model), so the pickle stays ~100
characters, holds nothing secret, and a state written by older code loads as long as the provider classes keep
their names and modules. The process's settings and client live in :mod:`~kustomer_provider.provider_process`.
Holding nothing secret, that pickle (``__provider``) is stored in plaintext (``serialize_as_secret_always``;
docs/state.md).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Generic, TypeVar, cast, get_args, get_origin

from pulumi.dynamic import CheckFailure, CheckResult, ResourceProvider

from . import host_errors, provider_process
from .errors import KustomerError
from .input_validation import InputFailure, InputModel, normalize_inputs, validate_inputs
from .preview_values import is_unknown

__all__ = ["InputChanges", "KustomerResourceProvider", "resource_properties"]

PROVIDER_KEY: Final = "__provider"
#: Where an input path goes below its input (``client_secret[0]``, ``definition.roles``).
_SUBPATH: Final = re.compile(r"[.\[]")
InputsT = TypeVar("InputsT", bound=InputModel)

# In the Pulumi host, a provider class loads (unpickled from the state) before its first call: from then on a
# failure reaches the CLI as its message, not as a traceback (host_errors). Anywhere else this changes nothing.
host_errors.install()


@dataclass(frozen=True)
class InputChanges:
    """What diff sees: the inputs whose new value is known and differs, and those not known yet (a preview)."""

    changed: list[str]
    unknown: list[str]

    def __bool__(self) -> bool:
        return bool(self.changed or self.unknown)


class KustomerResourceProvider(ResourceProvider, Generic[InputsT]):
    """The shared part of this package's dynamic providers. Holds no state: see the module docstring."""

    #: The resource's input model: taken from the class's parameter (``KustomerResourceProvider[Model]``).
    inputs_model: ClassVar[type[InputModel]]
    #: Whether the resource calls Kustomer: then ``configure`` keeps the stack config for the process's one
    #: client, and ``check`` fails (a preview too) when that config and the environment give no usable connection.
    talks_to_kustomer: ClassVar[bool] = True
    #: ``__provider`` (this object: a reference to its class, nothing secret) stays plaintext in the state; the
    #: SDK would still encrypt it if a secret Output were ever captured in it. The SDK's default encrypts it always.
    serialize_as_secret_always = False
    #: The outputs the resource class always marks secret: the constant it passes as ``additional_secret_outputs``.
    secret_outputs: ClassVar[tuple[str, ...]] = ()
    #: The inputs that hold a secret: the secret outputs that are inputs too (derived from the two declarations).
    #: Their check failures are reported under property ``""`` (:meth:`check_failure`).
    secret_inputs: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            if get_origin(base) is KustomerResourceProvider:
                (cls.inputs_model,) = get_args(base)
        if hasattr(cls, "inputs_model"):
            cls.secret_inputs = frozenset(cls.secret_outputs) & frozenset(cls.inputs_model.model_fields)

    # -- configure -----------------------------------------------------------------------------------------

    def configure(self, req: Any) -> None:
        """Keep the stack config for this process (the Pulumi host calls this first, with it decrypted)."""
        host_errors.install()  # again, in case this package was imported before the host module ran
        provider_process.configure(req.config)

    # -- inputs --------------------------------------------------------------------------------------------

    @classmethod
    def input_defaults(cls) -> dict[str, Any]:
        """Every input, in the model's order, with its default (``None`` for a required one)."""
        return cls.inputs_model.input_defaults()

    @classmethod
    def input_view(cls, props: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs from a property bag (inputs or stored outputs), defaults filled in."""
        view = {}
        for name, default in cls.input_defaults().items():
            value = props.get(name)
            view[name] = default if value is None else value
        return view

    @classmethod
    def normalized_view(cls, props: Mapping[str, Any]) -> dict[str, Any]:
        """:meth:`input_view` of the inputs as the model converts them (``"90"`` -> ``90``): what diff compares.

        Unknown and invalid values stay as they are, so old inputs are compared as stored, even where they
        would fail today's (stricter) validation.
        """
        return cls.input_view(normalize_inputs(cls.inputs_model, props))

    @classmethod
    def given_inputs(cls, props: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs that have a value (defaults filled in): what create and update copy into the outputs."""
        return {name: value for name, value in cls.input_view(props).items() if value is not None}

    @classmethod
    def read_inputs(cls, props: Mapping[str, Any]) -> InputsT:
        """The validated inputs of create, update or read (Check has passed them already).

        Raises :class:`KustomerError` listing the failures otherwise; never a pydantic error, whose text would
        show the values (a client secret among them).
        """
        model, failures = validate_inputs(cls.inputs_model, cls.given_inputs(props), allow_unknown=False)
        if model is None:
            reasons = "; ".join(f.reason for f in failures)
            raise KustomerError(f"Invalid inputs of {cls.inputs_model.__name__}: {reasons}")
        return cast(InputsT, model)

    # -- check ---------------------------------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate ``news`` with the model, then the resource's own rules, then the connection.

        The result carries the inputs as the model converts them (``"90"`` -> ``90``, ``"true"`` -> ``True``), so
        that the engine stores and diffs typed values; unknown and invalid inputs pass on unchanged.
        """
        model, failures = validate_inputs(self.inputs_model, news)
        if model is not None:
            failures += self.rule_failures(_olds, cast(InputsT, model), news)
        if self.talks_to_kustomer:
            failures += provider_process.connection_failures()  # no key or org: fail the preview, not the up
        inputs = {k: v for k, v in normalize_inputs(self.inputs_model, news).items() if k != PROVIDER_KEY}
        return CheckResult(inputs, [self.check_failure(f) for f in failures])

    @classmethod
    def check_failure(cls, failure: InputFailure) -> CheckFailure:
        """``failure`` as the engine is told it. One about a secret input goes under property ``""``, its path
        leading the reason: the engine prints the value of the input a failure names with Go's ``%v``, which
        shows a secret's plaintext (``issueCheckFailures`` in ``pkg/resource/deploy/step_generator.go``), and of
        a failure of the resource as a whole it prints no value."""
        if _SUBPATH.split(failure.property, maxsplit=1)[0] not in cls.secret_inputs:
            return CheckFailure(failure.property, failure.reason)
        leads = failure.reason.startswith(failure.property)
        return CheckFailure("", failure.reason if leads else f"{failure.property}: {failure.reason}")

    def rule_failures(self, olds: Mapping[str, Any], inputs: InputsT, news: Mapping[str, Any]) -> list[InputFailure]:
        """The resource's own rules over valid inputs (a version bump, a rotation due): none by default."""
        return []

    # -- diff ----------------------------------------------------------------------------------------------

    @classmethod
    def input_changes(cls, olds: Mapping[str, Any], news: Mapping[str, Any]) -> InputChanges:
        """Which inputs changed, compared as the model converts them ("90", 90.0 and 90 are the same 90 days).

        An input whose new value is not known yet (a preview) is ``unknown``, not ``changed``: it may well turn
        out unchanged.
        """
        old, new = cls.normalized_view(olds), cls.normalized_view(news)
        unknown = [name for name in new if is_unknown(new[name])]
        changed = [name for name in new if name not in unknown and old[name] != new[name]]
        return InputChanges(changed, unknown)


def resource_properties(
    provider: type[KustomerResourceProvider[Any]], resource: type, given: Mapping[str, Any]
) -> dict[str, Any]:
    """The property bag a resource's ``__init__`` registers, from its arguments (``given``, e.g. ``locals()``).

    Each input of the provider's model from ``given``, a missing required one a ``TypeError`` naming it (as
    pulumi-random's resources do), an absent optional one its default; then every output the resource class
    declares (its ``pulumi.Output`` annotations that are not inputs), as ``None`` for the engine to fill.
    """
    props = {}
    for name, default in provider.input_defaults().items():
        value = given.get(name)
        if value is None and provider.inputs_model.model_fields[name].is_required():
            raise TypeError(f"Missing required property '{name}'")
        props[name] = default if value is None else value
    outputs = [name for name in inspect.get_annotations(resource) if name not in props]
    return {**props, **dict.fromkeys(outputs)}
