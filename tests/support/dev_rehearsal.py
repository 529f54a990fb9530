"""A rehearsal without the Pulumi CLI: the dev stack's ``up`` run by the engine harness against a simulator.

``python -m tests.support.dev_rehearsal [--keep-simulator]`` (from the repository root; ``scripts/dev-up`` runs
it when the Pulumi CLI is missing and cannot be installed). It starts a local simulator of Kustomer on a free
port, runs the repository's ``__main__.py`` with the dev stack's config (``stacks/Pulumi.dev.yaml``, its
``kustomer:baseUrl`` pointed at that simulator and the simulator's development key as ``kustomer:apiKey``)
through the same engine harness the tests use, and prints the stack outputs with every secret masked, as
``pulumi stack output --json`` does. Nothing is kept: the state lives in a temporary folder and the
simulator in memory, so each rehearsal starts from nothing. Exit status 0 only when the ``up`` worked.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from kustomer_provider.rehearsal.engine import DeploymentFailed, Engine, Result
from kustomer_provider.rehearsal.values import is_secret
from kustomer_provider.simulator import SimulatorProcess

from .dev_clients import DEV_CLIENT_SECRETS, clients_pointed_at
from .paths import DEV_PROGRAM as DEFAULT_PROGRAM
from .paths import REPO_ROOT

__all__ = ["LABEL", "MASK", "main", "masked_outputs"]

LABEL = "a rehearsal without the Pulumi CLI"
MASK = "[secret]"  # what `pulumi stack output` shows for a secret
DEV_STACK = REPO_ROOT / "stacks" / "Pulumi.dev.yaml"


def masked_outputs(raw_outputs: dict[str, Any], secrets: Sequence[str]) -> dict[str, Any]:
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

    masked: dict[str, Any] = walk(raw_outputs)
    return masked


def _secret_values(engine: Engine, api_key: str) -> list[str]:
    """Every secret the rehearsal saw: the resources' secret outputs and the API key."""
    values = [api_key]
    for resource in engine.state:
        for name in resource.secret_outputs:
            value = resource.outputs.get(name)
            if isinstance(value, str):
                values.append(value)
    return values


def _summary(result: Result) -> str:
    created = sorted(result.ops("create"))
    counts: dict[str, int] = {}
    for _, op, _ in result.steps:
        counts[op] = counts.get(op, 0) + 1
    done = ", ".join(f"{n} {op}" for op, n in sorted(counts.items())) or "no changes"
    return f"{done} ({', '.join(created)})" if created else done


def main(argv: Sequence[str] | None = None) -> int:
    """Run the rehearsal; 0 when the ``up`` worked, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="python -m tests.support.dev_rehearsal", description=__doc__.splitlines()[0])
    parser.add_argument("--keep-simulator", action="store_true", help="keep the simulator running until Ctrl-C")
    args = parser.parse_args(argv)

    config: dict[str, Any] = yaml.safe_load(DEV_STACK.read_text())["config"]
    print(f"== {LABEL[0].upper()}{LABEL[1:]} ==", flush=True)
    with SimulatorProcess(["--auto-consent"]) as simulator, tempfile.TemporaryDirectory(prefix="rehearsal-") as tmp:
        print(f"Started a Kustomer simulator at {simulator.url} (in memory; the dev stack's baseUrl points at it)")
        engine = Engine(
            Path(tmp),
            config={
                **config,
                "kustomer:baseUrl": simulator.url,
                # The dev stack's other-platform clients, pointed at this simulator, their secrets as dev-up sets them.
                "kustomer:registeredClients": clients_pointed_at(config, simulator.url, config["kustomer:baseUrl"]),
            },
            secret_config={"kustomer:apiKey": simulator.api_key, **DEV_CLIENT_SECRETS},
            program=DEFAULT_PROGRAM,
            stack="dev",
        )
        print(f"Running `up` of the dev stack ({DEV_STACK.relative_to(REPO_ROOT)}, {DEFAULT_PROGRAM.name}) ...")
        started = time.perf_counter()
        try:
            result = engine.up()
        except DeploymentFailed as exc:
            secrets = _secret_values(engine, simulator.api_key)
            message = str(exc)
            for secret in secrets:
                message = message.replace(secret, MASK)
            print(f"\nThe up failed ({LABEL}):\n{message}", file=sys.stderr)
            return 1
        elapsed = time.perf_counter() - started
        outputs = masked_outputs(result.raw_outputs, _secret_values(engine, simulator.api_key))
        print(f"Up done in {elapsed:.1f} s: {_summary(result)}")
        print(f"\nStack outputs ({LABEL}; secrets masked as {MASK}):")
        print(json.dumps(outputs, indent=2))
        print(
            f"\nThis was {LABEL}: the same program and provider, with the engine's part played by the test "
            "harness (docs/testing.md). Nothing was kept. Install the Pulumi CLI and run scripts/dev-up again "
            "for the real `pulumi up`."
        )
        if args.keep_simulator:
            print(f"\nThe simulator keeps running at {simulator.url}; Ctrl-C stops it.", flush=True)
            try:
                while simulator.returncode is None:
                    time.sleep(1)
            except KeyboardInterrupt:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
