"""`GET /_sim/state`: the control API's view of every org and app, without secret or token values."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from . import rules
from .records import Org, iso

__all__ = ["state_view"]


def state_view(orgs: Iterable[Org], now: float) -> dict[str, Any]:
    """Every org's apps as of `now`: versions, install status and attempts, and secret fingerprints."""
    view: dict[str, Any] = {}
    for org in orgs:
        apps: dict[str, Any] = {}
        for app in org.apps.values():
            installed = app.installed(now)
            newest = app.installs[-1] if app.installs else None
            apps[app.name] = {
                "app": app.app,
                "name": app.name,
                "clientId": app.client_id,
                "versions": {
                    v: {**copy.deepcopy(rec.definition), "createdAt": iso(rec.created_at)}
                    for v, rec in app.versions.items()
                },
                "installed": None
                if newest is None
                else {
                    "version": installed.version if installed else None,
                    "status": newest.status(now),
                    "error": newest.error(now),
                },
                "installs": [
                    {
                        "version": i.version,
                        "status": i.status(now),
                        "error": i.error(now),
                        "startedAt": iso(i.started_at),
                    }
                    for i in app.installs
                ],
                "secret": {
                    "current_fingerprint": rules.fingerprint_of_hash(app.secret_hash) if app.secret_hash else None,
                    "minted": app.minted,
                    "revoked_fingerprints": list(app.revoked),
                },
            }
        view[org.name] = {"id": org.id, "apps": apps}
    return {"orgs": view}
