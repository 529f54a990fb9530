"""The engine's stand-in: plays the Pulumi engine for ``up``, ``preview``, ``refresh`` and ``destroy``.

Where the Pulumi CLI is not installed, this drives the SDK's real dynamic-provider server
(``python -m pulumi.dynamic``) over gRPC exactly as the engine does, while the program runs under the SDK's mocks
in a process of its own (:mod:`~kustomer_provider.rehearsal.program_host`). The state lives in a file between
runs, secrets encrypted, in the shape of ``pulumi stack export`` (:mod:`~kustomer_provider.rehearsal.state`).

    engine = Engine(workdir, program=project / "__main__.py", config={"kustomer:baseUrl": sim.url, ...},
                    secret_config={"kustomer:apiKey": key})
    result = engine.up()
    result.outputs["apps"]["stackone_link"]["clientSecret"]   # the value
    result.is_secret("apps.stackone_link.clientSecret")       # True
    print(result.rendered)                                   # the "Diagnostics:" section, as the CLI prints it
    engine.refresh(); engine.destroy()

Before each operation the stack config is completed with the defaults of the program's ``Pulumi.yaml`` and
checked against it, as the CLI does (:mod:`~kustomer_provider.rehearsal.project`): a key the stack leaves unset
reaches the program and the provider as its declared default, and a declared key with no default is required.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .deployment import Deployment, EngineReported
from .diagnostics import ERROR, INFOERR, PROVIDER_STDERR_STREAM, Diagnostic, render_section, resource_lines
from .project import ProjectConfigError, apply_project_config, load_project
from .provider_process import child_env
from .provider_server import ProviderServer
from .state import StackState, stack_urn
from .values import secret_paths, unwrap_secrets

__all__ = ["DeploymentFailed", "Engine", "Result"]


class DeploymentFailed(AssertionError):
    """The operation failed; the message is what the CLI would print."""


_RUN_TOGETHER = re.compile(r"(?<=\S)(?=(?:debug|info|warning|error): )")


def provider_stderr_diagnostics(stderr: str) -> list[Diagnostic]:
    """The provider's stderr as the engine relays a dynamic provider plugin's: each non-blank line an ``infoerr``
    diagnostic without a resource, on the plugin's own stream (``runtrace``, ``plugin.go``)."""
    return [Diagnostic("", INFOERR, line, PROVIDER_STDERR_STREAM) for line in stderr.split("\n") if line.strip()]


