"""The ``make_engine`` fixture's type, and how it points the dev stack's registered clients at a simulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kustomer_provider.rehearsal.engine import Engine

from . import dev_clients
from .dev_stack import dev_stack_config

#: ``make_engine(config=None, *, program=None, registered_clients=False, **engine_options) -> Engine``.
EngineFactory = Callable[..., Engine]


def clients_pointed_at(config: dict[str, Any], url: str) -> list[dict[str, Any]]:
    """The stack's ``kustomer:registeredClients``, those aimed at the dev simulator aimed at ``url`` instead."""
    return dev_clients.clients_pointed_at(config, url, dev_stack_config()["kustomer:baseUrl"])
