"""A harness stack's state in the shape of ``pulumi stack export`` (version 3), as the inventory reads it.

The Pulumi CLI cannot run here; the engine harness keeps its state in a file of its own (version 1). This writes
what ``pulumi stack export`` would print for the same resources: a ``deployment`` with the root stack resource
first and each resource's ``urn``, ``custom``, ``type``, ``id``, ``inputs`` and ``outputs``; secret outputs as
Pulumi's secret objects, encrypted (``ciphertext``, an opaque stand-in) or, as ``--show-secrets`` writes them, in the
clear (``plaintext``: the value as JSON text).
"""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path
from typing import Any

from kustomer_provider.rehearsal.engine import Engine

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


def _secret(value: Any, show_secrets: bool) -> dict[str, Any]:
    if show_secrets:
        return {SIG_KEY: SECRET_SIG, "plaintext": json.dumps(value)}
    return {SIG_KEY: SECRET_SIG, "ciphertext": "v1:" + base64.b64encode(secrets.token_bytes(24)).decode()}


def stack_export(engine: Engine, *, show_secrets: bool = False) -> dict[str, Any]:
    """The export of ``engine``'s stack."""
    root = f"urn:pulumi:{engine.stack}::{engine.project}::pulumi:pulumi:Stack::{engine.project}-{engine.stack}"
    resources: list[dict[str, Any]] = [{"urn": root, "custom": False, "type": "pulumi:pulumi:Stack"}]
    for resource in engine.state:
        outputs = {
            key: _secret(value, show_secrets) if key in resource.secret_outputs else value
            for key, value in resource.outputs.items()
        }
        inputs = {
            key: _secret(value, show_secrets) if key in resource.secret_inputs else value
            for key, value in resource.inputs.items()
        }
        resources.append(
            {
                "urn": resource.urn,
                "custom": True,
                "id": resource.id,
                "type": resource.type,
                "inputs": inputs,
                "outputs": outputs,
                "parent": root,
                "dependencies": resource.dependencies,
            }
        )
    return {
        "version": 3,
        "deployment": {
            "manifest": {"time": "2026-12-01T00:00:00Z", "magic": "", "version": "v3.272.0"},
            "secrets_providers": {"type": "passphrase", "state": {"salt": "v1:stand-in"}},
            "resources": resources,
        },
    }


def write_export(engine: Engine, path: Path, *, show_secrets: bool = False) -> Path:
    """:func:`stack_export` written to ``path``."""
    path.write_text(json.dumps(stack_export(engine, show_secrets=show_secrets), indent=2))
    return path
