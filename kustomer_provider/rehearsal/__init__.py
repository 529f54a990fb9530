"""A rehearsal of a Pulumi program without the Pulumi CLI: the engine's part, played against a local simulator.

The Pulumi CLI (the engine) cannot always be installed where a program is written or tested. This subpackage
plays its part for a Python program whose resources are dynamic (as every resource of this package is): the
program runs under the SDK's mocks in a process of its own (:mod:`.program_host`), and each resource it
registers is checked, diffed, created, updated, read and deleted by the SDK's real dynamic-provider host
(``python -m pulumi.dynamic``), driven over gRPC exactly as the engine drives it (:mod:`.provider_server`,
:mod:`.deployment`). The state is kept in a file between runs, secrets encrypted (:mod:`.state`).

It needs the ``simulator`` extra (``kustomer-pulumi[simulator]``: PyYAML, grpcio and the simulator's web
stack). It imports no provider module: the provider runs in the provider host, as under the CLI.
"""