@dataclass
class Result:
    """What one engine operation did, and what the CLI would have printed about its problems."""

    ok: bool
    steps: list[tuple[str, str, str]]
    raw_outputs: dict[str, Any] = field(default_factory=dict)
    check_failures: list[tuple[str, str, str]] = field(default_factory=list)
    provider_stderr: str = ""
    provider_calls: dict[str, int] = field(default_factory=dict)
    changes: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)
    #: The harness's own traceback of what stopped the operation (for debugging the harness, not what users see).
    traceback: str = ""
    #: Seconds from the program's start (or the operation's first provider call) to its last call,
    #: without process start-up: what the provider costs.
    deployment_seconds: float = 0.0
    #: The engine's diagnostics, then the provider's stderr lines (see :mod:`.diagnostics`).
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: URN -> type of every resource the display showed, in the order it first saw them.
    types: dict[str, str] = field(default_factory=dict)
    stack_urn: str = ""
    #: An error the CLI prints before any deployment (a stack config that does not satisfy ``Pulumi.yaml``).
    cli_error: str = ""

    @property
    def rendered(self) -> str:
        """What the CLI prints about the operation's problems: its ``Diagnostics:`` section (or, when it refused to
        start, its one error line), without colours."""
        if self.cli_error:
            return f"error: {self.cli_error}"
        return render_section(self.diagnostics, stack_urn=self.stack_urn, rows=list(self.types), types=self.types)

    @property
    def error(self) -> str | None:
        """The rendering of a failed operation (``None`` when it worked)."""
        return None if self.ok else self.rendered

    def diagnostics_for(self, name: str) -> list[Diagnostic]:
        """One resource's diagnostics: ``name`` is its name or URN; ``""`` or the stack's name is the stack."""
        if name in ("", self.stack_urn.rsplit("::", 1)[-1], self.stack_urn):
            urn = self.stack_urn
        elif name.startswith("urn:"):
            urn = name
        else:
            urns = {d.urn for d in self.diagnostics} | set(self.types)
            matches = [u for u in urns if u.rsplit("::", 1)[-1] == name]
            if len(matches) != 1:
                raise KeyError(f"{len(matches)} resources named {name!r} in the result")
            urn = matches[0]
        return [d for d in self.diagnostics if (d.urn or self.stack_urn) == urn]

    def rendered_for(self, name: str) -> str:
        """One resource's diagnostics as the CLI prints them under its header (the four spaces of indentation
        taken off; a blank line between streams): ``name`` as for :meth:`diagnostics_for`."""
        return "\n\n".join("\n".join(lines) for lines in resource_lines(self.diagnostics_for(name)))

    @property
    def errors(self) -> list[Diagnostic]:
        """The error diagnostics, without the closing ``update failed`` / ``preview failed``."""
        return [
            d for d in self.diagnostics if d.severity == ERROR and d.message not in ("update failed", "preview failed")
        ]

    @property
    def outputs(self) -> dict[str, Any]:
        """Stack outputs as plain values."""
        return unwrap_secrets(self.raw_outputs)

    def is_secret(self, path: str) -> bool:
        """Whether the stack output at ``path`` (``apps.my_app.clientSecret``) is a secret or inside one."""
        return any(path == p or path.startswith((p + ".", p + "[")) for p in self.secret_paths)

    @property
    def secret_paths(self) -> set[str]:
        return secret_paths(self.raw_outputs)

    def ops(self, op: str) -> list[str]:
        """Names of the resources that had the given step (``create``, ``update``, ``replace``, ...)."""
        return [urn.rsplit("::", 1)[-1] for urn, step_op, _ in self.steps if step_op == op]

    def _log_messages(self, level: str) -> list[str]:
        # Without an engine, pulumi.log prints "<level>: <message>" and its newline in two writes, so the
        # messages of the provider's worker threads can run together on one line: split at every level
        # prefix that follows a line start or directly follows the end of another message.
        messages = []
        for line in self.provider_stderr.splitlines():
            messages += _RUN_TOGETHER.split(line)
        prefix = f"{level}: "
        return [m.removeprefix(prefix) for m in messages if m.startswith(prefix)]

    @property
    def warnings(self) -> list[str]:
        """The provider's ``pulumi.log.warn`` messages."""
        return self._log_messages("warning")

    @property
    def infos(self) -> list[str]:
        """The provider's ``pulumi.log.info`` messages, as the CLI shows them (progress, adoptions, retries)."""
        return self._log_messages("info")

    def raise_for_failure(self) -> Result:
        if not self.ok:
            raise DeploymentFailed(f"{self.rendered}\n--- the harness's traceback ---\n{self.traceback}")
        return self


