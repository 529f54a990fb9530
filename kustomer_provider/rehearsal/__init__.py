"""A rehearsal of a Pulumi program without the Pulumi CLI: the engine's part, played against a local simulator.

The Pulumi CLI (the engine) cannot always be installed where a program is written or tested. This subpackage
plays its part for a Python program whose resources are dynamic (as every resource of this package is): the
program runs under the SDK's mocks in a process of its own (:mod:`.program_host`), and each resource it
registers is checked, diffed, created, updated, read and deleted by the SDK's real dynamic-provider host
(``python -m pulumi.dynamic``), driven over gRPC exactly as the engine drives it (:mod:`.provider_server`,
:mod:`.deployment`). What the CLI would print about problems is rendered from the engine's rules
(:mod:`.diagnostics`); the state is checkpointed after every step, in the shape of ``pulumi stack export``,
secrets encrypted (:mod:`.state`).

- :class:`.engine.Engine`: one stack's operations, for tests (``up``, ``preview``, ``refresh``, ``destroy``).
- :class:`.session.Rehearsal`: a project folder's stack against the embedded simulator (or one running).
- ``python -m kustomer_provider.rehearsal`` (:mod:`.cli`): the command line; ``kustomer_provider.testing``: the
  pytest plugin.

It needs the ``simulator`` extra (``kustomer-pulumi[simulator]``: PyYAML, grpcio and the simulator's web
stack). It imports no provider module: the provider runs in the provider host, as under the CLI.
"""
