"""The engine harness: plays the Pulumi engine for ``up``, ``preview``, ``refresh`` and ``destroy``.

The Pulumi CLI cannot be installed where this project is built, so tests drive the SDK's real
dynamic-provider server (``python -m pulumi.dynamic``) over gRPC exactly as the engine does, while the
program runs under the SDK's mocks in a process of its own (:mod:`~kustomer_provider.rehearsal.program_host`). The
state lives in a file between runs, secrets encrypted, as a Pulumi backend keeps it.

    engine = Engine(workdir, program=project / "__main__.py", config={"kustomer:baseUrl": sim.url, ...},
                    secret_config={"kustomer:apiKey": key})
    result = engine.up()
    result.outputs["apps"]["stackone_link"]["clientSecret"]   # the value
    result.is_secret("apps.stackone_link.clientSecret")       # True
    engine.refresh(); engine.destroy()

Before each operation the stack config is completed with the defaults of the program's ``Pulumi.yaml`` and
checked against it, as the CLI does (:mod:`~kustomer_provider.rehearsal.project`): a key the stack leaves unset reaches
the program and the provider as its declared default, and a declared key with no default is required.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .deployment import Deployment
from .project import ProjectConfigError, apply_project_config, load_project
from .provider_process import child_env
from .provider_server import ProviderServer
from .state import StackState
from .values import secret_paths, unwrap_secrets


class DeploymentFailed(AssertionError):
    """The operation failed; the message is what the CLI would print."""


_RUN_TOGETHER = re.compile(r"(?<=\S)(?=(?:debug|info|warning|error): )")


@dataclass
class Result:
    """What one engine operation did."""

    ok: bool
    error: str | None
    steps: list[tuple[str, str, str]]
    raw_outputs: dict[str, Any] = field(default_factory=dict)
    check_failures: list[tuple[str, str, str]] = field(default_factory=list)
    provider_stderr: str = ""
    provider_calls: dict[str, int] = field(default_factory=dict)
    changes: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)
    traceback: str = ""
    #: Seconds from the program's start (or the operation's first provider call) to its last call,
    #: without process start-up: what the provider costs.
    deployment_seconds: float = 0.0

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
            raise DeploymentFailed(f"{self.error}\n{self.traceback}\n--- provider stderr ---\n{self.provider_stderr}")
        return self


class Engine:
    """One stack: its config, its state file, and the operations on it."""

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
    ) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config = dict(config)
        self.secret_config = dict(secret_config or {})
        self.program = Path(program)
        self.project = project
        self.stack = stack
        self.env = dict(env or {})
        self.parallel = parallel
        self.state_path = self.workdir / "state.json"
        #: The project file whose config block completes the stack's: by default the program's ``Pulumi.yaml``.
        self.project_file = project_file if project_file is not None else self.program.parent / "Pulumi.yaml"
        self._runs = 0

    @property
    def state(self) -> StackState:
        return StackState(self.state_path)

    def _all_config(self) -> dict[str, Any]:
        """The stack's config as the CLI hands it on: completed with the project file's defaults."""
        stack_config = {**self.config, **self.secret_config}
        return apply_project_config(load_project(self.project_file), self.stack, stack_config)

    def _config_failure(self, check: bool) -> Result | None:
        """The CLI's refusal to run when the stack config does not satisfy the project file, if it does not."""
        try:
            self._all_config()
        except ProjectConfigError as refused:
            failed = Result(ok=False, error=f"ProjectConfigError: {refused}", steps=[])
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
        tainted = self._tainted()
        urns = sorted({self._urn(name) for name in replace} | tainted)
        request = {
            "program": str(self.program),
            "project": self.project,
            "stack": self.stack,
            "config": self._program_config(),
            "secret_keys": sorted(self.secret_config),
            "provider_config": self._all_config(),
            "state_path": str(self.state_path),
            "preview": preview,
            "replace": urns,
            "parallel": self.parallel,
            "env": self.env,
        }
        request_path = self.workdir / f"run-{self._runs}.request.json"
        result_path = self.workdir / f"run-{self._runs}.result.json"
        request_path.write_text(json.dumps(request))
        completed = subprocess.run(
            [sys.executable, "-m", "kustomer_provider.rehearsal.program_host", str(request_path), str(result_path)],
            cwd=self.program.parent,  # where the CLI runs a Python program: its folder
            env=child_env({**os.environ, **self.env}),
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        request_path.unlink()
        if not result_path.exists():
            raise DeploymentFailed(f"program host crashed ({completed.returncode}):\n{completed.stderr}")
        data = json.loads(result_path.read_text())
        result_path.unlink()
        result = Result(
            ok=data["ok"],
            error=data["error"],
            steps=[tuple(s) for s in data["steps"]],
            raw_outputs=data["outputs"],
            check_failures=[tuple(f) for f in data["check_failures"]],
            provider_stderr=data["provider_stderr"],
            provider_calls=data["provider_calls"],
            traceback=data.get("traceback", ""),
            deployment_seconds=data.get("deployment_seconds", 0.0),
        )
        if result.ok and not preview and tainted:
            (self.workdir / "tainted.json").unlink()
        return result.raise_for_failure() if check else result

    def preview(self, *, check: bool = True) -> Result:
        """``pulumi preview``: Check and Diff only."""
        return self.up(preview=True, check=check)

    def _operate(self, operation: str, check: bool) -> Result:
        if (refused := self._config_failure(check)) is not None:
            return refused
        state = self.state
        provider = ProviderServer(project=self.project, env=self.env, cwd=self.program.parent)
        deployment = Deployment(provider, state, parallel=self.parallel)
        error = None
        changes: dict[str, dict[str, tuple[Any, Any]]] = {}
        started = time.perf_counter()
        try:
            provider.configure(self._all_config())
            if operation == "destroy":
                deployment.destroy()
            else:
                changes = deployment.refresh()
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        finally:
            elapsed = time.perf_counter() - started
            stderr = provider.close()
        result = Result(
            ok=error is None,
            error=error,
            steps=[(s.urn, s.op, s.detail) for s in deployment.steps],
            raw_outputs=state.outputs,
            provider_stderr=stderr,
            provider_calls=provider.calls,
            changes=changes,
            deployment_seconds=elapsed,
        )
        return result.raise_for_failure() if check else result

    def refresh(self, *, check: bool = True) -> Result:
        """``pulumi refresh``: Read every resource; gone ones leave the state."""
        return self._operate("refresh", check)

    def destroy(self, *, check: bool = True) -> Result:
        """``pulumi destroy``: Delete every resource, dependents first."""
        return self._operate("destroy", check)

    def taint(self, name: str) -> None:
        """``pulumi state taint``: the next ``up`` replaces the resource. Kept in a file beside the state."""
        tainted = self._tainted()
        tainted.add(self._urn(name))
        (self.workdir / "tainted.json").write_text(json.dumps(sorted(tainted)))

    def _tainted(self) -> set[str]:
        path = self.workdir / "tainted.json"
        return set(json.loads(path.read_text())) if path.exists() else set()

    def _urn(self, name_or_urn: str) -> str:
        if name_or_urn.startswith("urn:"):
            return name_or_urn
        return self.state.by_name(name_or_urn).urn

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
