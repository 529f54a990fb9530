"""The ``kustomer_stack`` fixture's machinery: a project's stack brought up against a simulator, then destroyed.

:class:`KustomerStack` works as the fixture's value and, outside pytest, as a context manager::

    with KustomerStack(StackOptions(project_dir=Path("."))) as stack:
        print(stack.outputs)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from ..rehearsal.engine import Result
from ..rehearsal.project import RehearsalError
from ..rehearsal.session import OutputValue, Rehearsal
from ..simulator import SimulatorProcess

__all__ = ["KustomerStack", "OutputValue", "StackFailed", "StackOptions"]


class StackFailed(AssertionError):
    """The stack's operation failed (or could not start): the message is what the Pulumi CLI would print."""


@dataclass(frozen=True)
class StackOptions:
    """The fixture's options, from the ``kustomer_stack`` marker's keywords."""

    project_dir: Path
    stack: str = "test"
    config: Mapping[str, Any] = field(default_factory=dict)
    secret_config: Mapping[str, str] = field(default_factory=dict)
    simulator_args: Sequence[str] = ()
    #: Whether the stack's file must exist (it must when a test names the stack).
    require_stack_file: bool = False

    @classmethod
    def from_marker(cls, args: Sequence[Any], kwargs: Mapping[str, Any], test_path: Path) -> StackOptions:
        """The options a test's marker gives; the project is the nearest folder up from the test with a
        ``Pulumi.yaml`` unless ``project_dir`` names one (relative to the test file)."""
        if args:
            raise TypeError("@pytest.mark.kustomer_stack takes keyword arguments only, e.g. stack='test'")
        known = {"project_dir", "stack", "config", "secret_config", "simulator_args"}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise TypeError(
                f"@pytest.mark.kustomer_stack got unknown keyword(s) {', '.join(unknown)}; it takes "
                f"{', '.join(sorted(known))}"
            )
        given = kwargs.get("project_dir")
        project_dir = (test_path.parent / given).resolve() if given is not None else _project_around(test_path)
        return cls(
            project_dir=project_dir,
            stack=str(kwargs.get("stack", "test")),
            config=dict(kwargs.get("config") or {}),
            secret_config=dict(kwargs.get("secret_config") or {}),
            simulator_args=tuple(kwargs.get("simulator_args") or ()),
            require_stack_file="stack" in kwargs,
        )


def _project_around(test_path: Path) -> Path:
    for folder in test_path.resolve().parents:
        if (folder / "Pulumi.yaml").is_file():
            return folder
    raise TypeError(
        f"No Pulumi.yaml in any folder above {test_path}: name the project with "
        "@pytest.mark.kustomer_stack(project_dir=...)"
    )


class KustomerStack:
    """A project's stack, up against a local Kustomer simulator, destroyed at the end."""

    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.rehearsal: Rehearsal | None = None
        #: The first ``up``.
        self.result: Result | None = None
        #: The ``destroy`` at the end.
        self.destroyed: Result | None = None

    # -- life cycle ----------------------------------------------------------------------------------

    def start(self) -> KustomerStack:
        """Start the simulator and run ``up``; :class:`StackFailed` (with the CLI's rendering) when it fails."""
        try:
            self.rehearsal = Rehearsal(
                self.options.project_dir,
                stack=self.options.stack,
                config=self.options.config,
                secret_config=self.options.secret_config,
                simulator_args=self.options.simulator_args,
                stack_file_optional=not self.options.require_stack_file,
            )
            self.rehearsal.start()
        except (RehearsalError, ImportError) as exc:
            self.close()
            raise StackFailed(str(exc)) from None
        try:
            self.result = self.up()
        except BaseException:
            try:
                self.close()  # what the failed up made is destroyed, and the simulator stopped, all the same
            except StackFailed:
                pass  # the up's failure is the one to tell
            raise
        return self

    def close(self) -> None:
        """Destroy what the stack made (once), then stop the simulator."""
        try:
            if self.rehearsal is not None and self.rehearsal.simulator is not None and self.destroyed is None:
                self.destroyed = self.rehearsal.destroy()
                self._check("destroy", self.destroyed)
        finally:
            if self.rehearsal is not None:
                self.rehearsal.close()

    def __enter__(self) -> KustomerStack:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- operations ----------------------------------------------------------------------------------

    def _running(self) -> Rehearsal:
        if self.rehearsal is None or self.rehearsal.simulator is None:
            raise RuntimeError("the stack is not running: use it as the kustomer_stack fixture or a context manager")
        return self.rehearsal

    def _check(self, operation: str, result: Result) -> Result:
        if not result.ok:
            raise StackFailed(f"The stack's {operation} failed; the Pulumi CLI would print:\n{result.rendered}")
        return result

    def up(self) -> Result:
        """``pulumi up`` again (after a change of :attr:`config`, say); :class:`StackFailed` when it fails."""
        return self._check("up", self._running().up())

    def preview(self) -> Result:
        return self._check("preview", self._running().preview())

    def refresh(self) -> Result:
        return self._check("refresh", self._running().refresh())

    @property
    def config(self) -> dict[str, Any]:
        """The stack config the next operation uses (change it, then :meth:`up`)."""
        return self._running().engine.config

    # -- what it made --------------------------------------------------------------------------------

    @property
    def outputs(self) -> dict[str, OutputValue]:
        """The stack outputs of the last operation, each with whether it is secret."""
        return self._running().outputs()

    @property
    def simulator(self) -> SimulatorProcess:
        """The simulator the stack runs against (its URL, its control API: state, faults, requests)."""
        simulator = self._running().simulator
        assert simulator is not None
        return simulator

    def __repr__(self) -> str:
        options = self.options
        return f"KustomerStack(project_dir={str(options.project_dir)!r}, stack={options.stack!r})"
