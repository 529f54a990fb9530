"""The state file: its JSON shape (orgs, apps, OAuth grants, sections), how it is read, and the atomic write.

The file holds no secret or token value: only their sha256 hashes and fingerprints.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

from .records import AppRecord, Grant, Install, Org, VersionRecord

__all__ = [
    "STATE_FORMAT",
    "StateSection",
    "grants_from_json",
    "grants_to_json",
    "orgs_from_json",
    "orgs_to_json",
    "read_state_file",
    "write_state_file",
]

STATE_FORMAT = 1


class StateSection(Protocol):
    """A part of the state kept by another module (the other platforms), saved in the same state file.

    `/_sim/state` does not show it (its shape is Kustomer's orgs only); the section has its own control reads.

    The store calls these under its lock; the section changes its data only inside `Store.transaction()`.
    """

    def to_json(self) -> Any:
        """The section's data for the state file (no secret values)."""

    def load_json(self, data: Any) -> None:
        """Take back what `to_json` gave (raise ValueError, KeyError or TypeError on a bad file)."""

    def reset(self) -> None:
        """Back to the section's empty state (what `/_sim/reset` means for it)."""


def orgs_to_json(orgs: dict[str, Org]) -> dict[str, Any]:
    """Every org with its apps, versions, installs and secret hash."""
    return {
        org.name: {
            "id": org.id,
            "apps": {
                app.name: {
                    "app": app.app,
                    "name": app.name,
                    "clientId": app.client_id,
                    "visibility": app.visibility,
                    "versions": {
                        v: {"definition": r.definition, "createdAt": r.created_at, "seq": r.seq}
                        for v, r in app.versions.items()
                    },
                    "installs": [i.__dict__.copy() for i in app.installs],
                    "secret": {"hash": app.secret_hash, "minted": app.minted, "revoked": app.revoked},
                }
                for app in org.apps.values()
            },
        }
        for org in orgs.values()
    }


def orgs_from_json(data: dict[str, Any]) -> dict[str, Org]:
    """Take back what `orgs_to_json` gave."""
    orgs: dict[str, Org] = {}
    for org_name, org_data in data.items():
        org = Org(name=org_name, id=org_data["id"])
        for app_name, a in org_data["apps"].items():
            org.apps[app_name] = AppRecord(
                app=a["app"],
                name=a["name"],
                client_id=a["clientId"],
                visibility=a["visibility"],
                versions={
                    v: VersionRecord(definition=r["definition"], created_at=r["createdAt"], seq=r["seq"])
                    for v, r in a["versions"].items()
                },
                installs=[Install(**i) for i in a["installs"]],
                secret_hash=a["secret"]["hash"],
                minted=a["secret"]["minted"],
                revoked=list(a["secret"]["revoked"]),
            )
        orgs[org_name] = org
    return orgs


def grants_to_json(grants: dict[str, Grant]) -> dict[str, Any]:
    """Grants by hash, as plain objects."""
    return {h: g.__dict__.copy() for h, g in grants.items()}


def grants_from_json(data: dict[str, Any]) -> dict[str, Grant]:
    """Take back what `grants_to_json` gave."""
    return {h: Grant(**g) for h, g in data.items()}


def read_state_file(path: Path) -> dict[str, Any]:
    """The state file's content, checked to be a simulator state file of `STATE_FORMAT`."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
        raise ValueError(f"{path} is not a simulator state file (format {STATE_FORMAT})")
    return data


def write_state_file(path: Path, state: dict[str, Any]) -> None:
    """Write the state file atomically (temp file in the same directory, fsync, replace)."""
    payload = json.dumps({"format": STATE_FORMAT, **state}, indent=1, sort_keys=True).encode()
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
