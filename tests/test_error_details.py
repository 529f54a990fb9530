"""What the Pulumi CLI prints under a failed resource: the real provider host's gRPC details, as it returns them.

The SDK's host (``python -m pulumi.dynamic``) answers a failed Check, Diff, Create, Update, Read or Delete with
``traceback.format_exc()`` as the details, and the CLI prints them. Each failure the product anticipates must
arrive as its message alone (no ``Traceback``, no frames, the message on the first line); a bug keeps its
traceback and adds a line saying whose bug it is, the version and where to report it; another package's
provider in the same host is left as the SDK writes it. And a connection that cannot work is explained in full
once per operation, however many resources the host's worker threads check at once. What the CLI makes of these
details after an ``up`` or a ``preview``: ``tests/test_rendered_failures.py``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider

import kustomer_provider
from kustomer_provider.private_app import PrivateAppProvider
from kustomer_provider.registered_client import RegisteredClientProvider
from kustomer_provider.rehearsal.provider_server import ProviderError, ProviderServer
from kustomer_provider.simulator import SimulatorProcess
from tests.support import buggy_providers
from tests.support.paths import REPO_ROOT


def _pickled(provider: ResourceProvider) -> str:
    return serialize_provider(provider)


APP_PROVIDER = _pickled(PrivateAppProvider())
APP = {"app": "details_app", "version": "1.0.0", "title": "Details", "redirect_uris": ["https://example.com/cb"]}
APP_URN = "urn:pulumi:dev::kustomer::pulumi-python:dynamic/kustomer:PrivateApp::details"
CLIENT_URN = "urn:pulumi:dev::kustomer::pulumi-python:dynamic/kustomer:RegisteredOAuthClient::komerza"
#: The simulator's built-in Komerza client (docs/simulator.md), with a secret of the right shape that is not its own.
KOMERZA_CLIENT = {
    "platform": "komerza",
    "client_id": "sim-dev-komerza-client",
    "client_secret": "wrong-komerza-secret-".ljust(72, "0"),
    "redirect_uris": ["https://example.com/oauth/callback"],
    "scopes": ["stores.read"],
}
#: The short line that refers to the full explanation of an unusable connection (provider_process).
SEE_ABOVE = "Kustomer connection not usable: see the first error of this run (kustomer:apiKey)"
NO_KEY = "No Kustomer API key. Set it as a stack secret with `pulumi config set --secret kustomer:apiKey <key>`"


def report_line() -> str:
    """The bug report line, from what pyproject.toml and the installed package say (not from the code under test)."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    return (
        f"This is a bug in kustomer-pulumi {kustomer_provider.__version__} (an error it does not anticipate): "
        f"please report it at {project['urls']['Issues']}."
    )


Start = Callable[..., ProviderServer]


@pytest.fixture
def host(simulator: SimulatorProcess) -> Iterator[Start]:
    """``host(**config)``: a started provider host configured for the test's simulator, with ``config`` on top (a
    key given as ``None`` is left out)."""
    servers: list[ProviderServer] = []

    def start(**config: str | None) -> ProviderServer:
        given = {"apiKey": simulator.api_key, "baseUrl": simulator.url, **config}
        server = ProviderServer()
        servers.append(server)
        server.configure({f"kustomer:{key}": value for key, value in given.items() if value is not None})
        return server

    yield start
    for server in servers:
        server.close()


def details_of(call: Callable[[], object]) -> str:
    """The gRPC details of a failed call, exactly as the host returned them."""
    with pytest.raises(ProviderError) as info:
        call()
    return info.value.details


def assert_message_alone(details: str, message: str) -> None:
    """The details are the message alone: it starts the first line; no traceback, no frame, a few lines at most."""
    assert "Traceback" not in details and 'File "' not in details, details
    assert details.splitlines()[0].startswith(message), details
    assert len(details.splitlines()) <= 3, details


def create_app(server: ProviderServer, **changes: Any) -> tuple[str, dict[str, Any]]:
    """Check, then Create, as the engine does for a new ``KustomerPrivateApp``."""
    news = {**APP, **changes, "__provider": APP_PROVIDER}
    checked = server.check(APP_URN, {}, news)
    assert checked.failures == []
    return server.create(APP_URN, checked.inputs)


# -- anticipated failures: the message alone ---------------------------------------------------------


def test_a_wrong_api_key(host: Start) -> None:
    server = host(apiKey="no-such-key-0123456789")
    details = details_of(lambda: create_app(server))
    assert_message_alone(details, "POST /v1/apps/available answered 401: ")
    assert "kustomer:apiKey" in details and "0123456789" not in details


def test_a_key_without_the_role(host: Start, simulator: SimulatorProcess) -> None:
    simulator.add_key("reader-key-0123456789", ["org.permission.apps.read"])
    details = details_of(lambda: create_app(host(apiKey="reader-key-0123456789")))
    assert_message_alone(details, "POST /v1/apps/available answered 403: ")
    assert "org.admin.apps" in details and "0123456789" not in details


def test_a_registered_version_without_adoption(host: Start) -> None:
    create_app(host())
    details = details_of(lambda: create_app(host()))  # another stack (its own host) declares the same version
    assert_message_alone(details, "Version 1.0.0 of app 'details_app' is already registered in this org")
    assert "adopt_existing=True" in details and "bump `version`" in details