class Engine:
    """One stack: its config, its state file, and the operations on it.

    ``workdir`` holds the runs' scratch files and, unless ``state_path`` names another file, the state
    (``state.json``, its key ``state.key``).
    """

    def __init__(
        self,
        workdir: Path,
        *,
        program: Path,
        config: Mapping[str, Any],
        secret_config: Mapping[str, Any] | None = None,
        project: str = "kustomer",
        stack: str = "dev",
        env: Mapping[str, str] | None = None,
        parallel: int = 4,
        project_file: Path | None = None,
        state_path: Path | None = None,
        import_sends_inputs: bool = False,
    ) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config = dict(config)
        self.secret_config = dict(secret_config or {})
        self.program = Path(program).resolve()
        self.project = project
        self.stack = stack
        self.env = dict(env or {})
        self.parallel = parallel
        self.state_path = Path(state_path) if state_path is not None else self.workdir / "state.json"
        #: The project file whose config block completes the stack's: by default the program's ``Pulumi.yaml``.
        self.project_file = project_file if project_file is not None else self.program.parent / "Pulumi.yaml"
        #: An import's Read carries the program's inputs, which no Pulumi engine does today (it sends the id alone,
        #: and the Python provider host fails: pulumi/pulumi#16175): for tests of our side of a fixed engine.
        self.import_sends_inputs = import_sends_inputs
        self._runs = 0

    @property
    def state(self) -> StackState:
        return StackState(self.state_path, project=self.project, stack=self.stack)

    @property
    def stack_urn(self) -> str:
        return stack_urn(self.project, self.stack)

    def _all_config(self) -> dict[str, Any]:
        """The stack's config as the CLI hands it on: completed with the project file's defaults."""
        stack_config = {**self.config, **self.secret_config}
        return apply_project_config(load_project(self.project_file), self.stack, stack_config)

    def _config_failure(self, check: bool) -> Result | None:
        """The CLI's refusal to run when the stack config does not satisfy the project file, if it does not."""
        try:
            self._all_config()
        except ProjectConfigError as refused:
            failed = Result(ok=False, steps=[], cli_error=str(refused), stack_urn=self.stack_urn)
            return failed.raise_for_failure() if check else failed
        return None

    def _program_config(self) -> dict[str, str]:
        """Config as the language host gets it: string values, objects JSON-encoded."""
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in self._all_config().items()}

    # -- operations ----------------------------------------------------------------------------------

    def up(self, *, preview: bool = False, replace: Iterable[str] = (), check: bool = True) -> Result:
        """``pulumi up`` (or ``pulumi preview``); ``replace`` takes resource names or URNs to replace."""
        if (refused := self._config_failure(check)) is not None:
            return refused
        self._runs += 1
        state = self.state
        tainted = {r.urn for r in state if r.taint}
        urns = sorted({self._urn(name, state) for name in replace} | tainted)
        request = {
            "program": str(self.program),
            "project": self.project,
            "stack": self.stack,
            "config": self._program_config(),
            "secret_keys": sorted(self.secret_config),
            "provider_config": self._all_config(),
            "state_path": str(self.state_path.resolve()),
            "preview": preview,
            "replace": urns,
            "parallel": self.parallel,
            "env": self.env,
            "import_sends_inputs": self.import_sends_inputs,
        }
        request_path = self.workdir / f"run-{self._runs}.request.json"
        result_path = self.workdir / f"run-{self._runs}.result.json"
        request_path.write_text(json.dumps(request))
        completed = _run_host(
            [sys.executable, "-m", "kustomer_provider.rehearsal.program_host", str(request_path), str(result_path)],
            cwd=self.program.parent,  # where the CLI runs a Python program: its folder
            env=child_env({**os.environ, **self.env}),
        )
        request_path.unlink()
        if not result_path.exists():
            raise DeploymentFailed(f"program host crashed ({completed.returncode}):\n{completed.stderr}")
        data = json.loads(result_path.read_text())
        result_path.unlink()
        diagnostics = [Diagnostic(*d) for d in data.get("diagnostics", [])]
        result = Result(
            ok=data["ok"],
            steps=[tuple(s) for s in data["steps"]],
            raw_outputs=data["outputs"],
            check_failures=[tuple(f) for f in data["check_failures"]],
            provider_stderr=data["provider_stderr"],
            provider_calls=data["provider_calls"],
            traceback=data.get("traceback", ""),
            deployment_seconds=data.get("deployment_seconds", 0.0),
            diagnostics=diagnostics + provider_stderr_diagnostics(data["provider_stderr"]),
            types=data.get("types", {}),
            stack_urn=data.get("stack_urn", self.stack_urn),
        )
        return result.raise_for_failure() if check else result

    def preview(self, *, check: bool = True) -> Result:
        """``pulumi preview``: Check and Diff only."""
        return self.up(preview=True, check=check)

    def _operate(self, operation: str, check: bool, *, clear_pending_creates: bool = False) -> Result:
        if (refused := self._config_failure(check)) is not None:
            return refused
        state = self.state
        provider = ProviderServer(project=self.project, env=self.env, cwd=self.program.parent)
        deployment = Deployment(provider, state, parallel=self.parallel)
        ok = True
        changes: dict[str, dict[str, tuple[Any, Any]]] = {}
        started = time.perf_counter()
        try:
            if clear_pending_creates:
                state.clear_pending_creates()
            deployment.start(warn=operation == "destroy")  # a refresh does not warn (``deploymentExecutor``)
            provider.configure(self._all_config())
            if operation == "destroy":
                deployment.destroy()
            else:
                changes = deployment.refresh()
        except Exception as exc:
            ok = False
            if not isinstance(exc, EngineReported):
                deployment.diag("", ERROR, f"{type(exc).__name__}: {exc}")
            deployment.diag("", ERROR, "update failed")  # a refresh or destroy is an update to the engine
        finally:
            elapsed = time.perf_counter() - started
            stderr = provider.close()
        result = Result(
            ok=ok,
            steps=[(s.urn, s.op, s.detail) for s in deployment.steps],
            raw_outputs=state.outputs,
            provider_stderr=stderr,
            provider_calls=provider.calls,
            changes=changes,
            deployment_seconds=elapsed,
            diagnostics=deployment.diagnostics + provider_stderr_diagnostics(stderr),
            types=deployment.types,
            stack_urn=state.root_urn,
        )
        return result.raise_for_failure() if check else result

    def refresh(self, *, check: bool = True, clear_pending_creates: bool = False) -> Result:
        """``pulumi refresh``: Read every resource; gone ones leave the state. ``clear_pending_creates`` is
        ``pulumi refresh --clear-pending-creates`` (the creates an interrupted run left pending are dropped)."""
        return self._operate("refresh", check, clear_pending_creates=clear_pending_creates)

    def destroy(self, *, check: bool = True) -> Result:
        """``pulumi destroy``: Delete every resource, dependents first."""
        return self._operate("destroy", check)

    def taint(self, name: str) -> None:
        """``pulumi state taint``: the next ``up`` replaces the resource (``"taint": true`` in the state)."""
        state = self.state
        resource = state.get(self._urn(name, state))
        assert resource is not None
        resource.taint = True
        state.save()

    def _urn(self, name_or_urn: str, state: StackState) -> str:
        if name_or_urn.startswith("urn:"):
            return name_or_urn
        return state.by_name(name_or_urn).urn

    # -- inspection ----------------------------------------------------------------------------------

    def leaks(self, values: Iterable[str]) -> list[str]:
        """Where any of ``values`` appears in the clear: in the state file or in a pickled provider."""
        found = []
        raw = self.state.raw_text()
        for value in values:
            if value and value in raw:
                found.append(f"state file holds {value[:4]}… in the clear")
        for resource in self.state:
            blob = resource.inputs.get("__provider")
            if isinstance(blob, str):
                pickled = base64.b64decode(blob)
                for value in values:
                    if value and value.encode() in pickled:
                        found.append(f"pickled provider of {resource.name} holds {value[:4]}…")
        return found


def _run_host(args: list[str], *, cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the program host in a process group of its own; if this process is interrupted meanwhile (Ctrl-C, a
    SIGTERM turned into SystemExit), the whole group (the host and its provider) is killed, never left behind."""
    process = subprocess.Popen(
        args,
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=900)
    except BaseException:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
        raise
    return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)
