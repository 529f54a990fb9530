"""The engine's part of a deployment: for each resource the program registers, the provider calls the
Pulumi engine would make, in its order, the state it would keep, and the diagnostics it would print.

- up: Check (old inputs, new inputs); then Create for a new resource, or Diff (old outputs, checked
  inputs, old inputs) and then Update, a replacement (Create the new, Delete the old at the end of the
  deployment; Delete first when delete-before-replace is asked), or nothing. Resources the program no
  longer declares are deleted at the end, dependents first.
- import (the ``import_`` resource option, a RegisterResource with ``importId``, on a resource the state does not
  hold): the engine's import step, Read with the id alone, then Check and Diff against what it read, as for any
  resource; see :meth:`Deployment._import`.
- preview: Check and Diff only; nothing is created, updated or deleted (an import reads, as the engine's does).
- replace (``pulumi up --replace <urn>``, ``pulumi state taint``): the named resources are replaced
  whatever Diff says.
- refresh: Read each resource; an empty id removes it from the state.
- destroy: Delete everything, dependents first.

Every step is checkpointed as the engine's snapshot manager does (``pkg/backend/snapshot.go``): a create,
update or delete is recorded as a pending operation and saved before the provider is called, and cleared
and saved with its result when the call returns, failed or not. A failed step, a failed Check or Diff and
each check failure become the engine's diagnostics (:mod:`.diagnostics`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .diagnostics import (
    ERROR,
    WARNING,
    Diagnostic,
    check_failure_message,
    go_value,
    pending_operations_warning,
)
from .provider_server import ProviderError, ProviderServer
from .state import PendingOperation, ResourceState, StackState, timestamp
from .values import UNKNOWN, contains_unknown, is_secret, unwrap_secrets

__all__ = ["CheckFailed", "Deployment", "EngineReported", "RegisterOptions", "Step", "StepFailed"]

PROVIDER_KEY = "__provider"
#: The type of a Python dynamic resource starts so; any other custom resource needs a provider plugin.
DYNAMIC_PREFIX = "pulumi-python:dynamic"
T = TypeVar("T")


@dataclass
class RegisterOptions:
    """The resource options the engine acts on, as the program's RegisterResource sent them."""

    additional_secret_outputs: set[str] = field(default_factory=set)
    dependencies: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    custom: bool = True
    parent: str = ""
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    #: URNs the resource had before (its ``aliases``): a state entry under one of them is this resource's.
    aliases: list[str] = field(default_factory=list)
    #: The ``import_`` option (``importId``): the id of an existing object to take into the state by reading it.
    import_id: str = ""


@dataclass
class Step:
    urn: str
    op: str  # create | update | replace | same | delete | read | gone | create-preview | ...
    detail: str = ""


class EngineReported(Exception):
    """A failure the engine has already reported as diagnostics: nothing more is printed for it."""


class CheckFailed(EngineReported):
    """Check returned failures: the engine stops before any create or update of that resource."""

    def __init__(self, urn: str, failures: list[tuple[str, str]]) -> None:
        self.urn = urn
        self.failures = failures
        listed = "; ".join(f"{prop}: {reason}" for prop, reason in failures)
        super().__init__(f"{urn}: check failed: {listed}")


class StepFailed(EngineReported):
    """A provider call failed; its details are the resource's error diagnostic."""

    def __init__(self, error: ProviderError) -> None:
        self.error = error
        super().__init__(str(error))


def _redacted(value: Any, secret: bool) -> str:
    """``PropertyValue.RedactSecrets()``: the value as ``String()`` prints it, a secret as ``{[secret]}``."""
    return "{[secret]}" if secret else go_value(value)


