"""The ``[simulator]`` extra admits exactly the versions the suite runs with, and no release that may break.

``requirements.txt`` pins the extra's packages (the dev stack and every test run on those pins); the extra in
``pyproject.toml`` is what a user's ``pip install 'kustomer-pulumi[simulator]'`` gets. Each bound is
``>=<pin>,<<next release that may break>>`` (semver: the next major; for 0.x the next minor; for 0.0.x the next
patch), so moving a pin without the extra, or the extra without the pin, fails here (docs/install.md).
"""

from __future__ import annotations

import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.support.paths import REPO_ROOT

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
REQUIREMENTS = ("requirements.txt", "requirements-dev.txt")


def pins() -> dict[str, Version]:
    """Every ``name==version`` line of the requirements files."""
    pinned = {}
    for name in REQUIREMENTS:
        for line in (REPO_ROOT / name).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if not line or line.startswith("-"):
                continue
            requirement = Requirement(line)
            exact = [s for s in requirement.specifier if s.operator == "=="]
            if exact:
                pinned[canonicalize_name(requirement.name)] = Version(exact[0].version)
    return pinned


def next_breaking(version: Version) -> str:
    """The first release that semver lets break ``version``'s API."""
    if version.major:
        return f"{version.major + 1}"
    if version.minor:
        return f"0.{version.minor + 1}"
    return f"0.0.{version.micro + 1}"


EXTRA = [Requirement(r) for r in PYPROJECT["project"]["optional-dependencies"]["simulator"]]
CORE = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]


@pytest.mark.parametrize("requirement", EXTRA, ids=lambda r: r.name)
def test_the_simulator_extra_is_bounded_by_the_pin(requirement: Requirement) -> None:
    pinned = pins().get(canonicalize_name(requirement.name))
    assert pinned is not None, f"{requirement.name} is in the [simulator] extra but pinned in no requirements file"
    expected = SpecifierSet(f">={pinned},<{next_breaking(pinned)}")
    assert requirement.specifier == expected, (
        f"the extra says {requirement}; with the pin {pinned} it must be {requirement.name}{expected}"
    )


def test_every_pinned_runtime_package_is_a_dependency_or_in_the_extra() -> None:
    """requirements.txt installs the package with its extra: whatever else it pins, the extra or core declares."""
    declared = {canonicalize_name(r.name) for r in [*CORE, *EXTRA]}
    runtime = {
        canonicalize_name(Requirement(line.split("#", 1)[0].strip()).name)
        for line in (REPO_ROOT / "requirements.txt").read_text().splitlines()
        if line.split("#", 1)[0].strip() and not line.lstrip().startswith("-")
    }
    assert runtime - declared == set()


@pytest.mark.parametrize("requirement", CORE, ids=lambda r: r.name)
def test_the_core_dependencies_admit_the_pinned_version(requirement: Requirement) -> None:
    pinned = pins().get(canonicalize_name(requirement.name))
    if pinned is not None:
        assert requirement.specifier.contains(pinned), f"{requirement} does not admit the pinned {pinned}"


def test_next_breaking_follows_semver() -> None:
    assert [next_breaking(Version(v)) for v in ("3.272.0", "0.163.2", "0.0.34")] == ["4", "0.164", "0.0.35"]
