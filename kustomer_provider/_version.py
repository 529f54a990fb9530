"""The package's version, read from the installed distribution's metadata (one place: ``pyproject.toml``)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, metadata, version
from typing import Final

__all__ = ["DISTRIBUTION", "UNKNOWN_VERSION", "__version__", "project_url"]

#: The distribution name on an index (``pip install kustomer-pulumi``); the import name is ``kustomer_provider``.
DISTRIBUTION: Final = "kustomer-pulumi"
#: What ``__version__`` says when the package runs from a source tree that was never installed (a PEP 440
#: version that sorts below every release).
UNKNOWN_VERSION: Final = "0+unknown"


def _installed_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return UNKNOWN_VERSION


__version__: Final = _installed_version()


def project_url(label: str) -> str | None:
    """The ``[project.urls]`` entry ``label`` of ``pyproject.toml`` (``"Issues"``), as the installed distribution's
    metadata has it; ``None`` when the package was never installed or has no such entry."""
    try:
        entries = metadata(DISTRIBUTION).get_all("Project-URL") or []
    except PackageNotFoundError:
        return None
    for entry in entries:
        name, _, url = entry.partition(",")
        if name.strip().lower() == label.lower() and url.strip():
            return url.strip()
    return None
