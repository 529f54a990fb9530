"""The rehearsal's stack state: a checkpoint file in the shape of ``pulumi stack export``, secrets encrypted.

The file is what ``pulumi stack export`` prints (the CLI's ``apitype.UntypedDeployment`` holding a
``DeploymentV3``, ``sdk/go/common/apitype/core.go``)::

    {"version": 3, "deployment": {
        "manifest": {"time": ..., "magic": ..., "version": ...},
        "secrets_providers": {"type": "kustomer-rehearsal", "state": {"keyFile": "state.key"}},
        "resources": [
            {"urn": "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev", "custom": false,
             "type": "pulumi:pulumi:Stack", "outputs": {<the stack outputs>}},
            {"urn": "urn:pulumi:dev::proj::pulumi:providers:pulumi-python::default", "custom": true, "id": ...,
             "type": "pulumi:providers:pulumi-python"},
            {"urn": ..., "custom": true, "id": ..., "type": "pulumi-python:dynamic/kustomer:PrivateApp",
             "inputs": {...}, "outputs": {...}, "parent": <the stack's URN>, "provider": <the provider's URN>::<id>,
             "dependencies": [...], "additionalSecretOutputs": [...], "created": ..., "modified": ...},
            ...],
        "pending_operations": [{"resource": {<a resource as above>}, "type": "creating"}]}}

so that a tool that reads exports (an inventory, ``jq``) reads a rehearsal's ``--state`` file the same way.
Secret values are in Pulumi's signature form, ``{"4dabf18193072939515e22adb298388d":
"1b47061264138c4ac30d75fd1eb44270", "ciphertext": ...}``, encrypted with a key of the stack's own (the file
beside the state, ``<state>.key``), which stands in for a Pulumi secrets provider: the Pulumi CLI cannot decrypt
them, so ``pulumi stack import`` of such a file is not supported.

As the engine's snapshot manager does (``pkg/backend/snapshot.go``), each step is checkpointed: a create,
update, delete or read is recorded as a pending operation and the file saved before the provider is called;
when it returns, the operation is cleared and the result saved. A run interrupted mid-step leaves the
operation in the file, and a resource being replaced create-before-delete stays in the file, marked
``"delete": true``, until its delete has run.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Final

from .values import seal, unseal, unwrap_secrets, wrap_secret

__all__ = [
    "FORMAT_VERSION",
    "PROVIDER_TYPE",
    "STACK_TYPE",
    "PendingOperation",
    "ResourceState",
    "StackState",
    "StateFileError",
    "stack_urn",
    "timestamp",
]

#: ``pulumi stack export``'s ``version`` for a ``DeploymentV3``.
FORMAT_VERSION: Final = 3
STACK_TYPE: Final = "pulumi:pulumi:Stack"
#: The default provider of Python dynamic resources (their type's package is ``pulumi-python``).
PROVIDER_TYPE: Final = "pulumi:providers:pulumi-python"
SECRETS_PROVIDER: Final = "kustomer-rehearsal"
#: The operations a pending operation names (``resource.OperationType`` of the engine).
OPERATIONS: Final = ("creating", "updating", "deleting", "reading", "importing")


class StateFileError(ValueError):
    """The state file cannot be read as a rehearsal's state."""


def stack_urn(project: str, stack: str) -> str:
    """The URN of the stack's root resource, named ``<project>-<stack>`` as the SDKs name it."""
    return f"urn:pulumi:{stack}::{project}::{STACK_TYPE}::{project}-{stack}"


