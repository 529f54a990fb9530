"""A rehearsal of one project's stack: its program and provider run by the engine's stand-in against a simulator.

:class:`Rehearsal` reads the project (``Pulumi.yaml``) and the stack file, starts the embedded Kustomer simulator
(or uses one already running, ``base_url``), points the provider at it, and runs ``up``, ``preview``,
``refresh`` or ``destroy`` (:class:`~kustomer_provider.rehearsal.engine.Engine`). The command line
(``python -m kustomer_provider.rehearsal``) and the pytest plugin (``kustomer_provider.testing``) are built on it.

Pointed at the simulator, whatever the stack file says, so a rehearsal never reaches a real org or platform:

- ``kustomer:baseUrl`` is the simulator's URL and ``kustomer:apiKey`` (secret) its admin key: the embedded
  simulator's, or with ``base_url`` the one in ``KUSTOMER_SIM_API_KEY`` (the simulator's own variable), else
  its documented development key. ``kustomer:orgName`` is the stack's (or ``KUSTOMER_ORG_NAME``'s), and the
  embedded simulator's org is given that name; without one, the simulator's ``acme``.
- every item of ``kustomer:registeredClients`` has its ``endpointBaseUrl`` set to the simulator, and the
  embedded simulator has each client registered (its id, its secret from the secret config, redirect URIs,
  scopes, origin), as a person registers it in the platform's dashboard, unless it knows it already.

``secure:`` values of the stack file can only be decrypted by the Pulumi CLI: each must be given as secret
config (``secret_config``; the command line's ``--secret-config KEY=VALUE``), except ``kustomer:apiKey``,
which is the simulator's anyway.

With ``state`` the stack's state is kept in that file between rehearsals (and the embedded simulator's state
beside it, ``<state>.simulator.json``, so that the next rehearsal finds the apps the last one made); without
it, both live in a temporary folder and are gone at the end.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from ..simulator import SimulatorProcess, rules
from .engine import Engine, Result
from .project import Project, RehearsalError, StackFile, read_project, read_stack
from .values import is_secret, unwrap_secrets

__all__ = ["MASK", "OutputValue", "Rehearsal", "masked_outputs"]

MASK: Final = "[secret]"  # what `pulumi stack output` shows for a secret
API_KEY: Final = "kustomer:apiKey"
BASE_URL: Final = "kustomer:baseUrl"
ORG_NAME: Final = "kustomer:orgName"
REGISTERED_CLIENTS: Final = "kustomer:registeredClients"
#: Ports tried for the embedded simulator of a kept state (the same each time, so its URLs stay the same).
_PORT_BASE: Final = 20000
_PORT_SPAN: Final = 20000


@dataclass(frozen=True)
class OutputValue:
    """A stack output and whether it is secret, as the Automation API's ``OutputValue``; a secret's ``repr``
    hides its value."""

    value: Any
    secret: bool

    def __repr__(self) -> str:
        shown = MASK if self.secret else repr(self.value)
        return f"OutputValue(value={shown}, secret={self.secret})"


def masked_outputs(raw_outputs: Mapping[str, Any], secrets: Sequence[str]) -> dict[str, Any]:
    """The stack outputs as plain values, each secret replaced by ``[secret]``.

    A secret wrapper around a leaf is masked. Around a map or list (a program that exports a map holding one
    secret makes the whole map secret, as Pulumi does) the contents are shown, but every value among
    ``secrets`` (the resources' secret outputs, the API key) is masked, so the ids and URLs stay readable.
    """
    hidden = {s for s in secrets if s}

    def walk(value: Any) -> Any:
        if is_secret(value):
            inner = value.get("value")
            return walk(inner) if isinstance(inner, dict | list) else MASK
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return MASK if isinstance(value, str) and value in hidden else value

    masked: dict[str, Any] = walk(dict(raw_outputs))
    return masked


def _secret_config_key(key: str) -> str:
    return key if ":" in key else f"kustomer:{key}"


class Rehearsal:
    """One project's stack rehearsed against a Kustomer simulator. Use as a context manager (or ``start`` and
    ``close``): the embedded simulator runs between the two, and the operations run against it.

    ``config`` and ``secret_config`` (``KEY: value``, a bare key is the project's) come over the stack file's,
    as ``pulumi config set`` would; ``simulator_args`` are extra flags of the embedded simulator. With
    ``stack_file_optional`` a stack without a file has no config but ``config``'s.
    """

    def __init__(
        self,
        project_dir: Path,
        *,
        stack: str = "dev",
        state: Path | None = None,
        base_url: str | None = None,
        config: Mapping[str, Any] | None = None,
        secret_config: Mapping[str, str] | None = None,
        simulator_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        parallel: int = 4,
        stack_file_optional: bool = False,
    ) -> None:
        self.project: Project = read_project(Path(project_dir))
        self.stack = stack
        path = self.project.stack_file(stack)
        if stack_file_optional and not path.exists():
            self.stack_file = StackFile(path=path, config={})
        else:
            self.stack_file = read_stack(self.project, stack)
        self.state_path = Path(state).resolve() if state is not None else None
        self.base_url = base_url.rstrip("/") if base_url else None
        self.environ = dict(os.environ if env is None else env)
        self.simulator_args = list(simulator_args)
        self.parallel = parallel
        self.config = {**self.stack_file.config, **self._namespaced(config or {})}
        self.secret_config = self._namespaced(secret_config or {})
        missing = [k for k in self.stack_file.secure if k not in self.secret_config and k != API_KEY]
        missing = [k for k in missing if k.split(".")[0].split("[")[0] not in self.secret_config]
        if missing:
            listed = ", ".join(missing)
            first = missing[0]
            raise RehearsalError(
                f"The stack file {self.stack_file.path} holds {listed} encrypted (`secure:`), which only the Pulumi "
                f"CLI can decrypt. Give the rehearsal each value as secret config: --secret-config {first}=VALUE "
                "(or an environment variable named in --secret-config-env KEY=VARIABLE)."
            )
        self.org_name = str(self.config.get(ORG_NAME) or self.environ.get("KUSTOMER_ORG_NAME") or rules.DEFAULT_ORG)
        self.simulator: SimulatorProcess | None = None
        self.url = ""
        self.api_key = ""
        self._workdir: Path | None = None
        self._engine: Engine | None = None

    def _namespaced(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {(k if ":" in k else f"{self.project.name}:{k}"): v for k, v in values.items()}

    # -- life cycle ----------------------------------------------------------------------------------

    def start(self) -> Rehearsal:
        """Start the embedded simulator (unless ``base_url``) and prepare the engine."""
        self._workdir = Path(tempfile.mkdtemp(prefix="rehearsal-"))
        try:
            if self.base_url:
                self.url = self.base_url
                self.api_key = self.environ.get("KUSTOMER_SIM_API_KEY") or rules.DEFAULT_API_KEY
            else:
                self.simulator = self._start_simulator()
                self.url, self.api_key = self.simulator.url, self.simulator.api_key
                self._register_clients(self.simulator)
            self._engine = self._build_engine()
        except BaseException:
            self.close()
            raise
        return self

    def _start_simulator(self) -> SimulatorProcess:
        args = ["--org", self.org_name, *self.simulator_args]
        ports: list[str] = []
        if self.state_path is not None:
            args += ["--state-file", str(self.simulator_state_path)]
            digest = int(hashlib.sha256(str(self.state_path).encode()).hexdigest(), 16)
            ports = [str(_PORT_BASE + digest % _PORT_SPAN)]
        env = {k: v for k, v in self.environ.items() if k != "KUSTOMER_SIM_CONTROL_TOKEN"}
        for port in [*ports, "0"]:
            simulator = SimulatorProcess([*args, "--port", port], env=env)
            try:
                return simulator.start()
            except RuntimeError:
                if port == "0":
                    raise
        raise AssertionError("unreachable")

    @property
    def simulator_state_path(self) -> Path:
        """Where the embedded simulator of a kept state keeps its own state."""
        assert self.state_path is not None
        return self.state_path.with_name(self.state_path.stem + ".simulator.json")

    def _register_clients(self, simulator: SimulatorProcess) -> None:
        """Register the stack's registered clients the simulator does not know, as a person does in a dashboard."""
        clients = self.config.get(REGISTERED_CLIENTS)
        if not isinstance(clients, list):
            return
        known = {(p, c["client_id"]) for p, items in simulator.platform_clients().items() for c in items}
        for item in clients:
            if not isinstance(item, Mapping) or (item.get("platform"), item.get("clientId")) in known:
                continue
            secret = self.secret_config.get(_secret_config_key(str(item.get("clientSecretKey", ""))))
            if not (item.get("platform") and item.get("clientId") and secret):
                continue  # the program refuses it, naming what is missing
            fields: dict[str, Any] = {
                "client_id": item["clientId"],
                "client_secret": secret,
                "redirect_uris": list(item.get("redirectUris") or []),
                "scopes": list(item.get("scopes") or []),
            }
            if item.get("origin"):
                fields["allowed_origins"] = [item["origin"]]
            try:
                simulator.register_platform_client(str(item["platform"]), **fields)
            except Exception:  # noqa: S112 - a client the simulator refuses is refused again by the program, in words
                continue

    def _build_engine(self) -> Engine:
        assert self._workdir is not None
        config = {**self.config, BASE_URL: self.url, ORG_NAME: self.org_name}
        config.pop(API_KEY, None)
        clients = config.get(REGISTERED_CLIENTS)
        if isinstance(clients, list):
            config[REGISTERED_CLIENTS] = [
                {**c, "endpointBaseUrl": self.url} if isinstance(c, Mapping) else c for c in clients
            ]
        return Engine(
            self._workdir,
            program=self.project.program,
            project=self.project.name,
            stack=self.stack,
            config=config,
            secret_config={**self.secret_config, API_KEY: self.api_key},
            env={},
            parallel=self.parallel,
            project_file=self.project.file,
            state_path=self.state_path,
        )

    def close(self) -> None:
        """Stop the embedded simulator and remove the temporary folder (a kept state stays)."""
        if self.simulator is not None:
            self.simulator.stop()
            self.simulator = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> Rehearsal:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- operations ----------------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the rehearsal is not started: use it as a context manager, or call start()")
        return self._engine

    def up(self, *, preview: bool = False) -> Result:
        return self.engine.up(preview=preview, check=False)

    def preview(self) -> Result:
        return self.engine.preview(check=False)

    def refresh(self, *, clear_pending_creates: bool = False) -> Result:
        return self.engine.refresh(check=False, clear_pending_creates=clear_pending_creates)

    def destroy(self) -> Result:
        return self.engine.destroy(check=False)

    def run(self, operation: str, *, clear_pending_creates: bool = False) -> Result:
        """``up``, ``preview``, ``refresh`` or ``destroy``."""
        if operation == "refresh":
            return self.refresh(clear_pending_creates=clear_pending_creates)
        return {"up": self.up, "preview": self.preview, "destroy": self.destroy}[operation]()

    # -- what it made --------------------------------------------------------------------------------

    def outputs(self, result: Result | None = None) -> dict[str, OutputValue]:
        """The stack outputs (of ``result``, else of the kept state), each with whether it is secret."""
        raw = result.raw_outputs if result is not None else self.engine.state.outputs
        return {k: OutputValue(unwrap_secrets(v), is_secret(v) or bool(_secrets_in(v))) for k, v in raw.items()}

    def secret_values(self) -> list[str]:
        """Every secret the rehearsal knows: the API key, the secret config, the resources' secret outputs."""
        values = [self.api_key, *(v for v in self.secret_config.values() if isinstance(v, str))]
        for resource in self.engine.state:
            for name in resource.secret_outputs:
                value = resource.outputs.get(name)
                if isinstance(value, str):
                    values.append(value)
        return [v for v in values if v]


def _secrets_in(value: Any) -> list[Any]:
    """The secret wrappers inside ``value`` (a map holding a secret makes the whole output secret to Pulumi)."""
    if is_secret(value):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _secrets_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in _secrets_in(v)]
    return []
