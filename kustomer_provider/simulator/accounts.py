"""Orgs and API keys: who a request's key acts as, in which org and pod."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from . import rules
from .records import Org, Principal

__all__ = ["Accounts"]


@dataclass(frozen=True)
class _Key:
    roles: frozenset[str]
    org: str
    pod: str


class Accounts:
    """The simulated orgs (created on demand) and the API keys; the store's lock guards every change."""

    def __init__(self, *, pod: str, default_org: str) -> None:
        self.pod = pod
        self.default_org = default_org
        self.orgs: dict[str, Org] = {}
        self._keys: dict[str, _Key] = {}

    def ensure_org(self, name: str) -> Org:
        """The org of that name, created on demand."""
        org = self.orgs.get(name)
        if org is None:
            org = self.orgs[name] = Org(name=name, id=rules.org_id_for(name))
        return org

    def add_key(self, key: str, roles: Iterable[str], org: str | None = None, pod: str | None = None) -> Org:
        """Add (or replace) an API key; its org is created on demand."""
        target = self.ensure_org(org or self.default_org)
        self._keys[key] = _Key(roles=frozenset(roles), org=target.name, pod=pod or self.pod)
        return target

    def key_principal(self, token: str) -> tuple[Principal, bool] | None:
        """Who an API key is, and whether it belongs to this pod; None if it is not a key."""
        key = self._keys.get(token)  # one dict read: atomic, safe without the lock
        if key is None:
            return None
        return Principal(org=key.org, roles=key.roles, pod=key.pod), key.pod == self.pod
