"""The SDK's real dynamic-provider server (``python -m pulumi.dynamic``), driven over gRPC as the engine does.

One :class:`ProviderServer` is one provider process, as in one ``pulumi up``. Requests carry ``__provider``
(the pickled provider) like the engine's; secret wrappers are stripped before sending, because the server
answers ``acceptSecrets: false`` to Configure.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from .provider_process import ProviderProcess, start_provider
from .values import to_wire


class ProviderError(Exception):
    """The provider failed an operation; ``details`` is the gRPC status details exactly as the host returned
    them, which the CLI prints under the resource. The exception's text carries them whole."""

    def __init__(self, operation: str, urn: str, details: str) -> None:
        self.operation = operation
        self.urn = urn
        self.details = details
        super().__init__(f"{operation} of {urn} failed: {details.strip()}")


@dataclass
class CheckOutcome:
    inputs: dict[str, Any]
    failures: list[tuple[str, str]]


@dataclass
class DiffOutcome:
    changes: bool
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(to_wire(values))
    return message


def _dict(message: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(message)


class ProviderServer:
    """A running ``python -m pulumi.dynamic`` and a gRPC stub to it."""

    def __init__(
        self,
        *,
        project: str = "kustomer",
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        started: ProviderProcess | None = None,
        connect: bool = True,
    ) -> None:
        """Connect to ``started`` (a process from :func:`start_provider`), or start one now.

        ``connect=False`` leaves the connection to :meth:`connect`, for a caller that connects only when the
        first resource needs the provider (as the engine loads a provider plugin).
        """
        started = started or start_provider(project=project, env=env, cwd=cwd)
        self.process = started.process
        self._stderr = started.stderr_file
        self.channel: grpc.Channel | None = None
        #: Requests sent, by operation name.
        self.calls: dict[str, int] = {}
        if connect:
            self.connect()

    @property
    def connected(self) -> bool:
        return self.channel is not None

    def connect(self) -> None:
        """Wait for the process to print its port, and open the gRPC channel to it."""
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode().strip()
        if not line.isdigit():
            self.close()
            raise RuntimeError(f"pulumi.dynamic did not print its port: {line!r}\n{self.stderr()}")
        self.port = int(line)
        channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        grpc.channel_ready_future(channel).result(timeout=30)
        self.stub = provider_pb2_grpc.ResourceProviderStub(channel)
        self.channel = channel

    # -- engine operations ---------------------------------------------------------------------------

    def _call(self, operation: str, urn: str, request: Any) -> Any:
        self.calls[operation] = self.calls.get(operation, 0) + 1
        try:
            return getattr(self.stub, operation)(request, timeout=600)
        except grpc.RpcError as exc:
            raise ProviderError(operation, urn, exc.details() or str(exc)) from None

    def configure(self, config: dict[str, Any]) -> None:
        """Configure with the stack config: string values, objects JSON-encoded, secrets decrypted."""
        args = {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
        variables = dict(args)
        request = provider_pb2.ConfigureRequest(args=_struct(args), variables=variables, acceptSecrets=True)
        response = self._call("Configure", "", request)
        assert response.acceptSecrets is False  # so the engine strips secrets, as we do in _struct

    def check(self, urn: str, olds: dict[str, Any], news: dict[str, Any]) -> CheckOutcome:
        request = provider_pb2.CheckRequest(urn=urn, olds=_struct(olds), news=_struct(news))
        response = self._call("Check", urn, request)
        failures = [(f.property, f.reason) for f in response.failures]
        return CheckOutcome(_dict(response.inputs), failures)

    def diff(
        self, urn: str, id_: str, olds: dict[str, Any], news: dict[str, Any], old_inputs: dict[str, Any]
    ) -> DiffOutcome:
        request = provider_pb2.DiffRequest(
            id=id_, urn=urn, olds=_struct(olds), news=_struct(news), old_inputs=_struct(old_inputs)
        )
        response = self._call("Diff", urn, request)
        return DiffOutcome(
            changes=response.changes == provider_pb2.DiffResponse.DIFF_SOME,
            replaces=list(response.replaces),
            delete_before_replace=response.deleteBeforeReplace,
        )

    def create(self, urn: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        response = self._call("Create", urn, provider_pb2.CreateRequest(urn=urn, properties=_struct(properties)))
        return response.id, _dict(response.properties)

    def update(
        self, urn: str, id_: str, olds: dict[str, Any], news: dict[str, Any], old_inputs: dict[str, Any]
    ) -> dict[str, Any]:
        request = provider_pb2.UpdateRequest(
            id=id_, urn=urn, olds=_struct(olds), news=_struct(news), old_inputs=_struct(old_inputs)
        )
        return _dict(self._call("Update", urn, request).properties)

    def read(
        self, urn: str, id_: str, properties: dict[str, Any], inputs: dict[str, Any]
    ) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
        request = provider_pb2.ReadRequest(id=id_, urn=urn, properties=_struct(properties), inputs=_struct(inputs))
        response = self._call("Read", urn, request)
        new_inputs = _dict(response.inputs) if response.HasField("inputs") else None
        return response.id, _dict(response.properties), new_inputs

    def import_read(
        self, urn: str, import_id: str, inputs: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any] | None, dict[str, Any] | None]:
        """The Read of the engine's import step: the id to import, the URN, name and type, an empty ``properties``
        (the engine marshals a nil state) and, unless ``inputs`` are given, no ``inputs`` field at all
        (``ImportStep.Apply`` in ``pkg/resource/deploy/step.go`` sets none; ``provider.Read`` in
        ``sdk/go/common/resource/plugin/provider_plugin.go`` sends a nil map as an absent field).

        Returns the id, the outputs and the inputs, each ``None`` where the answer left the field out (the engine
        tells "does not exist" and "does not support importing" apart by that)."""
        name = urn.rsplit("::", 1)[-1]
        type_ = urn.split("::")[2].split("$")[-1]
        request = provider_pb2.ReadRequest(id=import_id, urn=urn, name=name, type=type_, properties=_struct({}))
        if inputs is not None:
            request.inputs.CopyFrom(_struct(inputs))
        response = self._call("Read", urn, request)
        outputs = _dict(response.properties) if response.HasField("properties") else None
        new_inputs = _dict(response.inputs) if response.HasField("inputs") else None
        return response.id, outputs, new_inputs

    def delete(self, urn: str, id_: str, properties: dict[str, Any], old_inputs: dict[str, Any]) -> None:
        request = provider_pb2.DeleteRequest(
            id=id_, urn=urn, properties=_struct(properties), old_inputs=_struct(old_inputs)
        )
        self._call("Delete", urn, request)

    # -- lifecycle -----------------------------------------------------------------------------------

    def stderr(self) -> str:
        """What the provider process wrote to stderr (``pulumi.log`` lines land here)."""
        self._stderr.flush()
        return Path(self._stderr.name).read_text(errors="replace")

    def close(self) -> str:
        """Stop the process; return its stderr."""
        if self.channel is not None:
            self.channel.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        time.sleep(0)  # let the OS flush the stderr file
        text = self.stderr()
        self._stderr.close()
        os.unlink(self._stderr.name)
        return text

    def __enter__(self) -> ProviderServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
