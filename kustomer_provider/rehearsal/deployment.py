"""The engine's part of a deployment: for each resource the program registers, the provider calls the
Pulumi engine would make, in its order, and the state it would keep.

- up: Check (old inputs, new inputs); then Create for a new resource, or Diff (old outputs, checked
  inputs, old inputs) and then Update, a replacement (Create the new, Delete the old at the end of the
  deployment; Delete first when delete-before-replace is asked), or nothing. Resources the program no
  longer declares are deleted at the end, dependents first.
- preview: Check and Diff only; nothing is created, updated or deleted.
- replace (``pulumi up --replace <urn>``, ``pulumi state taint``): the named resources are replaced
  whatever Diff says.
- refresh: Read each resource; an empty id removes it from the state.
- destroy: Delete everything, dependents first.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime.rpc import UNKNOWN

from .provider_server import ProviderServer
from .state import ResourceState, StackState
from .values import contains_unknown, is_secret, unwrap_secrets

PROVIDER_KEY = "__provider"


@dataclass
class RegisterOptions:
    """The resource options the engine acts on, as the program's RegisterResource sent them."""

    additional_secret_outputs: set[str] = field(default_factory=set)
    dependencies: list[str] = field(default_factory=list)
    delete_before_replace: bool = False


@dataclass
class Step:
    urn: str
    op: str  # create | update | replace | same | delete | read | gone | create-preview | ...
    detail: str = ""


class CheckFailed(Exception):
    """Check returned failures: the engine stops before any create or update of that resource."""

    def __init__(self, urn: str, failures: list[tuple[str, str]]) -> None:
        self.urn = urn
        self.failures = failures
        listed = "; ".join(f"{prop}: {reason}" for prop, reason in failures)
        super().__init__(f"{urn}: check failed: {listed}")


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
    ) -> None:
        self.provider = provider
        self.state = state
        self.preview = preview
        self.replace = set(replace)
        self.parallel = parallel
        self.steps: list[Step] = []
        self.failures: list[tuple[str, str, str]] = []
        self.registered: set[str] = set()
        self._pending_deletes: list[ResourceState] = []
        self._lock = threading.Lock()

    def _record(self, urn: str, op: str, detail: str = "") -> None:
        with self._lock:
            self.steps.append(Step(urn, op, detail))

    # -- up / preview --------------------------------------------------------------------------------

    def register(self, urn: str, type_: str, inputs: dict[str, Any], options: RegisterOptions) -> tuple[str, dict]:
        """Handle one RegisterResource: returns the id and the outputs (secret ones wrapped) for the program."""
        with self._lock:
            self.registered.add(urn)
        secret_inputs = {k for k, v in inputs.items() if is_secret(v)}
        news = unwrap_secrets(inputs)
        old = self.state.get(urn)

        checked = self.provider.check(urn, old.inputs if old else {}, news)
        if checked.failures:
            with self._lock:
                self.failures.extend((urn, prop, reason) for prop, reason in checked.failures)
            raise CheckFailed(urn, checked.failures)
        new_inputs = checked.inputs
        secret_outputs = set(options.additional_secret_outputs) | secret_inputs

        def remember(id_: str, outputs: dict[str, Any]) -> ResourceState:
            resource = ResourceState(
                urn=urn,
                type=type_,
                id=id_,
                inputs=new_inputs,
                outputs=outputs,
                secret_inputs=secret_inputs,
                secret_outputs=secret_outputs,
                dependencies=list(options.dependencies),
                delete_before_replace=options.delete_before_replace,
            )
            if not self.preview:
                self.state.put(resource)  # saved when the program is done (program_host), as one checkpoint
            return resource

        if old is None:
            if self.preview:
                self._record(urn, "create")
                return UNKNOWN, new_inputs
            id_, outputs = self.provider.create(urn, new_inputs)
            self._record(urn, "create")
            return id_, remember(id_, outputs).outputs_for_program()

        diff = self.provider.diff(urn, old.id, old.outputs, new_inputs, old.inputs)
        forced = urn in self.replace
        if forced or diff.replaces:
            detail = "forced" if forced else ",".join(diff.replaces)
            self._record(urn, "replace", detail)
            if self.preview:
                return UNKNOWN, new_inputs
            if diff.delete_before_replace or options.delete_before_replace:
                self.provider.delete(urn, old.id, old.outputs, old.inputs)
                self._record(urn, "delete", "before-replace")
                self.state.remove(urn)
                self.state.save()
            else:
                with self._lock:
                    self._pending_deletes.append(old)
            id_, outputs = self.provider.create(urn, new_inputs)
            return id_, remember(id_, outputs).outputs_for_program()

        if diff.changes:
            self._record(urn, "update")
            if self.preview:
                # A provider without preview support: the engine hands back the new inputs as the state, so
                # every output that is not an input is unknown to the program.
                return old.id, new_inputs
            outputs = self.provider.update(urn, old.id, old.outputs, new_inputs, old.inputs)
            return old.id, remember(old.id, outputs).outputs_for_program()

        self._record(urn, "same")
        if self.preview or contains_unknown(new_inputs):
            return old.id, old.outputs_for_program()
        kept = remember(old.id, old.outputs)
        return old.id, kept.outputs_for_program()

    def finish(self) -> None:
        """After the program: delete replaced originals, then resources the program no longer declares."""
        if self.preview:
            for resource in self.state:
                if resource.urn not in self.registered:
                    self._record(resource.urn, "delete")
            return

        def delete_replaced(old: ResourceState) -> None:
            self.provider.delete(old.urn, old.id, old.outputs, old.inputs)
            self._record(old.urn, "delete", "replaced")

        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            list(pool.map(delete_replaced, self._pending_deletes))
        gone = {r.urn for r in self.state if r.urn not in self.registered}
        self._delete(gone)

    # -- destroy and refresh -------------------------------------------------------------------------

    def _delete(self, urns: set[str] | None) -> None:
        for wave in self.state.deletion_order(urns):
            with ThreadPoolExecutor(max_workers=self.parallel) as pool:
                for resource, _ in zip(wave, pool.map(self._delete_one, wave), strict=True):
                    self._record(resource.urn, "delete")
            self.state.save()

    def _delete_one(self, resource: ResourceState) -> None:
        self.provider.delete(resource.urn, resource.id, resource.outputs, resource.inputs)
        self.state.remove(resource.urn)

    def destroy(self) -> None:
        """Delete every resource, dependents first."""
        self._delete(None)
        self.state.outputs = {}
        self.state.save()

    def refresh(self) -> dict[str, dict[str, tuple[Any, Any]]]:
        """Read every resource; returns, per URN, the outputs that changed (old, new)."""
        changes: dict[str, dict[str, tuple[Any, Any]]] = {}
        resources = list(self.state)

        def read(resource: ResourceState) -> None:
            id_, outputs, inputs = self.provider.read(resource.urn, resource.id, resource.outputs, resource.inputs)
            if not id_:
                self.state.remove(resource.urn)
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
            self.state.put(resource)
            self._record(resource.urn, "read", ",".join(sorted(changed)))

        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            list(pool.map(read, resources))
        self.state.save()
        return changes