class Deployment:
    """One engine operation over one provider process and one stack state."""

    def __init__(
        self,
        provider: ProviderServer,
        state: StackState,
        *,
        preview: bool = False,
        replace: Iterable[str] = (),
        parallel: int = 4,
        import_sends_inputs: bool = False,
    ) -> None:
        """``import_sends_inputs``: the import step's Read carries the program's inputs, which no Pulumi engine
        does today (see :meth:`_import`); for tests of the day pulumi/pulumi#16175 is fixed that way."""
        self.provider = provider
        self.state = state
        self.preview = preview
        self.replace = set(replace)
        self.parallel = parallel
        self.import_sends_inputs = import_sends_inputs
        self.steps: list[Step] = []
        self.failures: list[tuple[str, str, str]] = []
        self.registered: set[str] = set()
        #: The engine's diagnostics, in the order it issued them.
        self.diagnostics: list[Diagnostic] = []
        #: URN -> type of every resource the display has a row for, in the order it first saw them.
        self.types: dict[str, str] = {}
        #: A create, update or delete failed (the step executor's error: the engine closes with "update failed").
        self.step_failed = False
        #: A Check or Diff failed, Check returned failures, or a resource had no provider: the step generator's
        #: error, after which the engine stops with no closing error (``deploymentExecutor.Execute`` bails first).
        self.generation_failed = False
        self._lock = threading.Lock()
        self._in_flight = 0
        self._idle = threading.Condition(self._lock)

    # -- bookkeeping ---------------------------------------------------------------------------------

    @property
    def failed(self) -> bool:
        """Whether the engine reported an error (a failed step, Check or Diff, or a check failure)."""
        return any(d.severity == ERROR for d in self.diagnostics)

    def _record(self, urn: str, op: str, detail: str = "") -> None:
        with self._lock:
            self.steps.append(Step(urn, op, detail))

    def _see(self, urn: str, type_: str) -> None:
        with self._lock:
            self.types.setdefault(urn, type_)

    def diag(self, urn: str, severity: str, message: str) -> None:
        """Issue one of the engine's diagnostics (``urn`` ``""``: the stack's)."""
        with self._lock:
            self.diagnostics.append(Diagnostic(urn, severity, message))

    def _provider_call(self, urn: str, call: Callable[[], T], *, step: bool = False) -> T:
        """A provider call whose failure is reported as the engine reports it: ``error: <details>`` under the
        resource, the details verbatim (``deploymentExecutor.reportError``, ``OnResourceStepPost``). ``step``: the
        call is a step's, whose failure a preview words as a step's (:meth:`_step_failure`)."""
        try:
            return call()
        except ProviderError as exc:
            self.diag(urn, ERROR, self._step_failure(exc.details) if step else exc.details)
            raise StepFailed(exc) from None

    def _generator_call(self, urn: str, call: Callable[[], T]) -> T:
        """A Check or Diff, which the engine's step generator makes: its failure stops the deployment."""
        try:
            return self._provider_call(urn, call)
        except StepFailed:
            self.generation_failed = True
            raise

    def _step_failure(self, message: str) -> str:
        """A failed step as the engine reports it: the error as it is in an update (``updateActions.
        OnResourceStepPost``, ``diag.GetResourceOperationFailedError``, ``"%v"``), after ``Preview failed: `` in a
        preview (``previewActions.OnResourceStepPost``, ``diag.GetPreviewFailedError``), both in
        ``pkg/engine/update.go``. Only an import step runs a provider call in a preview."""
        return f"Preview failed: {message}" if self.preview else message

    def _step(self, resource: ResourceState, operation: str, call: Callable[[], T]) -> T:
        """A create, update or delete: pending (and checkpointed) while the provider works on it."""
        pending = self.state.begin(resource, operation)
        try:
            return self._provider_call(resource.urn, call)
        except StepFailed:
            self.step_failed = True
            self._checkpoint(pending)  # the operation ended (failed): no longer pending
            raise

    def _checkpoint(
        self,
        pending: PendingOperation | None = None,
        *,
        put: ResourceState | None = None,
        remove: str | None = None,
        replaced: ResourceState | None = None,
        deleted: ResourceState | None = None,
    ) -> None:
        """End ``pending`` with its result and save, in one go (a reader never sees half of a step)."""
        with self.state.lock:
            if pending is not None:
                self.state.end(pending)
            if remove is not None:
                self.state.remove(remove)
            if replaced is not None:  # create-before-delete: the original stays, to delete at the end
                replaced.delete = True
                self.state.pending_deletes.append(replaced)
            if deleted is not None:
                self.state.pending_deletes = [r for r in self.state.pending_deletes if r is not deleted]
            if put is not None:
                self.state.put(put)
            self.state.save()

    def start(self, *, warn: bool = True) -> None:
        """Before the first step: the previous run's pending operations, as the engine meets them.

        ``up`` and ``destroy`` warn about them (``printPendingOperationsWarning``; not a preview, not a refresh);
        the pending creates stay in the state until a person clears them, the others end here.
        """
        if self.preview:
            return
        previous = self.state.carry_pending_operations()
        if previous and warn:
            self.diag("", WARNING, pending_operations_warning([(op.resource.urn, op.type) for op in previous]))

    # -- up / preview --------------------------------------------------------------------------------

    @contextmanager
    def registering(self) -> Iterator[None]:
        """Count one RegisterResource in flight, for :meth:`wait_for_registrations`."""
        with self._lock:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def wait_for_registrations(self, timeout: float = 900) -> None:
        """Wait until no RegisterResource is in flight: when the program fails on one resource, the others it had
        already registered finish theirs, so what the run reports does not depend on thread timing."""
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    def register(self, urn: str, type_: str, inputs: dict[str, Any], options: RegisterOptions) -> tuple[str, dict]:
        """Handle one RegisterResource: returns the id and the outputs (secret ones wrapped) for the program."""
        with self._lock:
            self.registered.add(urn)
        self._see(urn, type_)
        if not options.custom:
            return self._register_component(urn, type_, options)
        if not type_.startswith(DYNAMIC_PREFIX):
            package = type_.split(":", 1)[0]
            self.diag(
                urn,
                ERROR,
                f"the rehearsal runs Python dynamic resources only: {type_} needs the resource plugin of "
                f"'{package}', which only the Pulumi CLI can load",
            )
            self.generation_failed = True
            raise EngineReported(f"{urn}: no provider for {type_}")
        secret_inputs = {k for k, v in inputs.items() if is_secret(v)}
        news = unwrap_secrets(inputs)
        old = self.state.get(urn)
        aliased = None
        if old is None:  # renamed with aliases: the engine carries the entry of the old name over to the new one
            aliased = next((alias for alias in options.aliases if self.state.get(alias) is not None), None)
            if aliased is not None:
                old = self.state.get(aliased)
                with self._lock:
                    self.registered.add(aliased)

        def resource(
            id_: str, inputs: dict[str, Any], outputs: dict[str, Any], created: str | None, secret_in: set[str]
        ) -> ResourceState:
            now = timestamp()
            return ResourceState(
                urn=urn,
                type=type_,
                id=id_,
                inputs=inputs,
                outputs=outputs,
                secret_inputs=secret_in,
                secret_outputs=set(options.additional_secret_outputs) | secret_in,
                dependencies=list(options.dependencies),
                delete_before_replace=options.delete_before_replace,
                parent=options.parent,
                provider=self.state.provider_urn,
                additional_secret_outputs=sorted(options.additional_secret_outputs),
                property_dependencies=options.property_dependencies,
                # The goal's id, in every state built from the goal (``ImportID: goal.ID``, ``generateSteps``).
                import_id=options.import_id,
                created=created or now,
                modified=now,
            )

        # An import when the program names an id the state's entry was not imported with (``isImport`` in
        # ``stepGenerator.generateSteps``, pkg/resource/deploy/step_generator.go).
        imported = bool(options.import_id) and (old is None or (old.import_id or old.id) != options.import_id)
        if imported:
            if old is not None:
                # The engine would import and then replace the entry it holds (``NewImportReplacementStep``).
                self.diag(
                    urn,
                    ERROR,
                    f"the rehearsal does not play an import over a resource the state holds ({old.id}): remove "
                    "`import_` or the state's entry",
                )
                self.generation_failed = True
                raise EngineReported(f"{urn}: import-replacement")
            old = self._import(urn, news, secret_inputs, options.import_id, resource)

        checked = self._generator_call(urn, lambda: self.provider.check(urn, old.inputs if old else {}, news))
        if checked.failures:
            for prop, reason in checked.failures:
                self.diag(urn, ERROR, check_failure_message(type_, urn.rsplit("::", 1)[-1], prop, reason, inputs))
            with self._lock:
                self.failures.extend((urn, prop, reason) for prop, reason in checked.failures)
                self.generation_failed = True
            raise CheckFailed(urn, checked.failures)
        new_inputs = checked.inputs

        def goal_state(id_: str, outputs: dict[str, Any], created: str | None) -> ResourceState:
            return resource(id_, new_inputs, outputs, created, secret_inputs)

        if old is None:
            self._record(urn, "create")
            if self.preview:
                return UNKNOWN, new_inputs
            goal = goal_state("", {}, None)
            id_, outputs = self._step(goal, "creating", lambda: self.provider.create(urn, new_inputs))
            created = goal_state(id_, outputs, None)
            self._checkpoint(self._pending_of(goal), put=created)
            return id_, created.outputs_for_program()

        diff = self._generator_call(urn, lambda: self.provider.diff(urn, old.id, old.outputs, new_inputs, old.inputs))
        forced = urn in self.replace
        if forced or diff.replaces:
            if options.import_id and diff.replaces:
                # A replacement would change the id the program names (``continueStepsFromDiff``): an error in an
                # update (reported raw under the resource, ``deploymentExecutor.reportError``), a warning in a preview.
                message = (
                    "previously-imported resources that still specify an ID may not be replaced; please remove the "
                    "`import` declaration from your program;\n"
                    + "\n".join(
                        f"{key}: {_redacted(old.inputs.get(key), key in old.secret_inputs)} => "
                        f"{_redacted(new_inputs.get(key), key in secret_inputs)}"
                        for key in diff.replaces
                    )
                )
                if not self.preview:
                    self.diag(urn, ERROR, message)
                    self.generation_failed = True
                    raise EngineReported(f"{urn}: an imported resource cannot be replaced")
                self.diag(urn, WARNING, message)
            detail = "forced" if forced else ",".join(diff.replaces)
            self._record(urn, "replace", detail)
            if self.preview:
                return UNKNOWN, new_inputs
            if diff.delete_before_replace or options.delete_before_replace:
                self._step(old, "deleting", lambda: self.provider.delete(urn, old.id, old.outputs, old.inputs))
                self._record(urn, "delete", "before-replace")
                self._checkpoint(self._pending_of(old), remove=urn)
                replaced = None
            else:
                replaced = old
            goal = goal_state("", {}, None)
            id_, outputs = self._step(goal, "creating", lambda: self.provider.create(urn, new_inputs))
            created = goal_state(id_, outputs, None)
            self._checkpoint(self._pending_of(goal), put=created, replaced=replaced)
            return id_, created.outputs_for_program()

        if diff.changes:
            self._record(urn, "update")
            if self.preview:
                # A provider without preview support: the engine hands back the new inputs as the state, so
                # every output that is not an input is unknown to the program.
                return old.id, new_inputs
            goal = goal_state(old.id, old.outputs, old.created)
            outputs = self._step(
                goal, "updating", lambda: self.provider.update(urn, old.id, old.outputs, new_inputs, old.inputs)
            )
            updated = goal_state(old.id, outputs, old.created)
            self._checkpoint(self._pending_of(goal), put=updated, remove=aliased)
            return old.id, updated.outputs_for_program()

        if imported:
            # Nothing to change after an import: the registration ends with the imported state, and no same step
            # (``continueStepsFromDiff``: "If this was imported don't generate a new same step").
            return old.id, old.outputs_for_program()
        self._record(urn, "same")
        if self.preview or contains_unknown(new_inputs):
            return old.id, old.outputs_for_program()
        kept = goal_state(old.id, old.outputs, old.created)
        kept.modified = old.modified
        if aliased is not None:  # the entry moves to its new URN: a write
            self._checkpoint(put=kept, remove=aliased)
            return old.id, kept.outputs_for_program()
        self.state.put(kept)  # a same step changes nothing on disk: its write is elided, as the engine's is
        return old.id, kept.outputs_for_program()

    def _pending_of(self, resource: ResourceState) -> PendingOperation | None:
        with self.state.lock:
            return next((op for op in self.state.pending_operations if op.resource is resource), None)

    def _import(
        self,
        urn: str,
        news: dict[str, Any],
        secret_inputs: set[str],
        import_id: str,
        resource: Callable[[str, dict[str, Any], dict[str, Any], str | None, set[str]], ResourceState],
    ) -> ResourceState:
        """The engine's import step (``ImportStep.Apply``, pkg/resource/deploy/step.go): Read the object to import
        and return the state it read, which the registration then checks and diffs the program against as its old
        state (``stepGenerator.continueStepsFromImport``); an update follows if they differ, nothing if not.

        The Read carries the id to import and the URN, and neither the program's inputs nor any state
        (:meth:`ProviderServer.import_read`), unless ``import_sends_inputs``. The step is a pending ``importing``
        operation while it runs (``SnapshotManager.doImport``, pkg/backend/snapshot.go); the entry enters the state
        only if it succeeds. It fails (as a step: :meth:`_step_failure`) on a failed Read, on an answer without
        outputs (``resource '<id>' does not exist``) and on one without inputs (``provider does not support
        importing resources``). It reads in a preview too: ``ImportStep.Apply`` does not look at ``DryRun``.
        """
        self._record(urn, "import")
        goal = resource("", news, {}, None, secret_inputs)
        sent = news if self.import_sends_inputs else None

        def read() -> tuple[str, dict[str, Any] | None, dict[str, Any] | None]:
            return self.provider.import_read(urn, import_id, sent)

        if self.preview:
            try:
                id_, outputs, inputs = self._provider_call(urn, read, step=True)
            except StepFailed:
                self.step_failed = True
                raise
        else:
            id_, outputs, inputs = self._step(goal, "importing", read)
        failure = ""
        if outputs is None:
            failure = f"resource '{import_id}' does not exist"
        elif inputs is None:
            package = urn.split("::")[2].split("$")[-1].split(":", 1)[0]
            failure = f"provider does not support importing resources; please try updating the '{package}' plugin"
        if failure:
            self.diag(urn, ERROR, self._step_failure(failure))
            self.step_failed = True
            if not self.preview:
                self._checkpoint(self._pending_of(goal))
            raise EngineReported(f"{urn}: {failure}")
        assert outputs is not None and inputs is not None
        # Which inputs are secret: the plugin marks read inputs secret where the inputs it sent were
        # (``annotateSecrets``, provider_plugin.go); with none sent, none.
        secret_read = {k for k in secret_inputs if k in inputs} if sent is not None else set()
        state = resource(id_ or import_id, inputs, outputs, None, secret_read)
        if not self.preview:
            self._checkpoint(self._pending_of(goal), put=state)
        return state

    def _register_component(self, urn: str, type_: str, options: RegisterOptions) -> tuple[str, dict]:
        """A component resource: no provider, nothing to call; it is in the state so that its children have a
        parent there."""
        old = self.state.get(urn)
        self._record(urn, "same" if old else "create")
        if not self.preview:
            now = timestamp()
            component = ResourceState(
                urn=urn,
                type=type_,
                id="",
                inputs={},
                outputs={},
                custom=False,
                parent=options.parent,
                dependencies=list(options.dependencies),
                created=old.created if old else now,
                modified=old.modified if old else now,
            )
            if old is None:
                self._checkpoint(put=component)
            else:
                self.state.put(component)
        return "", {}

    def finish(self) -> None:
        """After the program: delete replaced originals, then resources the program no longer declares."""
        if self.preview:
            for resource in self.state:
                if resource.urn not in self.registered:
                    self._record(resource.urn, "delete")
            return

        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            list(pool.map(self._delete_replaced, list(self.state.pending_deletes)))
        gone = {r.urn for r in self.state if r.urn not in self.registered}
        self._delete(gone)

    def _delete_replaced(self, old: ResourceState) -> None:
        """Delete the original of a create-before-delete replacement (``"delete": true`` in the state)."""
        self._see(old.urn, old.type)
        if old.custom:
            self._step(old, "deleting", lambda: self.provider.delete(old.urn, old.id, old.outputs, old.inputs))
        self._checkpoint(self._pending_of(old), deleted=old)
        self._record(old.urn, "delete", "replaced")

    # -- destroy and refresh -------------------------------------------------------------------------

    def _delete(self, urns: set[str] | None) -> None:
        for wave in self.state.deletion_order(urns):
            with ThreadPoolExecutor(max_workers=self.parallel) as pool:
                for resource, _ in zip(wave, pool.map(self._delete_one, wave), strict=True):
                    self._record(resource.urn, "delete")

    def _delete_one(self, resource: ResourceState) -> None:
        self._see(resource.urn, resource.type)
        if resource.custom:
            self._step(
                resource,
                "deleting",
                lambda: self.provider.delete(resource.urn, resource.id, resource.outputs, resource.inputs),
            )
        self._checkpoint(self._pending_of(resource), remove=resource.urn)

    def destroy(self) -> None:
        """Delete every resource, dependents first (replaced originals still waiting for their delete too)."""
        for old in list(self.state.pending_deletes):
            self._delete_replaced(old)
        self._delete(None)
        self.state.outputs = {}
        self.state.save()

    def refresh(self) -> dict[str, dict[str, tuple[Any, Any]]]:
        """Read every resource; returns, per URN, the outputs that changed (old, new)."""
        changes: dict[str, dict[str, tuple[Any, Any]]] = {}
        resources = [r for r in self.state if r.custom]

        def read(resource: ResourceState) -> None:
            self._see(resource.urn, resource.type)
            id_, outputs, inputs = self._provider_call(
                resource.urn,
                lambda: self.provider.read(resource.urn, resource.id, resource.outputs, resource.inputs),
            )
            if not id_:
                self._checkpoint(remove=resource.urn)
                self._record(resource.urn, "gone")
                return
            changed = {
                k: (resource.outputs.get(k), outputs.get(k))
                for k in set(resource.outputs) | set(outputs)
                if k != PROVIDER_KEY and resource.outputs.get(k) != outputs.get(k)
            }
            if changed:
                with self._lock:
                    changes[resource.urn] = changed
            resource.id = id_
            resource.outputs = outputs
            if inputs is not None:
                resource.inputs = inputs
            if changed:
                resource.modified = timestamp()
            self._checkpoint(put=resource)
            self._record(resource.urn, "read", ",".join(sorted(changed)))

        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            list(pool.map(read, resources))
        self.state.save()
        return changes
