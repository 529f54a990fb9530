"""The bad-input table: every input of both resources, every config key and every field of `kustomer:apps`,
with malformed values. Each gives a clear error that names the field, and, where the fault is visible
locally, no API request at all (the simulator's stats say so).

Resource inputs go through the real provider server's Check over gRPC; config keys through a provider
process configured with them; `kustomer:apps` through the program's own validation.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from kustomer_provider.app_secret import AppSecretProvider
from kustomer_provider.errors import KustomerConfigError
from kustomer_provider.private_app import PrivateAppProvider
from kustomer_provider.rehearsal.provider_server import ProviderError, ProviderServer
from kustomer_provider.simulator import SimulatorProcess
from kustomer_provider.stack_config import load_apps
from tests.support.dev_stack import dev_stack_config
from tests.support.engines import EngineFactory
from tests.support.paths import RAW_PROGRAM
from tests.support.rendering import assert_program_refusal, failure_message

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
    # One row per class of issue 11: each was accepted before (or crashed Check), none is now.
    ("app trailing newline", "app", "app", "good_app\n", "app", "U+000A"),
    ("app_name trailing newline", "secret", "app_name", f"good_app_{ORG_HEX}\n", "app_name", "U+000A"),
    ("version non-ASCII digit", "app", "version", "1.0.1\u0661", "version", "MAJOR.MINOR.PATCH"),
    ("app_version non-ASCII digit", "secret", "app_version", "1\u0661.0.0", "app_version", "MAJOR.MINOR.PATCH"),
    ("title control char", "app", "title", "Good \x1b[31mapp", "title", "U+001B"),
    ("title zero-width", "app", "title", "Go\u200bod", "title", "ZERO WIDTH SPACE"),
    ("title bidi override", "app", "title", "Good\u202eppa", "title", "RIGHT-TO-LEFT OVERRIDE"),
    ("app NUL", "app", "app", "good\x00app", "app", "U+0000"),
    ("description NUL", "app", "description", "OAuth client\x00", "description", "U+0000"),
    ("redirect_uri NUL", "app", "redirect_uris", ["https://e.com/cb\x00"], "redirect_uris[0]", "U+0000"),
    ("redirect_uri impossible port", "app", "redirect_uris", ["https://e.com:99999/cb"], "redirect_uris[0]", "impossible port"),
    ("redirect_uri port zero", "app", "redirect_uris", ["https://e.com:0/cb"], "redirect_uris[0]", "impossible port"),
    ("redirect_uri empty host", "app", "redirect_uris", ["https://:443/cb"], "redirect_uris[0]", "no host name"),
    ("redirect_uri user name only", "app", "redirect_uris", ["https://user@e.com/cb"], "redirect_uris[0]", "user name"),
    ("redirect_uri non-ASCII host", "app", "redirect_uris", ["https://ex\u00e4mple.com/cb"], "redirect_uris[0]", "xn--"),
    ("icon_url user info", "app", "icon_url", "https://u:p@e.com/i.png", "icon_url", "user name"),
    ("redirect_uri a nested list", "app", "redirect_uris", [["https://e.com/cb"]], "redirect_uris[0]", "must be a string"),
    ("title a map", "app", "title", {"en": "Good"}, "title", "must be a string"),
    ("definition role a list", "app", "definition", {"roles": [["org.admin.apps"]]}, "definition.roles[0]", "role strings"),
    ("definition role trailing newline", "app", "definition", {"roles": ["org.admin.apps\n"]}, "definition.roles[0]", "U+000A"),
    ("definition NaN", "app", "definition", {"settings": {"ratio": float("nan")}}, "definition.settings.ratio", "finite number"),
    ("definition Infinity", "app", "definition", {"settings": {"max": [float("inf")]}}, "definition.settings.max[0]", "finite number"),
    ("definition zero-width in a nested string", "app", "definition", {"meta": {"note": "a\u200bb"}}, "definition.meta.note", "ZERO WIDTH"),
    ("rotation_triggers NaN", "secret", "rotation_triggers", {"q": float("nan")}, "rotation_triggers.q", "finite number"),
    ("rotation_triggers control char", "secret", "rotation_triggers", {"q": "2026\x07"}, "rotation_triggers.q", "U+0007"),
    ("rotate_after_days false", "secret", "rotate_after_days", False, "rotate_after_days", "not false"),
    ("rotate_after_days non-ASCII digits", "secret", "rotate_after_days", "\u0669\u0660", "rotate_after_days", "digits 0-9"),
    ("wait_for_install text yes", "app", "wait_for_install", "yes", "wait_for_install", "true or false"),
]  # fmt: skip

# (case id, resource, input, value as Pulumi delivers it, the value Check passes on): accepted and converted once.
NORMALIZED_CASES: list[tuple[str, str, str, Any, Any]] = [
    ("rotate_after_days as text", "secret", "rotate_after_days", "90", 90),
    ("rotate_after_days as the engine's float", "secret", "rotate_after_days", 90.0, 90),
    ("install as text", "app", "install", "false", False),
    ("adopt_existing as text", "app", "adopt_existing", "True", True),
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
    ("app trailing newline", [{"app": "a\n", "version": "1.0.0", "title": "t"}], "kustomer:apps[0].app: must not hold control"),
    ("rotateAfterDays true", [{"app": "a", "version": "1.0.0", "title": "t", "rotateAfterDays": True}], "kustomer:apps[0].rotateAfterDays: must be a whole number"),
    ("iconUrl user info", [{"app": "a", "version": "1.0.0", "title": "t", "iconUrl": "https://u@e.com/i.png"}], "kustomer:apps[0].iconUrl: must not contain a user name"),
    ("definition NaN", [{"app": "a", "version": "1.0.0", "title": "t", "definition": {"settings": {"x": float("nan")}}}], "kustomer:apps[0].definition.settings.x: must be a finite number"),
    ("redirect uri port", [{"app": "a", "version": "1.0.0", "title": "t", "redirectUris": ["https://e.com:70000/"]}], "kustomer:apps[0].redirectUris[0]: has an impossible port"),
    ("redirect uris repeated", [{"app": "a", "version": "1.0.0", "title": "t", "redirectUris": ["https://e.com/", "https://e.com/"]}], "kustomer:apps[0].redirectUris[1]: repeats"),
]  # fmt: skip

#: The cases below that need Kustomer's answer or the program (a key without roles, of another region, ...).
AFTER_A_REQUEST = 4
TABLE_SIZE = len(RESOURCE_CASES) + len(NORMALIZED_CASES) + len(LOCAL_CONFIG_CASES) + len(APPS_CASES) + AFTER_A_REQUEST


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


def _non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_non_finite(v) for v in value.values())
    return isinstance(value, list) and any(_non_finite(v) for v in value)


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
    if _non_finite(value):
        # The harness speaks protobuf's JSON mapping, which has no NaN or Infinity: ask the provider object
        # the engine's provider host would call (the NaN of a stack file comes through `kustomer:apps`).
        result = (PrivateAppProvider() if resource == "app" else AppSecretProvider()).check({}, inputs)
        failures = [(f.property, f.reason) for f in result.failures or []]
    else:
        urn = f"urn:pulumi:dev::kustomer::{resource}::bad"
        failures = provider.check(urn, {}, {**inputs, "__provider": PICKLED[resource]}).failures
    assert [p for p, _ in failures] == [prop], failures
    reason = failures[0][1]
    assert phrase in reason and reason.startswith(prop), reason
    assert module_simulator.stats()["requests"] == {}


@pytest.mark.parametrize(
    ("case", "resource", "name", "value", "converted"), NORMALIZED_CASES, ids=[c[0] for c in NORMALIZED_CASES]
)
def test_value_as_pulumi_delivers_it(
    provider: ProviderServer,
    module_simulator: SimulatorProcess,
    case: str,
    resource: str,
    name: str,
    value: Any,
    converted: Any,
) -> None:
    inputs = {**(APP if resource == "app" else SECRET), name: value}
    module_simulator.reset_stats()
    checked = provider.check(
        f"urn:pulumi:dev::kustomer::{resource}::typed", {}, {**inputs, "__provider": PICKLED[resource]}
    )
    assert checked.failures == []
    assert checked.inputs[name] == converted and type(checked.inputs[name]) is not str
    assert module_simulator.stats()["requests"] == {}


def _create_error(config: dict[str, Any], env: dict[str, str], *, fails_check: bool = False) -> str:
    """Create's error. With ``fails_check``, Check failed first (so a preview fails) with the same message, as
    the resource's problem (property ``""``), not an input's; otherwise Check passed."""
    with ProviderServer(env=env) as server:
        server.configure(config)
        news = {**APP, "__provider": PICKLED["app"]}
        checked = server.check("urn:pulumi:dev::kustomer::app::cfg", {}, news)
        assert [prop for prop, _ in checked.failures] == ([""] if fails_check else [])
        with pytest.raises(ProviderError) as info:
            server.create("urn:pulumi:dev::kustomer::app::cfg", {**checked.inputs, "__provider": PICKLED["app"]})
        assert all(reason in info.value.details for _, reason in checked.failures)
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
    details = _create_error(full, env, fails_check=True)
    assert phrase in details.splitlines()[0] and "Traceback" not in details, details  # the message alone
    assert module_simulator.stats()["requests"] == {}
    assert "0123456789" not in details


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
    # Refused once, not retried (the listing before it, which looks for a version of its own, fails as well and
    # leaves the verdict to the register).
    assert module_simulator.stats()["requests"] == {"GET /v1/apps/available": 1, "POST /v1/apps/available": 1}


def test_plaintext_api_key_in_the_stack_is_refused(make_engine: EngineFactory, simulator: SimulatorProcess) -> None:
    simulator.reset_stats()
    engine = make_engine({**dev_stack_config(), "kustomer:apiKey": simulator.api_key}, secret_config={})
    result = engine.up(check=False)
    message = failure_message(result)  # the program's refusal, under the stack: the message alone
    assert message.startswith("kustomer:apiKey is stored in plaintext in the stack file.")
    assert "`pulumi config set --secret kustomer:apiKey <key>`" in message
    assert_program_refusal(result)
    assert simulator.api_key not in result.rendered
    assert simulator.stats()["requests"] == {}


def test_the_cases_after_a_request_are_counted_right() -> None:
    """The figures the docs state (scripts/doc-figures) count the API-visible cases below: 3 key cases, 1 program."""
    key_problems = next(m for m in test_key_problems_kustomer_reports_fail_after_one_request.pytestmark)
    assert AFTER_A_REQUEST == len(key_problems.args[1]) + 1  # + test_plaintext_api_key_in_the_stack_is_refused


# -- values typed as Pulumi delivers them, end to end (engine harness, simulator) ---------------------------


@pytest.mark.parametrize("days", ["90", 90.0])
def test_rotate_after_days_as_pulumi_config_gives_it_does_not_mint_again(
    make_engine: EngineFactory, simulator: SimulatorProcess, days: Any
) -> None:
    # pulumi.Config.get gives "90"; the engine gives 90.0. Either is the 90 days stored, not a change.
    spec = {
        "name": "link",
        "app": {"app": "typed_app", "version": "1.0.0", "title": "Typed"},
        "secret": {"rotate_after_days": days},
    }
    engine = make_engine({"kustomer:testApps": [spec]}, program=RAW_PROGRAM)
    first = engine.up()
    assert first.ops("create") == ["link", "link-secret"]
    assert engine.state.by_name("link-secret").outputs["rotate_after_days"] == 90
    simulator.reset_stats()

    second = engine.up()

    assert second.ops("same") == ["link", "link-secret"], second.steps
    assert not [key for key in simulator.stats()["requests"] if key.endswith(("/secret", "/secret/"))]  # no mint
    assert second.outputs["apps"]["link"]["clientSecret"] == first.outputs["apps"]["link"]["clientSecret"]


def test_a_nan_in_the_stack_files_definition_is_refused_before_any_request(
    make_engine: EngineFactory, simulator: SimulatorProcess
) -> None:
    apps = dev_stack_config()["kustomer:apps"]
    apps[0]["definition"] = {"settings": {"ratio": float("nan")}}  # `ratio: .nan` in YAML
    simulator.reset_stats()
    result = make_engine({"kustomer:apps": apps}).up(check=False)
    assert not result.ok
    message = failure_message(result)  # the program's refusal, under the stack: the message alone
    assert message.startswith("Invalid stack config:\n  kustomer:apps[0].definition.settings.ratio: must be a finite")
    assert_program_refusal(result)
    assert simulator.stats()["requests"] == {}
