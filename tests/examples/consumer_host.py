"""Run ``examples/consumer`` under Pulumi's mocks, in a process of its own (the SDK's runtime is global).

``python -m tests.examples.consumer_host SCENARIO.json`` prints one JSON object: ``ok``, ``error``, the
stack ``outputs`` (a secret Output as ``{"secret": value}``), and the ``resources`` the program declared.
The scenario gives the consumer's config, and what the StackReference answers: the producer's
``outputs`` and its ``secret_output_names``.
"""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path
from typing import Any

PROGRAM = Path(__file__).resolve().parents[2] / "examples" / "consumer" / "__main__.py"
PROJECT = "kustomer-consumer"


def main(scenario_path: str) -> int:
    scenario = json.loads(Path(scenario_path).read_text())

    import pulumi
    from pulumi.runtime import mocks
    from pulumi.runtime.settings import get_root_resource
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    declared: list[dict[str, Any]] = []

    class ProducerStack(mocks.Mocks):
        """Answers the StackReference as the engine would read the producer's stack."""

        def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
            declared.append({"type": args.typ, "name": args.name, "id": args.resource_id, "inputs": args.inputs})
            if args.typ != "pulumi:pulumi:StackReference":
                raise AssertionError(f"the consumer declared an unexpected resource {args.typ}")
            state = {
                "name": args.inputs.get("name"),
                "outputs": scenario["outputs"],
                "secretOutputNames": scenario["secret_output_names"],
            }
            return args.resource_id or args.name, state

        def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
            return {}, None

    mocks.set_mocks(ProducerStack(), project=PROJECT, stack="dev", preview=False)
    pulumi.runtime.set_all_config({f"{PROJECT}:{k}": v for k, v in scenario["config"].items()}, [])

    async def resolve(value: Any) -> Any:
        if isinstance(value, pulumi.Output):
            inner = await resolve(await value.future())
            return {"secret": inner} if await value.is_secret() else inner
        if isinstance(value, dict):
            return {k: await resolve(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [await resolve(v) for v in value]
        return value

    result: dict[str, Any] = {"ok": True, "error": None, "outputs": {}}
    try:

        def run_program() -> None:
            runpy.run_path(str(PROGRAM), run_name="__main__")

        _sync_await(run_pulumi_func(run_program))
        outputs = dict(getattr(get_root_resource(), "outputs", {}) or {})
        result["outputs"] = {k: _sync_await(resolve(v)) for k, v in outputs.items()}
    except Exception as exc:  # the test reads the error, as a person reads the CLI's
        result["ok"] = False
        result["error"] = f"{type(exc).__name__}: {exc}"
    result["resources"] = declared
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
