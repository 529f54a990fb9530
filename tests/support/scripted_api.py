"""API clients whose answers come from the test: a :class:`KustomerClient` on ``httpx.MockTransport``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from kustomer_provider.client import KustomerClient

#: A real org's API host (never contacted: the transport answers).
ORG_URL = "https://acme.api.kustomerapp.com"
Handler = Callable[[httpx.Request], httpx.Response]


def scripted_client(handler: Handler, *, api_key: str, **options: Any) -> KustomerClient:
    """A client of the org ``acme`` whose every request ``handler`` answers; ``options`` go to the client
    (its retry policy, ``sleep``, ``clock``, seed...)."""
    return KustomerClient(base_url=ORG_URL, api_key=api_key, transport=httpx.MockTransport(handler), **options)
