"""What the tests share, in one place: test modules import from here (and the engine's stand-in from the package,
``kustomer_provider.rehearsal``), never from each other, and conftest files only define fixtures (their types
and helpers live here).

- :mod:`~tests.support.paths`: the repository's root and the test programs.
- :mod:`~tests.support.dev_clients`: the dev stack's registered clients' secrets and endpoint, for an engine.
- :mod:`~tests.support.dev_stack`: the committed dev stack (its config, apps, resource names) and calls
  against its apps in a simulator.
- :mod:`~tests.support.engines`: the ``make_engine`` fixture's type and how it points the stack at a simulator.
- :mod:`~tests.support.request_log`: queries over the simulator's request log (``GET /_sim/requests``).
- :mod:`~tests.support.scripted_api`: API clients whose answers come from a test (``httpx.MockTransport``).
- :mod:`~tests.support.registered_clients`: a registered client's inputs, as the resource validates them.
- :mod:`~tests.support.rfc6749`: RFC 6749 written out (the token endpoint's errors), never read from the code.
- :mod:`~tests.support.simulator_client`: an in-process simulator (FastAPI ``TestClient``), its fake clock,
  and plain-HTTP calls of the Kustomer and platform flows.
- :mod:`~tests.support.contract`: the contract suite's target (simulator or real org) and its plain-HTTP calls.
- :mod:`~tests.support.oauth_helper`: the OAuth helper run as a process, loopback ports, apps made for it.
- :mod:`~tests.support.oauth_data`: the OAuth helper's unit-test values (stack outputs, token sets, a fake org).
- :mod:`~tests.support.recording`: the recorded suite's modes and vcrpy settings.
- :mod:`~tests.support.scrubbing`: cassette scrubbing and the check that nothing secret is left in one.
- :mod:`~tests.support.examples`: what the examples are checked against.
- :mod:`~tests.support.soak`: the soak's lifecycles and the figures it reports.
"""
