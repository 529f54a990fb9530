"""Whose a registered version is: the owner marker every ``KustomerPrivateApp`` writes into its definitions.

Kustomer keeps every registered version forever, returns its whole definition in the available app's
attributes, and has no other field a client may set. So each version this provider registers carries, in the
definition's documented ``meta`` key, the marker of the resource that registered it
(``meta.pulumiOwner``, :data:`~.assumptions.OWNER_MARKER_META_KEY`): ``<project>/<stack>/<resource name>``,
derived by the resource class from ``pulumi.get_project()``, ``pulumi.get_stack()`` and its name. It is
deterministic (the same resource writes the same marker in every run) and holds nothing secret.

With it a resource tells, from the API alone, what it meets:

- its **own** version (its marker, exactly its definition): a create interrupted after Kustomer committed the
  register and before the engine saved the state, or a ``pulumi destroy``; it takes it over, with no user action;
- a version **handed over** to it: the marker the user named in ``take_over_from``;
- **another's** version (another marker): another stack manages the app; refused, naming it;
- an **unmarked** version: registered by hand, or by a provider version that wrote no marker; only
  ``adopt_existing`` takes it, as before.

And the app's newest version says which resource manages the app now: a resource refuses to register or adopt
a version of an app whose newest version carries another resource's marker, because two stacks managing one
app revoke each other's client secrets (a new secret revokes the previous one).

Nothing here calls Kustomer: the caller passes the versions it listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from . import assumptions
from .answers import AvailableApp
from .fields import check_owner_marker
from .versions import SemVer

__all__ = ["Claim", "OwnerView", "marker_of", "newest", "owner_marker", "with_marker"]

ClaimKind = Literal["own", "handed_over", "other", "unmarked"]


def owner_marker(project: str, stack: str, resource_name: str) -> str:
    """The marker of one resource: ``<project>/<stack>/<resource name>``."""
    return f"{project}/{stack}/{resource_name}"


def with_marker(definition: Mapping[str, Any], marker: str | None) -> dict[str, Any]:
    """``definition`` as registered: ``meta.pulumiOwner`` set to ``marker`` (``meta`` created if absent).

    No marker (``None``: a resource of older code, or a direct call) or a ``meta`` that is not a map (nothing to
    add a key to): the definition unchanged.
    """
    out = dict(definition)
    if marker is None:
        return out
    meta = out.get("meta")
    if meta is None:
        out["meta"] = {assumptions.OWNER_MARKER_META_KEY: marker}
    elif isinstance(meta, dict):
        out["meta"] = {**meta, assumptions.OWNER_MARKER_META_KEY: marker}
    return out


def marker_of(version: AvailableApp) -> str | None:
    """The owner marker a registered version carries, if any.

    Only a well-formed marker counts (one line, ``<project>/<stack>/<resource name>``, as this provider writes
    them): anything else under the key, written by someone else, says nothing of an owner and never reaches a
    message.
    """
    meta = version.attributes.get("meta")
    marker = meta.get(assumptions.OWNER_MARKER_META_KEY) if isinstance(meta, dict) else None
    if not isinstance(marker, str):
        return None
    try:
        return check_owner_marker(marker)
    except ValueError:
        return None


def newest(versions: Iterable[AvailableApp]) -> AvailableApp | None:
    """The highest version (semver precedence), if any."""
    return max(versions, key=lambda v: SemVer.parse(v.version), default=None)


@dataclass(frozen=True)
class Claim:
    """What one registered version is to a resource."""

    kind: ClaimKind
    #: The marker the version carries (``None``: unmarked).
    marker: str | None
    #: Whether it holds exactly the resource's definition (markers aside).
    same_definition: bool


@dataclass(frozen=True)
class OwnerView:
    """A resource's view of ownership: the markers that are its own, and the one it may take over."""

    #: Its marker now, and the one its state recorded when it last registered (a renamed stack or resource).
    own: frozenset[str]
    #: ``take_over_from``: another resource's marker, named by the user.
    handed_over: str | None = None

    @classmethod
    def of(cls, *markers: str | None, handed_over: str | None = None) -> OwnerView:
        """The view from this resource's markers (``None`` ones skipped)."""
        return cls(frozenset(m for m in markers if m), handed_over)

    def claim(self, version: AvailableApp, definition: Mapping[str, Any]) -> Claim:
        """What ``version`` is to this resource, whose definition (without its marker) is ``definition``."""
        marker = marker_of(version)
        same = version.matches_definition(with_marker(definition, marker))
        if marker is None:
            return Claim("unmarked", None, same)
        if marker in self.own:
            return Claim("own", marker, same)
        if marker == self.handed_over:
            return Claim("handed_over", marker, same)
        return Claim("other", marker, same)

    def manager_elsewhere(self, versions: Iterable[AvailableApp]) -> tuple[AvailableApp, str] | None:
        """The app's newest version and its marker when that marker is another resource's (and not handed over)."""
        latest = newest(versions)
        if latest is None:
            return None
        marker = marker_of(latest)
        if marker is None or marker in self.own or marker == self.handed_over:
            return None
        return latest, marker
