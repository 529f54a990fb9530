"""Tests for your own Pulumi program: a pytest plugin that runs its ``up`` against a local Kustomer simulator.

Installed with ``kustomer-pulumi[simulator]``, it is registered with pytest (the ``pytest11`` entry point), so a
test only names the fixture::

    import pytest

    @pytest.mark.kustomer_stack(config={"kustomer:orgName": "acme"})
    def test_the_secret_stays_secret(kustomer_stack):
        assert kustomer_stack.outputs["client_secret"].secret

``kustomer_stack`` reads the project around the test file (the nearest folder up with a ``Pulumi.yaml``), starts
the embedded simulator, runs the program's ``up`` (the engine's part played by :mod:`kustomer_provider.rehearsal`,
the provider the real one), hands the test a :class:`KustomerStack` (its ``outputs`` as :class:`OutputValue`,
value and secrecy, as the Automation API's), and destroys everything afterwards. The marker's keywords are its
options (:class:`StackOptions`): ``project_dir``, ``stack`` (default ``test``; its ``Pulumi.<stack>.yaml`` is
read when there is one), ``config`` and ``secret_config`` (over the stack file's), ``simulator_args``.

This module holds only the fixture and the marker; importing it is cheap (pytest loads it for everyone who has
the package): the machinery, :mod:`kustomer_provider.testing._stack`, is imported when a test asks for it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._stack import KustomerStack, OutputValue, StackFailed, StackOptions

__all__ = ["KustomerStack", "OutputValue", "StackFailed", "StackOptions", "kustomer_stack", "pytest_configure"]

MARKER = "kustomer_stack"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(project_dir=None, stack='test', config=None, secret_config=None, simulator_args=()): options of "
        "the kustomer_stack fixture (kustomer-pulumi: your program's up against a local Kustomer simulator)",
    )


@pytest.fixture
def kustomer_stack(request: pytest.FixtureRequest) -> Iterator[KustomerStack]:
    """Your program's ``up`` against a local Kustomer simulator; destroyed after the test."""
    from ._stack import KustomerStack, StackFailed, StackOptions

    marker = request.node.get_closest_marker(MARKER)
    options = StackOptions.from_marker(marker.args if marker else (), marker.kwargs if marker else {}, request.path)
    stack = KustomerStack(options)
    try:
        stack.start()
    except StackFailed as failed:
        pytest.fail(str(failed), pytrace=False)
    try:
        yield stack
    finally:
        stack.close()


def __getattr__(name: str) -> Any:
    """The machinery's public names, imported when first asked for."""
    if name in ("KustomerStack", "OutputValue", "StackFailed", "StackOptions"):
        return getattr(importlib.import_module("._stack", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