def test_an_install_that_failed(host: Start, simulator: SimulatorProcess) -> None:
    simulator.set_faults(install_fail=[APP["app"]])
    details = details_of(lambda: create_app(host()))
    assert_message_alone(details, "Kustomer could not install details_app_")
    assert "simulated failure" in details and "takes back the version it registered" in details


def test_an_install_that_took_too_long(host: Start, simulator: SimulatorProcess) -> None:
    simulator.set_faults(install_ms=60_000)
    details = details_of(lambda: create_app(host(installTimeoutSeconds="1")))
    assert_message_alone(details, "The install of details_app_")
    assert "did not finish within 1s" in details and "last status: installing" in details


def test_a_platform_refusing_a_registered_client(host: Start, simulator: SimulatorProcess) -> None:
    server = host()
    news = {**KOMERZA_CLIENT, "endpoint_base_url": simulator.url, "__provider": _pickled(RegisteredClientProvider())}
    checked = server.check(CLIENT_URN, {}, news)
    assert checked.failures == []
    details = details_of(lambda: server.create(CLIENT_URN, checked.inputs))
    assert_message_alone(details, "Komerza rejects the client_secret of the Komerza client sim-dev-komerza-client")
    assert KOMERZA_CLIENT["client_secret"] not in details


def test_a_refresh_without_an_api_key_and_with_a_bad_org_name(host: Start) -> None:
    app_id, outputs = create_app(host())
    for config, message in (
        ({"apiKey": None}, NO_KEY),
        ({"orgName": "Acme Corp", "baseUrl": None}, "config kustomer:orgName must be the org's subdomain"),
    ):
        server = host(**config)
        details = details_of(lambda server=server: server.read(APP_URN, app_id, outputs, outputs))
        assert_message_alone(details, message)


def test_invalid_inputs_at_create(host: Start) -> None:
    """An engine that skipped Check (or a stale check) still gets a message naming the input, not a pydantic dump."""
    server = host()
    details = details_of(lambda: server.create(APP_URN, {**APP, "app": "Bad-Name", "__provider": APP_PROVIDER}))
    assert_message_alone(details, "Invalid inputs of PrivateAppInputs: app must start with a lowercase letter")


# -- bugs: the traceback and the report line ---------------------------------------------------------


def test_a_bug_keeps_its_traceback_and_says_where_to_report_it(host: Start, simulator: SimulatorProcess) -> None:
    server = host()
    news = {**APP, "__provider": _pickled(buggy_providers.BuggyAppProvider())}
    details = details_of(lambda: server.check(APP_URN, {}, news))
    lines = details.rstrip("\n").splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert any('kustomer_provider/resource_provider.py", line' in line for line in lines)  # the frames are kept
    assert lines[-2].startswith(f"RuntimeError: {buggy_providers.BUG}")
    assert lines[-1] == report_line()
    assert simulator.api_key not in details and "[REDACTED]" in lines[-2]  # redacted like every other text


def test_another_providers_failure_is_left_as_the_sdk_writes_it(host: Start) -> None:
    server = host()
    # The package's hook is in place in this host: an error of ours reaches it as its message alone...
    bad = details_of(lambda: server.create(APP_URN, {**APP, "app": "Bad-Name", "__provider": APP_PROVIDER}))
    assert_message_alone(bad, "Invalid inputs of PrivateAppInputs")
    # ...but a failure that never ran this package's code is not claimed as its bug.
    foreign_urn = "urn:pulumi:dev::kustomer::pulumi-python:dynamic:Resource::theirs"
    news = {"anything": "x", "__provider": _pickled(buggy_providers.ForeignProvider())}
    details = details_of(lambda: server.check(foreign_urn, {}, news))
    lines = details.rstrip("\n").splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[-1] == f"RuntimeError: {buggy_providers.FOREIGN}"
    assert "kustomer-pulumi" not in details


# -- an unusable connection: explained in full once per operation ------------------------------------


def test_a_missing_key_is_explained_once_however_many_checks_run_at_once(host: Start) -> None:
    server = host(apiKey=None)
    names = [f"app_{i}" for i in range(8)]

    def check(name: str) -> list[tuple[str, str]]:
        urn = f"{APP_URN}_{name}"
        return server.check(urn, {}, {**APP, "app": name, "__provider": APP_PROVIDER}).failures

    with ThreadPoolExecutor(max_workers=len(names)) as pool:  # the host's 4 worker threads, kept busy
        failures = [f for found in pool.map(check, names) for f in found]
    reasons = sorted(reason for _prop, reason in failures)
    assert [prop for prop, _ in failures] == [""] * len(names)
    assert sum(reason.startswith(NO_KEY) for reason in reasons) == 1
    assert sum(reason == SEE_ABOVE for reason in reasons) == len(names) - 1

    again = host(apiKey=None)  # the next preview or up: a process of its own, explained in full again
    [(_prop, reason)] = again.check(APP_URN, {}, {**APP, "__provider": APP_PROVIDER}).failures
    assert reason.startswith(NO_KEY)
