"""The bad-input table: every input of both resources, every config key and every field of `kustomer:apps`,
with malformed values. Each gives a clear error that names the field, and, where the fault is visible
locally, no API request at all (the simulator's stats say so).

Resource inputs go through the real provider server's Check over gRPC; config keys through a provider
process configured with them; `kustomer:apps` through the program's own validation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from kustomer_provider.app_secret import AppSecretProvider
from kustomer_provider.errors import KustomerConfigError
from kustomer_provider.private_app import PrivateAppProvider
from kustomer_provider.simulator import SimulatorProcess
from kustomer_provider.stack_config import load_apps
from tests.conftest import EngineFactory, dev_stack_config
from tests.harness.provider_server import ProviderError, ProviderServer

ORG_HEX = "0123456789abcdef01234567"
APP = {"app": "good_app", "version": "1.0.0", "title": "Good", "redirect_uris": ["https://example.com/cb"]}
SECRET = {"app_name": f"good_app_{ORG_HEX}"}
DROP = object()  # remove the input

# (case id, resource, input, bad value, property the failure must name, phrase the reason must contain)
RESOURCE_CASES: list[tuple[str, str, str, Any, str, str]] = [
    ("app wrong type", "app", "app", 123, "app", "must be a string"),
    ("app empty", "app", "app", "", "app", "at least 1 character"),
    ("app too long", "app", "app", "a" * 40, "app", "at most 39 characters"),
    ("app with dash", "app", "app", "my-app", "app", "no dashes or spaces"),
    ("app with space", "app", "app", "my app", "app", "no dashes or spaces"),
    ("app uppercase", "app", "app", "MyApp", "app", "lowercase"),
    ("app leading digit", "app", "app", "1app", "app", "start with a lowercase letter"),
    ("app missing", "app", "app", DROP, "app", "is required"),
    ("version two parts", "app", "version", "1.0", "version", "MAJOR.MINOR.PATCH"),
    ("version with v", "app", "version", "v1.0.0", "version", "MAJOR.MINOR.PATCH"),
    ("version empty", "app", "version", "", "version", "MAJOR.MINOR.PATCH"),
    ("version leading zero", "app", "version", "01.0.0", "version", "MAJOR.MINOR.PATCH"),
    ("version build metadata", "app", "version", "1.0.0+b1", "version", "MAJOR.MINOR.PATCH"),
    ("version a number", "app", "version", 1, "version", "must be a string"),
    ("version missing", "app", "version", DROP, "version", "is required"),
    ("title empty", "app", "title", "", "title", "must not be empty"),
    ("title blank", "app", "title", "   ", "title", "must not be empty"),
    ("title too long", "app", "title", "t" * 256, "title", "at most 255 characters"),
    ("title a number", "app", "title", 5, "title", "must be a string"),
    ("title missing", "app", "title", DROP, "title", "is required"),
    ("redirect_uris a string", "app", "redirect_uris", "https://example.com/cb", "redirect_uris", "must be a list"),
    ("redirect_uri http public", "app", "redirect_uris", ["http://example.com/cb"], "redirect_uris[0]", "must use https"),
    ("redirect_uri fragment", "app", "redirect_uris", ["https://example.com/cb#x"], "redirect_uris[0]", "fragment"),
    ("redirect_uri relative", "app", "redirect_uris", ["/callback"], "redirect_uris[0]", "absolute URL"),
    ("redirect_uri ftp", "app", "redirect_uris", ["ftp://example.com/cb"], "redirect_uris[0]", "absolute URL"),
    ("redirect_uri whitespace", "app", "redirect_uris", ["https://exa mple.com"], "redirect_uris[0]", "whitespace"),
    ("redirect_uri user info", "app", "redirect_uris", ["https://u:p@example.com"], "redirect_uris[0]", "user name"),
    ("redirect_uri not text", "app", "redirect_uris", [5], "redirect_uris[0]", "must be a string"),
    ("redirect_uri too long", "app", "redirect_uris", ["https://e.com/" + "a" * 2040], "redirect_uris[0]", "at most 2048"),
    ("redirect_uris duplicate", "app", "redirect_uris", ["https://e.com/cb", "https://e.com/cb"], "redirect_uris[1]", "repeats redirect_uris[0]"),
    ("redirect_uris too many", "app", "redirect_uris", [f"https://e.com/{i}" for i in range(51)], "redirect_uris", "at most 50"),
    ("description too long", "app", "description", "d" * 10_001, "description", "at most 10000"),
    ("description a list", "app", "description", ["x"], "description", "must be a string"),
    ("icon_url http", "app", "icon_url", "http://example.com/i.png", "icon_url", "https URL"),
    ("icon_url not a URL", "app", "icon_url", "icon.png", "icon_url", "https URL"),
    ("definition unknown key", "app", "definition", {"colour": "red"}, "definition", "unknown top-level key 'colour'"),
    ("definition sets title", "app", "definition", {"title": "x"}, "definition", "use the `title` input"),
    ("definition sets visibility", "app", "definition", {"visibility": "public"}, "definition", "private apps"),
    ("definition roles not a list", "app", "definition", {"roles": "org.admin.apps"}, "definition.roles", "list of role strings"),
    ("definition not a map", "app", "definition", "roles", "definition", "map of names to values"),
    ("install not a boolean", "app", "install", "yes", "install", "true or false"),
    ("adopt_existing not a boolean", "app", "adopt_existing", 1, "adopt_existing", "true or false"),
    ("unknown app input", "app", "colour", "red", "colour", "not an input of this resource"),
    ("app_name missing", "secret", "app_name", DROP, "app_name", "is required"),
    ("app_name empty", "secret", "app_name", "", "app_name", "at least 1 character"),
    ("app_name with dash", "secret", "app_name", "bad-name", "app_name", "no dashes"),
    ("app_name a number", "secret", "app_name", 42, "app_name", "must be a string"),
    ("app_name too long", "secret", "app_name", "a" * 65, "app_name", "at most 64"),
    ("app_version not semver", "secret", "app_version", "1.0", "app_version", "MAJOR.MINOR.PATCH"),
    ("app_version a number", "secret", "app_version", 1, "app_version", "must be a string"),
    ("rotation_triggers a list", "secret", "rotation_triggers", ["q4"], "rotation_triggers", "map of names"),
    ("rotation_triggers nested", "secret", "rotation_triggers", {"q": {"n": 1}}, "rotation_triggers.q", "string, number or boolean"),
    ("rotate_after_days negative", "secret", "rotate_after_days", -1, "rotate_after_days", "greater than or equal to 1"),
    ("rotate_after_days zero", "secret", "rotate_after_days", 0, "rotate_after_days", "greater than or equal to 1"),
    ("rotate_after_days fraction", "secret", "rotate_after_days", 1.5, "rotate_after_days", "whole number"),
    ("rotate_after_days text", "secret", "rotate_after_days", "ninety", "rotate_after_days", "whole number"),
    ("rotate_after_days boolean", "secret", "rotate_after_days", True, "rotate_after_days", "whole number"),
    ("rotate_after_days too many", "secret", "rotate_after_days", 4000, "rotate_after_days", "less than or equal to 3650"),
]  # fmt: skip

# (case id, stack config, environment, phrase the error must contain)
LOCAL_CONFIG_CASES: list[tuple[str, dict[str, Any], dict[str, str], str]] = [
    ("no API key anywhere", {"kustomer:orgName": "acme"}, {}, "pulumi config set --secret kustomer:apiKey"),
    ("API key with Bearer prefix", {"kustomer:apiKey": "Bearer k-0123456789"}, {}, "'Bearer ' prefix"),
    ("API key with a line break", {"kustomer:apiKey": "k-0123\n456789"}, {}, "spaces or line breaks"),
    ("API key from env with a space", {}, {"KUSTOMER_API_KEY": "k-01 23456789"}, "environment variable KUSTOMER_API_KEY"),
    ("orgName not a subdomain", {"kustomer:orgName": "Acme Inc"}, {}, "config kustomer:orgName must be the org's subdomain"),
    ("orgName from env bad", {"kustomer:orgName": ""}, {"KUSTOMER_ORG_NAME": "-acme"}, "KUSTOMER_ORG_NAME"),
    ("baseUrl plain http", {"kustomer:baseUrl": "http://api.example.com"}, {}, "config kustomer:baseUrl must use https"),
    ("baseUrl with a path", {"kustomer:baseUrl": "https://acme.api.kustomerapp.com/v1"}, {}, "without a path"),
    ("baseUrl not a URL", {"kustomer:baseUrl": "acme.api.kustomerapp.com"}, {}, "absolute URL"),
    ("no org and no baseUrl", {"kustomer:orgName": "", "kustomer:baseUrl": ""}, {}, "kustomer:orgName"),
    ("installTimeoutSeconds text", {"kustomer:installTimeoutSeconds": "soon"}, {}, "kustomer:installTimeoutSeconds"),
    ("installTimeoutSeconds zero", {"kustomer:installTimeoutSeconds": "0"}, {}, "kustomer:installTimeoutSeconds"),
    ("installTimeoutSeconds huge", {"kustomer:installTimeoutSeconds": "99999"}, {}, "at most 3600"),
]  # fmt: skip

# (case id, kustomer:apps value, phrase the error must contain)
APPS_CASES: list[tuple[str, Any, str]] = [
    ("apps missing", None, "kustomer:apps is not set"),
    ("apps not a list", "stackone_link", "must be a non-empty list"),
    ("apps empty", [], "must be a non-empty list"),
    ("app not an object", ["stackone_link"], "kustomer:apps[0]"),
    ("app name missing", [{"version": "1.0.0", "title": "t"}], "kustomer:apps[0].app: is required"),
    ("app name with dash", [{"app": "a-b", "version": "1.0.0", "title": "t"}], "kustomer:apps[0].app: "),
    ("version bad", [{"app": "a", "version": "1", "title": "t"}], "kustomer:apps[0].version: "),
    ("title empty", [{"app": "a", "version": "1.0.0", "title": ""}], "kustomer:apps[0].title: "),
    ("field misspelt", [{"app": "a", "version": "1.0.0", "title": "t", "redirectURIs": []}], "kustomer:apps[0].redirectURIs: is not a field"),
    ("redirect uri http", [{"app": "a", "version": "1.0.0", "title": "t", "redirectUris": ["http://e.com"]}], "kustomer:apps[0].redirectUris[0]: must use https"),
    ("scope with a space", [{"app": "a", "version": "1.0.0", "title": "t", "scopes": ["org permission"]}], "kustomer:apps[0].scopes[0]: "),
    ("rotateAfterDays zero", [{"app": "a", "version": "1.0.0", "title": "t", "rotateAfterDays": 0}], "kustomer:apps[0].rotateAfterDays: "),
    ("secretFollowsVersion text", [{"app": "a", "version": "1.0.0", "title": "t", "secretFollowsVersion": "yes"}], "kustomer:apps[0].secretFollowsVersion: "),
    ("same app twice", [{"app": "a", "version": "1.0.0", "title": "t"}, {"app": "a", "version": "1.0.0", "title": "u"}], "kustomer:apps[1].app: 'a' is already apps[0]"),
]  # fmt: skip

TABLE_SIZE = len(RESOURCE_CASES) + len(LOCAL_CONFIG_CASES) + len(APPS_CASES) + 4  # + the API-visible cases below


@pytest.fixture(scope="module")
def module_simulator() -> Iterator[SimulatorProcess]:
    with SimulatorProcess(["--install-ms", "50"]) as sim:
        yield sim


@pytest.fixture(scope="module")
def provider(module_simulator: SimulatorProcess) -> Iterator[ProviderServer]:
    with ProviderServer() as server:
        server.configure({"kustomer:apiKey": module_simulator.api_key, "kustomer:baseUrl": module_simulator.url})
        yield server


PICKLED = {"app": serialize_provider(PrivateAppProvider()), "secret": serialize_provider(AppSecretProvider())}


@pytest.mark.parametrize(
    ("case", "resource", "name", "value", "prop", "phrase"), RESOURCE_CASES, ids=[c[0] for c in RESOURCE_CASES]
)
def test_resource_input(
    provider: ProviderServer,
    module_simulator: SimulatorProcess,
    case: str,
    resource: str,
    name: str,
    value: Any,
    prop: str,
    phrase: str,
) -> None:
    inputs = dict(APP if resource == "app" else SECRET)
    if value is DROP:
        inputs.pop(name)
    else:
        inputs[name] = value
    module_simulator.reset_stats()
    checked = provider.check(
        f"urn:pulumi:dev::kustomer::{resource}::bad", {}, {**inputs, "__provider": PICKLED[resource]}
    )
    assert [p for p, _ in checked.failures] == [prop], checked.failures
    reason = checked.failures[0][1]
    assert phrase in reason and reason.startswith(prop), reason
    assert module_simulator.stats()["requests"] == {}


def _create_error(config: dict[str, Any], env: dict[str, str]) -> str:
    with ProviderServer(env=env) as server:
        server.configure(config)
        news = {**APP, "__provider": PICKLED["app"]}
        checked = server.check("urn:pulumi:dev::kustomer::app::cfg", {}, news)
        assert checked.failures == []
        with pytest.raises(ProviderError) as info:
            server.create("urn:pulumi:dev::kustomer::app::cfg", {**checked.inputs, "__provider": PICKLED["app"]})
        return info.value.details


@pytest.mark.parametrize(
    ("case", "config", "env", "phrase"), LOCAL_CONFIG_CASES, ids=[c[0] for c in LOCAL_CONFIG_CASES]
)
def test_config_key(
    module_simulator: SimulatorProcess, case: str, config: dict[str, Any], env: dict[str, str], phrase: str
) -> None:
    full = {"kustomer:apiKey": module_simulator.api_key, "kustomer:baseUrl": module_simulator.url, **config}
    if "kustomer:orgName" in config and "kustomer:baseUrl" not in config:
        full.pop("kustomer:baseUrl")
    if "KUSTOMER_API_KEY" in env or case == "no API key anywhere":
        full.pop("kustomer:apiKey")
    module_simulator.reset_stats()
    details = _create_error(full, env)
    assert "KustomerConfigError" in details and phrase in details, details.splitlines()[-1]
    assert module_simulator.stats()["requests"] == {}
    assert "0123456789" not in details.splitlines()[-1]


@pytest.mark.parametrize(("case", "apps", "phrase"), APPS_CASES, ids=[c[0] for c in APPS_CASES])
def test_stack_apps_field(case: str, apps: Any, phrase: str) -> None:
    config = {} if apps is None else {"apps": apps}
    with pytest.raises(KustomerConfigError) as info:
        load_apps(config.get)
    assert phrase in str(info.value), str(info.value)


@pytest.mark.parametrize(
    ("case", "roles", "pod", "phrase"),
    [
        ("key without roles", [], None, "org.admin.apps"),
        ("key with read roles only", ["org.permission.apps.read"], None, "org.admin.apps"),
        ("key of another region", ["org.admin.apps", "org.permission.apps"], "prod2", "another Kustomer region"),
    ],
)
def test_key_problems_kustomer_reports_fail_after_one_request(
    module_simulator: SimulatorProcess, case: str, roles: list[str], pod: str | None, phrase: str
) -> None:
    key = f"key-{abs(hash(case)) % 10**8:08d}-abcdef"
    module_simulator.add_key(key, roles, pod=pod)
    module_simulator.reset_stats()
    details = _create_error({"kustomer:apiKey": key, "kustomer:baseUrl": module_simulator.url}, {})
    assert phrase in details.splitlines()[-1]
    assert key not in details
    assert module_simulator.stats()["requests"] == {"POST /v1/apps/available": 1}  # refused once, not retried


def test_plaintext_api_key_in_the_stack_is_refused(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    simulator.reset_stats()
    engine = make_engine({**dev_stack_config(), "kustomer:apiKey": simulator.api_key}, secret_config={})
    result = engine.up(check=False)
    assert "kustomer:apiKey is stored in plaintext" in result.error
    assert "pulumi config set --secret kustomer:apiKey" in result.error
    assert simulator.stats()["requests"] == {}


def test_table_size_is_what_the_readme_says() -> None:
    readme = (__import__("pathlib").Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert f"{TABLE_SIZE} cases" in readme, f"README should state the bad-input table's {TABLE_SIZE} cases"