def timestamp() -> str:
    """Now, as the engine writes times in a state (RFC 3339, UTC)."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _engine_version() -> str:
    try:
        version = metadata.version("kustomer-pulumi")
    except metadata.PackageNotFoundError:
        version = "0+unknown"
    return f"kustomer-pulumi-rehearsal/{version}"


@dataclass
class ResourceState:
    """One resource in the state: plaintext in memory; secret properties are encrypted on disk."""

    urn: str
    type: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    secret_inputs: set[str] = field(default_factory=set)
    secret_outputs: set[str] = field(default_factory=set)
    dependencies: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    #: False for a component resource (nothing to call a provider for).
    custom: bool = True
    parent: str = ""
    provider: str = ""
    additional_secret_outputs: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    #: A replaced original waiting for its delete (a create-before-delete replacement in progress).
    delete: bool = False
    #: ``pulumi state taint``: the next ``up`` replaces it.
    taint: bool = False
    #: The ``import_`` id the program gives it (``importID``): an ``up`` imports only when this differs from it.
    import_id: str = ""
    created: str | None = None
    modified: str | None = None

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    def outputs_for_program(self) -> dict[str, Any]:
        """Outputs as the engine returns them to the program: secret ones wrapped."""
        return {k: wrap_secret(v) if k in self.secret_outputs else v for k, v in self.outputs.items()}

    def to_json(self, key: bytes) -> dict[str, Any]:
        """The resource as ``pulumi stack export`` writes it (``ResourceV3``; empty fields left out)."""
        data: dict[str, Any] = {"urn": self.urn, "custom": self.custom}
        if self.delete:
            data["delete"] = True
        if self.id:
            data["id"] = self.id
        data["type"] = self.type
        if self.inputs:
            data["inputs"] = seal(self.inputs, self.secret_inputs, key)
        if self.outputs:
            data["outputs"] = seal(self.outputs, self.secret_outputs, key)
        optional: dict[str, Any] = {
            "parent": self.parent,
            "dependencies": self.dependencies,
            "provider": self.provider,
            "taint": self.taint,
            "propertyDependencies": self.property_dependencies,
            "deleteBeforeReplace": self.delete_before_replace,
            "additionalSecretOutputs": self.additional_secret_outputs,
            "importID": self.import_id,
            "created": self.created,
            "modified": self.modified,
        }
        data.update({k: v for k, v in optional.items() if v})
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], key: bytes) -> ResourceState:
        inputs, secret_inputs = unseal(data.get("inputs") or {}, key)
        outputs, secret_outputs = unseal(data.get("outputs") or {}, key)
        additional = list(data.get("additionalSecretOutputs") or [])
        return cls(
            urn=data["urn"],
            type=data["type"],
            id=data.get("id", ""),
            inputs=unwrap_secrets(inputs),
            outputs=unwrap_secrets(outputs),
            secret_inputs=secret_inputs,
            secret_outputs=secret_outputs | set(additional),
            dependencies=list(data.get("dependencies") or []),
            delete_before_replace=bool(data.get("deleteBeforeReplace", False)),
            custom=bool(data.get("custom", True)),
            parent=data.get("parent", ""),
            provider=data.get("provider", ""),
            additional_secret_outputs=additional,
            property_dependencies=dict(data.get("propertyDependencies") or {}),
            delete=bool(data.get("delete", False)),
            taint=bool(data.get("taint", False)),
            import_id=data.get("importID", ""),
            created=data.get("created"),
            modified=data.get("modified"),
        )


@dataclass
class PendingOperation:
    """An operation the engine started and had not seen finish when the state was written."""

    resource: ResourceState
    type: str  # one of OPERATIONS

    def to_json(self, key: bytes) -> dict[str, Any]:
        return {"resource": self.resource.to_json(key), "type": self.type}


class StackState:
    """Resources in creation order, the stack outputs and the pending operations; thread-safe; saved atomically.

    ``project`` and ``stack`` name the root resource of a new state; an existing file names its own.
    """

    def __init__(self, path: Path, *, project: str = "project", stack: str = "dev") -> None:
        self.path = path
        self.key_path = path.with_suffix(".key")
        self.lock = threading.RLock()
        if not self.key_path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Only its owner may read the key that opens the state's secrets.
            fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(32))
        self.key = self.key_path.read_bytes()
        self.root_urn = stack_urn(project, stack)
        self.resources: dict[str, ResourceState] = {}
        #: Originals of create-before-delete replacements, still to delete (``"delete": true`` in the file).
        self.pending_deletes: list[ResourceState] = []
        self.pending_operations: list[PendingOperation] = []
        self.outputs: dict[str, Any] = {}
        self.root_created: str | None = None
        self.provider_id = str(uuid.uuid4())
        if path.exists():
            self._load()

    # -- reading -------------------------------------------------------------------------------------

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError) as exc:
            raise StateFileError(f"{self.path} is not a state file: {exc}") from None
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION or "deployment" not in data:
            raise StateFileError(
                f"{self.path} is not a state file of the rehearsal (the shape of `pulumi stack export`, "
                f'"version": {FORMAT_VERSION}); move it away to start from an empty state'
            )
        deployment = data["deployment"]
        for item in deployment.get("resources") or []:
            if item.get("type") == STACK_TYPE:
                self.root_urn = item["urn"]
                self.root_created = item.get("created")
                outputs, secret_keys = unseal(item.get("outputs") or {}, self.key)
                # Stack outputs keep their secret wrappers (a resource keeps its secret keys beside its values).
                self.outputs = {k: wrap_secret(v) if k in secret_keys else v for k, v in outputs.items()}
            elif str(item.get("type", "")).startswith("pulumi:providers:"):
                self.provider_id = item.get("id") or self.provider_id
            else:
                resource = ResourceState.from_json(item, self.key)
                if resource.delete:
                    self.pending_deletes.append(resource)
                else:
                    self.resources[resource.urn] = resource
        for op in deployment.get("pending_operations") or []:
            self.pending_operations.append(
                PendingOperation(ResourceState.from_json(op["resource"], self.key), op["type"])
            )

    @property
    def project(self) -> str:
        return self.root_urn.split("::")[1]

    @property
    def stack(self) -> str:
        return self.root_urn.split("::")[0].removeprefix("urn:pulumi:")

    @property
    def provider_urn(self) -> str:
        """The default provider of dynamic resources: ``<its URN>::<its id>``, as a resource's ``provider``."""
        return f"urn:pulumi:{self.stack}::{self.project}::{PROVIDER_TYPE}::default::{self.provider_id}"

    def __iter__(self) -> Iterator[ResourceState]:
        with self.lock:
            return iter(list(self.resources.values()))

    def __len__(self) -> int:
        return len(self.resources)

    def get(self, urn: str) -> ResourceState | None:
        with self.lock:
            return self.resources.get(urn)

    def by_name(self, name: str) -> ResourceState:
        matches = [r for r in self if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources named {name!r} in the state")
        return matches[0]

    def deletion_order(self, urns: set[str] | None = None) -> list[list[ResourceState]]:
        """Waves of resources to delete: each wave has no dependents left among those still to delete."""
        with self.lock:
            remaining = {u: r for u, r in self.resources.items() if urns is None or u in urns}
        waves = []
        while remaining:
            wave = [
                r
                for u, r in remaining.items()
                if not any(u in other.dependencies or u == other.parent for o, other in remaining.items() if o != u)
            ]
            if not wave:  # a cycle cannot happen in Pulumi; fail loudly if it does here
                raise RuntimeError(f"dependency cycle among {sorted(remaining)}")
            waves.append(wave)
            for r in wave:
                del remaining[r.urn]
        return waves

    # -- changing ------------------------------------------------------------------------------------

    def put(self, resource: ResourceState) -> None:
        with self.lock:
            self.resources[resource.urn] = resource

    def remove(self, urn: str) -> None:
        with self.lock:
            self.resources.pop(urn, None)

    def begin(self, resource: ResourceState, operation: str) -> PendingOperation:
        """Record ``operation`` on ``resource`` as pending and checkpoint, before the provider is called."""
        assert operation in OPERATIONS, operation
        pending = PendingOperation(resource, operation)
        with self.lock:
            self.pending_operations.append(pending)
            self.save()
        return pending

    def end(self, pending: PendingOperation) -> None:
        """The operation returned (done or failed): no longer pending. The caller saves with its result."""
        with self.lock:
            self.pending_operations = [op for op in self.pending_operations if op is not pending]

    def clear_pending_creates(self) -> list[PendingOperation]:
        """``pulumi refresh --clear-pending-creates``: drop the pending creates; the ones dropped."""
        with self.lock:
            cleared = [op for op in self.pending_operations if op.type == "creating"]
            self.pending_operations = [op for op in self.pending_operations if op.type != "creating"]
            return cleared

    def carry_pending_operations(self) -> list[PendingOperation]:
        """The start of a deployment: the previous run's pending operations, as the engine reads them.

        Returns them (for its warning); of them only the pending creates stay in the new checkpoints, since
        only a person can tell whether such a create happened (``SnapshotManager.Snap``); the others end here.
        """
        with self.lock:
            previous = list(self.pending_operations)
            self.pending_operations = [op for op in previous if op.type == "creating"]
            return previous

    def save(self) -> None:
        """Write the checkpoint (atomically: a reader sees the previous one or this one, never half of one)."""
        with self.lock:  # also serializes the writes: one temp file per state
            now = timestamp()
            version = _engine_version()
            root: dict[str, Any] = {"urn": self.root_urn, "custom": False, "type": STACK_TYPE}
            if self.outputs:
                root["outputs"] = seal(self.outputs, set(), self.key)
            root["created"] = self.root_created = self.root_created or now
            root["modified"] = now
            provider = {
                "urn": self.provider_urn.rsplit("::", 1)[0],
                "custom": True,
                "id": self.provider_id,
                "type": PROVIDER_TYPE,
            }
            custom = [r for r in self.resources.values() if r.custom]
            resources = [root, provider] if custom or self.pending_deletes else [root]
            resources += [r.to_json(self.key) for r in self.resources.values()]
            resources += [r.to_json(self.key) for r in self.pending_deletes]
            deployment: dict[str, Any] = {
                "manifest": {"time": now, "magic": hashlib.sha256(version.encode()).hexdigest(), "version": version},
                "secrets_providers": {"type": SECRETS_PROVIDER, "state": {"keyFile": self.key_path.name}},
                "resources": resources,
            }
            if self.pending_operations:
                deployment["pending_operations"] = [op.to_json(self.key) for op in self.pending_operations]
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"version": FORMAT_VERSION, "deployment": deployment}, indent=4))
            os.replace(tmp, self.path)

    def raw_text(self) -> str:
        """The state file as stored on disk (what a scan for leaked values must search)."""
        return self.path.read_text() if self.path.exists() else ""
