"""The language host's part: run a Pulumi program under the SDK's mocks, in a process of its own.

``python -m kustomer_provider.rehearsal.program_host REQUEST.json RESULT.json``

The program's RegisterResource calls reach :class:`EngineMonitor`, which hands each resource to a
:class:`~kustomer_provider.rehearsal.deployment.Deployment` over a real ``python -m pulumi.dynamic`` server, and
answers the program with the outputs the engine would (secret ones wrapped). A process per run keeps the
SDK's global runtime state apart between runs, as separate ``pulumi up`` runs are.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import traceback
from pathlib import Path
from typing import Any


def main(request_path: str, result_path: str) -> int:
    request = json.loads(Path(request_path).read_text())
    # The SDK reads config from the environment on first use: set it before importing pulumi.
    os.environ["PULUMI_CONFIG"] = json.dumps(request["config"])
    os.environ["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(request["secret_keys"])
    os.environ.update(request.get("env", {}))
    # Start the provider first: it starts up while this process imports the SDK (as the engine overlaps them).
    from .provider_process import start_provider

    program_dir = Path(request["program"]).parent
    provider_process = start_provider(project=request["project"], env=request.get("env", {}), cwd=program_dir)

    import pulumi
    from pulumi.runtime import mocks, rpc
    from pulumi.runtime.proto import resource_pb2
    from pulumi.runtime.settings import get_root_resource
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

    from .deployment import Deployment, EngineReported, RegisterOptions
    from .diagnostics import ERROR, PROGRAM_EXITED, program_failure_message
    from .provider_server import ProviderServer
    from .state import StackState
    from .values import SECRET, SIG

    state = StackState(Path(request["state_path"]), project=request["project"], stack=request["stack"])
    # Connected to and configured when the first resource needs it, as the engine loads a provider plugin: the
    # program runs meanwhile, while the provider process finishes its own start-up.
    provider = ProviderServer(started=provider_process, connect=False)
    connecting = threading.Lock()

    def connected() -> None:
        with connecting:
            if not provider.connected:
                provider.connect()
                provider.configure(request["provider_config"])

    deployment = Deployment(
        provider,
        state,
        preview=request["preview"],
        replace=request.get("replace", []),
        parallel=request["parallel"],
        import_sends_inputs=request.get("import_sends_inputs", False),
    )

    class EngineMonitor(mocks.MockMonitor):
        def alias_urns(self, request: Any) -> list[str]:
            """The URNs of the resource's ``aliases``, resolved as the engine does (in this stack and project)."""
            urns = list(request.aliasURNs)
            for alias in request.aliases:
                if alias.urn:
                    urns.append(alias.urn)
                    continue
                spec = alias.spec
                parent = "" if spec.noParent else (spec.parentUrn or request.parent)
                urns.append(self.make_urn(parent, spec.type or request.type, spec.name or request.name))
            return urns

        def RegisterResource(self, request: Any) -> Any:
            urn = self.make_urn(request.parent, request.type, request.name)
            if request.type == "pulumi:pulumi:Stack":
                return resource_pb2.RegisterResourceResponse(urn=urn)
            _ensure_event_loop()
            with deployment.registering():
                inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
                options = RegisterOptions(
                    additional_secret_outputs=set(request.additionalSecretOutputs),
                    dependencies=list(request.dependencies),
                    delete_before_replace=request.deleteBeforeReplace,
                    custom=request.custom,
                    parent="" if request.parent == state.root_urn else request.parent,
                    property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                    aliases=self.alias_urns(request),
                    import_id=request.importId,
                )
                if request.custom:
                    connected()
                id_, outputs = deployment.register(urn, request.type, inputs, options)
            obj = _sync_await(rpc.serialize_properties(outputs, {}))
            self.resources[urn] = mocks.MockMonitor.ResourceRegistration(urn, id_, outputs)
            return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=obj)

        def make_urn(self, parent: str, type_: str, name: str) -> str:
            # As the engine names a resource: a parent's type is qualified in, except the stack's (``NewURN``).
            if parent and parent.split("::")[2].split("$")[-1] == "pulumi:pulumi:Stack":
                parent = ""
            return super().make_urn(parent, type_, name)

    class NoMocks(mocks.Mocks):
        def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict]:
            raise AssertionError("EngineMonitor handles every resource")

        def call(self, args: mocks.MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
            return {}, None

    monitor = EngineMonitor(NoMocks())
    mocks.set_mocks(NoMocks(), request["project"], request["stack"], request["preview"], monitor=monitor)
    # As the language host does before running the program: the config and which keys are secret.
    pulumi.runtime.set_all_config(request["config"], request["secret_keys"])

    async def resolve(value: Any) -> Any:
        """A stack output's value, with a secret wrapper at every secret Output inside it."""
        if isinstance(value, pulumi.Output):
            known = await value.is_known()
            secret = await value.is_secret()
            inner = await resolve(await value.future(with_unknowns=True)) if known else rpc.UNKNOWN
            return {SIG: SECRET, "value": inner} if secret else inner
        if isinstance(value, dict):
            return {k: await resolve(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [await resolve(v) for v in value]
        return value

    result: dict[str, Any] = {"ok": True, "error": None, "outputs": {}}
    import time

    started = time.perf_counter()
    program = request["program"]
    sys.path.insert(0, str(Path(program).parent))
    deployment.start()
    try:
        import runpy

        def run_program() -> None:
            runpy.run_path(program, run_name="__main__")

        _sync_await(run_pulumi_func(run_program))
        root = get_root_resource()
        raw_outputs = dict(getattr(root, "outputs", {}) or {})
        result["outputs"] = {k: _sync_await(resolve(v)) for k, v in raw_outputs.items()}
        if deployment.failed:  # a registration failed, and the program went on (its outputs wait on it)
            raise EngineReported("a resource failed")
        connected()  # deletes of resources the program no longer declares need it too
        deployment.finish()
        if not request["preview"]:
            state.outputs = result["outputs"]
            state.save()
    except BaseException as exc:  # report every failure to the caller, as the CLI would print it
        result["ok"] = False
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc()
        # The resources the program had already registered finish theirs before the run is reported, so what
        # it reports does not depend on thread timing.
        deployment.wait_for_registrations()
        program_raised = not deployment.failed and not isinstance(exc, EngineReported)
        if program_raised and isinstance(exc, pulumi.RunError):
            # The language host prints a RunError's message alone and exits 1, which the engine reports too.
            deployment.diag("", ERROR, str(exc))
            deployment.diag("", ERROR, PROGRAM_EXITED)
        elif program_raised:
            # Any other exception: its traceback, and an exit code that tells the engine it was reported.
            deployment.diag("", ERROR, program_failure_message(user_traceback(program)))
        if deployment.step_failed and not deployment.generation_failed and not program_raised:
            # Only a failed step ends so (``reportExecResult``): the step generator's errors and the program's
            # return from ``deploymentExecutor.Execute`` before it.
            deployment.diag("", ERROR, "preview failed" if request["preview"] else "update failed")
    finally:
        deployment.wait_for_registrations()
        # The deployment proper: from the program's start to the last provider call (no process start-up).
        result["deployment_seconds"] = time.perf_counter() - started
        result["steps"] = [[s.urn, s.op, s.detail] for s in deployment.steps]
        result["check_failures"] = [list(f) for f in deployment.failures]
        result["provider_calls"] = provider.calls
        result["provider_stderr"] = provider.close()
        result["diagnostics"] = [[d.urn, d.severity, d.message, d.stream] for d in deployment.diagnostics]
        result["types"] = deployment.types
        result["stack_urn"] = state.root_urn
        Path(result_path).write_text(json.dumps(result, indent=2, default=str))
    return 0


def user_traceback(program: str) -> str:
    """The traceback from the program's first frame on, as the language host prints it (``_get_user_stacktrace``
    in ``pulumi-language-python-exec``); the whole traceback when the program has no frame in it."""
    program_module = os.path.splitext(os.path.abspath(program))[0]
    frames = traceback.extract_tb(sys.exc_info()[2])
    for index, frame in enumerate(frames):
        if os.path.splitext(os.path.abspath(frame.filename))[0] == program_module:
            return traceback.format_exc(limit=-(len(frames) - index))
    return traceback.format_exc()


if __name__ == "__main__":
    code = main(sys.argv[1], sys.argv[2])
    # The result file is written and the provider stopped: skip the interpreter's teardown (about 0.3 s of
    # grpc and module finalization on our machines), which is the harness's cost, not the deployment's.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
