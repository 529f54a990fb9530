"""Versions as Kustomer orders them: semantic versions, pre-releases below their release.

Kustomer accepts a new version of an app only above the latest registered one; everything that compares
versions (the resources' checks, the install states, the client's "newest version") uses :class:`SemVer`.
"""

from __future__ import annotations

import semver

__all__ = ["SemVer", "at_least"]


class SemVer(semver.Version):
    """A version as Kustomer accepts it, ordered by semver precedence (pre-releases below their release).

    Parsing and ordering are the ``semver`` package's (semver 2.0.0: ASCII digits, no leading zeros, the
    whole text); Kustomer's rule on top: ``MAJOR.MINOR.PATCH[-prerelease]`` only, no build metadata
    (``+build``), which Kustomer's versions never carry and which semver ignores when ordering.
    """

    __slots__ = ()

    @classmethod
    def parse(cls, version: object, optional_minor_and_patch: bool = False) -> SemVer:
        """Parse ``version``; ``ValueError`` with a message saying the expected form if it is not one."""
        problem = ValueError(
            f"must be a semantic version MAJOR.MINOR.PATCH with an optional pre-release, "
            f"such as '1.0.0' or '1.5.0-beta'; got {_cut(repr(version))}"
        )
        if not isinstance(version, str) or optional_minor_and_patch or "+" in version:
            raise problem
        try:
            parsed = super().parse(version)
        except ValueError:
            raise problem from None
        return parsed

    def next_patch(self) -> SemVer:
        """The smallest ordinary release above this one (for suggestions in messages)."""
        return SemVer(self.major, self.minor, self.patch if self.prerelease else self.patch + 1)

    def next_major(self) -> SemVer:
        """The next major release (for suggestions in messages)."""
        return SemVer(self.major + 1)


def _cut(text: str) -> str:
    return text if len(text) <= 80 else f"{text[:77]}..."


def at_least(version: str, wanted: str) -> bool:
    """Whether ``version`` is ``wanted`` or above; a text that is not a version only equals itself."""
    try:
        return SemVer.parse(version) >= SemVer.parse(wanted)
    except ValueError:
        return version == wanted
