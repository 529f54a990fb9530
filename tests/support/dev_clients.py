"""The dev stack's registered clients for the harness: their secrets and their endpoint, as ``scripts/dev-up`` gives them.

``stacks/Pulumi.dev.yaml`` declares one client per platform (the simulator's built-in dev clients, reached at
``http://127.0.0.1:8787``) and names the secret config key of each; ``scripts/dev-up`` sets those keys with
``pulumi config set --secret``. A harness run of the dev stack (the tests' ``make_engine``, a rehearsal) passes
:data:`DEV_CLIENT_SECRETS` as secret config and points the clients at its own simulator with
:func:`clients_pointed_at`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = ["DEV_CLIENT_SECRETS", "clients_pointed_at"]

#: The simulator's built-in dev clients' secrets (docs/simulator.md): local-only values, not secrets of anyone.
DEV_CLIENT_SECRETS: Final[Mapping[str, str]] = {
    "kustomer:teamworkClientSecret": "sim-dev-teamwork-secret",
    "kustomer:komerzaClientSecret": "sim-dev-komerza-secret-".ljust(72, "x"),
    "kustomer:apaleoClientSecret": "sim-dev-apaleo-secret",
}


def clients_pointed_at(config: Mapping[str, Any], url: str, dev_url: str) -> list[dict[str, Any]]:
    """``config``'s ``kustomer:registeredClients``, those aimed at ``dev_url`` (the dev simulator) aimed at ``url``."""
    clients = config.get("kustomer:registeredClients") or []
    return [{**c, "endpointBaseUrl": url} if c.get("endpointBaseUrl") == dev_url else c for c in clients]
