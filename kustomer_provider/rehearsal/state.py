"""The harness's stack state: a checkpoint file like Pulumi's, secrets encrypted with the stack's key."""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .values import seal, unseal, unwrap_secrets, wrap_secret


@dataclass
class ResourceState:
    """One resource in the state: plaintext in memory; ``secret_keys`` are encrypted on disk."""

    urn: str
    type: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    secret_inputs: set[str] = field(default_factory=set)
    secret_outputs: set[str] = field(default_factory=set)
    dependencies: list[str] = field(default_factory=list)
    delete_before_replace: bool = False

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    def outputs_for_program(self) -> dict[str, Any]:
        """Outputs as the engine returns them to the program: secret ones wrapped."""
        return {k: wrap_secret(v) if k in self.secret_outputs else v for k, v in self.outputs.items()}

    def to_json(self, key: bytes) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "id": self.id,
            "inputs": seal(self.inputs, self.secret_inputs, key),
            "outputs": seal(self.outputs, self.secret_outputs, key),
            "dependencies": self.dependencies,
            "deleteBeforeReplace": self.delete_before_replace,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], key: bytes) -> ResourceState:
        inputs, secret_inputs = unseal(data["inputs"], key)
        outputs, secret_outputs = unseal(data["outputs"], key)
        return cls(
            urn=data["urn"],
            type=data["type"],
            id=data["id"],
            inputs=unwrap_secrets(inputs),
            outputs=unwrap_secrets(outputs),
            secret_inputs=secret_inputs,
            secret_outputs=secret_outputs,
            dependencies=list(data.get("dependencies", [])),
            delete_before_replace=bool(data.get("deleteBeforeReplace", False)),
        )


class StackState:
    """Resources in creation order, plus the stack outputs; thread-safe; saved atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.key_path = path.with_suffix(".key")
        self._lock = threading.RLock()
        if not self.key_path.exists():
            self.key_path.write_bytes(secrets.token_bytes(32))
        self.key = self.key_path.read_bytes()
        self.resources: dict[str, ResourceState] = {}
        self.outputs: dict[str, Any] = {}
        if path.exists():
            data = json.loads(path.read_text())
            for item in data.get("resources", []):
                resource = ResourceState.from_json(item, self.key)
                self.resources[resource.urn] = resource
            self.outputs = unseal(data.get("outputs", {}), self.key)[0]

    def __iter__(self) -> Iterator[ResourceState]:
        with self._lock:
            return iter(list(self.resources.values()))

    def __len__(self) -> int:
        return len(self.resources)

    def get(self, urn: str) -> ResourceState | None:
        with self._lock:
            return self.resources.get(urn)

    def put(self, resource: ResourceState) -> None:
        with self._lock:
            self.resources[resource.urn] = resource

    def remove(self, urn: str) -> None:
        with self._lock:
            self.resources.pop(urn, None)

    def by_name(self, name: str) -> ResourceState:
        matches = [r for r in self if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources named {name!r} in the state")
        return matches[0]

    def deletion_order(self, urns: set[str] | None = None) -> list[list[ResourceState]]:
        """Waves of resources to delete: each wave has no dependents left among those still to delete."""
        with self._lock:
            remaining = {u: r for u, r in self.resources.items() if urns is None or u in urns}
        waves = []
        while remaining:
            wave = [
                r
                for u, r in remaining.items()
                if not any(u in other.dependencies for o, other in remaining.items() if o != u)
            ]
            if not wave:  # a cycle cannot happen in Pulumi; fail loudly if it does here
                raise RuntimeError(f"dependency cycle among {sorted(remaining)}")
            waves.append(wave)
            for r in wave:
                del remaining[r.urn]
        return waves

    def save(self) -> None:
        with self._lock:  # also serializes the writes: one temp file per state
            data = {
                "version": 1,
                "resources": [r.to_json(self.key) for r in self.resources.values()],
                "outputs": seal(self.outputs, set(), self.key),
            }
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=2, sort_keys=True))
            os.replace(tmp, self.path)

    def raw_text(self) -> str:
        """The state file as stored on disk (what a scan for leaked values must search)."""
        return self.path.read_text() if self.path.exists() else ""
