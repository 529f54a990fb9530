"""Every input, generated: the resources' Check and the stack's ``kustomer:apps`` pass a value or name the
field at fault, never raise anything else, never make a request, and agree with each other, with Create
and Diff, and with the server's own validation of the app definition.

Providers' ``check`` and ``diff`` are called directly, as the engine's provider host calls them; the stack
config goes through ``stack_config.load_apps`` with the object ``pulumi.Config.get_object`` would give.
Values are of every JSON type, nested, with control, zero-width and non-ASCII characters, huge numbers,
NaN and infinities, strings that look almost right, and (for Check) the unknown placeholders of a preview.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st
from pulumi.dynamic import CheckResult
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN
from pydantic.alias_generators import to_camel

from kustomer_provider import provider_process
from kustomer_provider.app_installs import AppInstallsProvider
from kustomer_provider.app_secret import AppSecretProvider
from kustomer_provider.errors import KustomerConfigError
from kustomer_provider.fields import KNOWN_DEFINITION_KEYS
from kustomer_provider.preview_values import contains_unknown, is_unknown
from kustomer_provider.private_app import PrivateAppProvider
from kustomer_provider.simulator.errors import JsonApiError
from kustomer_provider.simulator.validation import validate_definition
from kustomer_provider.stack_config import APPS_KEY, load_apps

ORG_ID = "0123456789abcdef01234567"

# -- no request may leave Check: every way out fails the test -------------------------------------------

REQUESTS: list[str] = []


def _refuse(*args: Any, **kwargs: Any) -> Any:
    REQUESTS.append(repr(args)[:120])
    raise AssertionError("Check, Diff or the stack config made a request or built a client")


@pytest.fixture(autouse=True, scope="module")
def no_network() -> Iterator[None]:
    """Any HTTP request, or any use of the provider's client or connection, is recorded and fails.

    The provider runtime is configured with a usable stack config, as the host configures it before any
    Check: Check then resolves it on every example (its credential rule, which makes no request) and the
    verdicts depend on the inputs alone.
    """
    package_logger = logging.getLogger("kustomer_provider")
    saved = (list(package_logger.handlers), package_logger.level, package_logger.propagate)
    provider_process.reset()
    provider_process.configure({"kustomer:apiKey": "test-key-0123456789", "kustomer:baseUrl": "http://127.0.0.1:9"})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx.HTTPTransport, "handle_request", _refuse)
        patch.setattr(provider_process, "client", _refuse)
        patch.setattr(provider_process, "connection", _refuse)
        yield
    provider_process.reset()
    package_logger.handlers[:], package_logger.level, package_logger.propagate = saved  # configure's forwarding
    assert REQUESTS == []


# -- values ----------------------------------------------------------------------------------------------

HIDDEN = ["\x00", "\n", "\r", "\t", "\x1b", "\x7f", "\x85", "\u200b", "\u200d", "\u2060", "\u202e", "\u2066",
          "\ufeff", "\u00ad", "\u2028", "\u2029", "\ue000", "\ud800", "\u3164"]  # fmt: skip
LOOKALIKES = ["\u0661", "\u09e6", "\uff11", "\u0430", "\u0131", "\u00e9", "\u00a0", "\u3000", " ", "-", ".", "/", "\\"]
hidden = st.sampled_from(HIDDEN)
unknowns = st.sampled_from([Unknown(), UNKNOWN])


@st.composite
def almost(draw: st.DrawFn, valid: st.SearchStrategy[str]) -> str:
    """A valid value spoiled in one place: a hidden or look-alike character, or a trailing newline."""
    text = draw(valid)
    where = draw(st.integers(0, len(text)))
    spoiler = draw(st.one_of(hidden, st.sampled_from(LOOKALIKES), st.just("\n")))
    return draw(st.sampled_from([text[:where] + spoiler + text[where:], text + "\n", text + spoiler, text.upper()]))


def spoilt(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """The valid values, nearly valid ones, and any text."""
    return st.one_of(valid, valid, almost(valid), st.text(max_size=30))


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    hidden,
)
KEY_ALPHABET = st.characters(codec="ascii", exclude_characters=":") | hidden
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(KEY_ALPHABET, max_size=8), inner, max_size=4),
    max_leaves=12,
)
json_or_unknown = st.recursive(
    st.one_of(scalars, unknowns),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(KEY_ALPHABET, max_size=8), inner, max_size=4),
    max_leaves=12,
)

app_names = st.from_regex(r"[a-z][a-z0-9_]{0,30}", fullmatch=True)
versions = st.builds(
    lambda a, b, c, pre: f"{a}.{b}.{c}{pre}",
    st.integers(0, 10**20),
    st.integers(0, 99),
    st.integers(0, 99),
    st.sampled_from(["", "", "-beta", "-rc.1", "-0", "-alpha.1.x-y"]),
)
printable = st.text(
    st.characters(
        exclude_categories=("Cc", "Cf", "Co", "Cs", "Zl", "Zp", "Cn"),
        exclude_characters="\u115f\u1160\u3164\uffa0\u2800",
    ),
    min_size=1,
    max_size=40,
).filter(lambda t: t.strip() != "")
free_text = st.lists(st.one_of(printable, st.sampled_from(["\n", "\t"])), min_size=1, max_size=4).map("".join)
hosts = st.one_of(
    st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z]{2,6}){1,2}", fullmatch=True),
    st.sampled_from(["127.0.0.1", "localhost", "[::1]", "10.0.0.1", "[2001:db8::1]", "API.Example.COM"]),
)
ports = st.one_of(
    st.just(""), st.integers(1, 65535).map(lambda p: f":{p}"), st.sampled_from([":0", ":65536", ":", ":8o"])
)
paths = st.from_regex(r"(/[A-Za-z0-9._~%-]{0,8}){0,3}(\?[a-z]=[0-9a-z]{0,4})?", fullmatch=True).filter(
    lambda p: re.search(r"%(?![0-9A-Fa-f]{2})", p) is None
)
urls = st.builds(
    lambda scheme, user, host, port, path: f"{scheme}://{user}{host}{port}{path}",
    st.sampled_from(["https", "https", "http", "ftp", "HTTPS"]),
    st.sampled_from(["", "", "", "user@", "u:p@", "@"]),
    hosts,
    ports,
    paths,
)
roles = st.one_of(
    st.sampled_from(["org.permission.customer.read", "org.admin.apps", "offline_access", "org.user.apps.read"]),
    st.from_regex(r"[a-z_][a-z0-9_]{0,8}(\.[a-z_][a-z0-9_]{0,8}){0,3}", fullmatch=True),
)
definitions = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "roles": st.one_of(st.lists(spoilt(roles), max_size=3), json_values),
            "settings": json_values,
            "tags": st.lists(st.one_of(printable, json_values), max_size=3),
            "meta": st.dictionaries(st.text(KEY_ALPHABET, max_size=8), st.one_of(free_text, json_values), max_size=3),
        },
    ),
    st.dictionaries(
        st.sampled_from(sorted(KNOWN_DEFINITION_KEYS | {"title", "colour", "iconUrl"})), json_values, max_size=3
    ),
    json_values,
)
booleans = st.one_of(st.booleans(), st.sampled_from(["true", "false", "True", "False", "yes", "TRUE", "1", 1, 0, None]))
days = st.one_of(
    st.integers(-5, 4000),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(1, 3650).map(float),
    st.integers(0, 5000).map(str),
    spoilt(st.integers(1, 3650).map(str)),
    st.booleans(),
)
triggers = st.one_of(
    st.dictionaries(st.text(KEY_ALPHABET, max_size=8), st.one_of(scalars, printable), max_size=4),
    json_values,
)
namespaced = app_names.filter(lambda n: len(n) <= 39).map(lambda n: f"{n}_{ORG_ID}")

#: Valid values of each input, as a user writes them (or as Pulumi delivers them: "90", 90.0, "true").
VALID: dict[str, st.SearchStrategy[Any]] = {
    "app": app_names.filter(lambda n: len(n) <= 39),
    "version": versions,
    "title": printable,
    "redirect_uris": st.lists(
        st.sampled_from(
            [
                "https://example.com/cb",
                "http://127.0.0.1:8765/callback",
                "http://[::1]:9000/cb",
                "https://api.stackone.com/connect/oauth2/kustomer/callback",
                "https://e.com:8443/x?y=1",
            ]
        ),
        max_size=3,
        unique=True,
    ),
    "description": free_text,
    "icon_url": st.sampled_from(["https://example.com/icon.png", "https://cdn.example.org:8443/i/a%20b.svg"]),
    "definition": st.fixed_dictionaries(
        {},
        optional={"roles": st.lists(roles, max_size=3), "settings": st.dictionaries(printable, free_text, max_size=2)},
    ),
    "install": st.sampled_from([True, False, "true", "False"]),
    "adopt_existing": st.sampled_from([True, False, "True", "false"]),
    "rotate_after_days": st.one_of(
        st.integers(1, 3650), st.integers(1, 3650).map(float), st.integers(1, 3650).map(str)
    ),
    "rotation_triggers": st.dictionaries(
        printable, st.one_of(printable, st.booleans(), st.integers(-(2**53), 2**53)), max_size=3
    ),
}
#: Any value of each input: valid, nearly valid, and of every other type.
APP_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "app": spoilt(VALID["app"]),
    "version": spoilt(versions),
    "title": spoilt(printable),
    "redirect_uris": st.one_of(VALID["redirect_uris"], st.lists(spoilt(urls), max_size=4), json_values),
    "description": st.one_of(free_text, spoilt(printable), json_values),
    "icon_url": st.one_of(VALID["icon_url"], spoilt(urls), json_values),
    "definition": st.one_of(VALID["definition"], definitions),
    "install": booleans,
    "adopt_existing": booleans,
}
SECRET_FIELDS: dict[str, st.SearchStrategy[Any]] = {"rotate_after_days": days, "rotation_triggers": triggers}


#: Mostly valid: for the properties about what passes Check.
def mostly(valid: st.SearchStrategy[Any], any_value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A valid value nine times in ten."""
    return st.integers(0, 9).flatmap(lambda n: valid if n else any_value)


MOSTLY_VALID = {name: mostly(VALID[name], any_value) for name, any_value in (APP_FIELDS | SECRET_FIELDS).items()}
RESOURCE_ONLY = {
    "app": {"wait_for_install": booleans},
    "secret": {"app_name": spoilt(namespaced), "app_version": st.one_of(spoilt(versions), json_values)},
}
STACK_ONLY = {"scopes": st.one_of(st.lists(spoilt(roles), max_size=3), json_values), "secret_follows_version": booleans}
BASE_APP = {"app": "good_app", "version": "1.0.0", "title": "Good app"}
BASE_SECRET = {"app_name": f"good_app_{ORG_ID}"}


def maybe_unknown(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The values of ``strategy``, sometimes an unknown placeholder, sometimes holding one inside."""
    return st.one_of(strategy, strategy, strategy, unknowns, json_or_unknown)


def inputs(
    fields: dict[str, st.SearchStrategy[Any]], base: dict[str, Any], *, preview: bool, odd: bool = True
) -> st.SearchStrategy[dict[str, Any]]:
    """Resource inputs: the base's required values or generated ones, generated optional ones, and (``odd``)
    sometimes an input that does not exist or a required one left out."""
    wrap = maybe_unknown if preview else (lambda s: s)
    required = {name: st.one_of(st.just(value), wrap(fields[name])) for name, value in base.items() if name in fields}
    optional = {name: wrap(strategy) for name, strategy in fields.items() if name not in base}
    extras = st.dictionaries(
        st.one_of(st.sampled_from(["colour", "redirectUris", "rotateAfterDays"]), st.text(KEY_ALPHABET, max_size=4)),
        json_values,
        max_size=1,
    )
    no_extra, no_drop = st.just({}), st.none()
    return st.builds(
        lambda req, opt, extra, drop: {k: v for k, v in {**extra, **req, **opt}.items() if k != drop},
        st.fixed_dictionaries(required),
        st.fixed_dictionaries({}, optional=optional),
        st.one_of(no_extra, no_extra, no_extra, extras) if odd else no_extra,
        st.one_of(no_drop, no_drop, no_drop, st.sampled_from(sorted(base))) if odd and base else no_drop,
    )


APP_INPUTS = {**APP_FIELDS, **RESOURCE_ONLY["app"]}
SECRET_INPUTS = {**SECRET_FIELDS, **RESOURCE_ONLY["secret"]}
install_entries = st.one_of(
    st.fixed_dictionaries(
        {"app_name": maybe_unknown(spoilt(namespaced)), "version": maybe_unknown(spoilt(versions))},
        optional={"install": maybe_unknown(booleans)},
    ),
    json_or_unknown,
)
INSTALLS_INPUTS = {"apps": st.one_of(st.lists(install_entries, max_size=4), json_or_unknown)}

# -- how a verdict reads -----------------------------------------------------------------------------------


def root(prop: str) -> str:
    """The input a failure's path starts with: ``redirect_uris`` of ``redirect_uris[1]``, ``a b`` of ``["a b"]``."""
    quoted = re.match(r'\[("(?:[^"\\]|\\.)*")\]', prop)
    if quoted:
        return str(json.loads(quoted.group(1)))
    return re.split(r"[.\[]", prop, maxsplit=1)[0]


def assert_names_fields(result: CheckResult, news: dict[str, Any], base: dict[str, Any]) -> None:
    """Every failure names an input that was given (or a required one left out), and says it first; an
    input not known yet fails nothing and passes on as it is."""
    for failure in result.failures or []:
        assert failure.property, failure.reason
        assert root(failure.property) in set(news) | set(base), (failure.property, failure.reason)
        assert failure.reason.startswith(failure.property), (failure.property, failure.reason)
        assert not is_unknown(news.get(root(failure.property))), (failure.property, failure.reason)
    for name, value in news.items():
        if contains_unknown(value):
            assert result.inputs[name] is value


def to_stack_path(prop: str) -> str:
    """A resource input's path as the stack config spells it: ``redirect_uris[1]`` -> ``redirectUris[1]``."""
    head = root(prop)
    return to_camel(head) + prop[len(head) :]


def stack_problems(item: Any) -> list[str] | None:
    """``None`` if ``kustomer:apps`` = ``[item]`` loads, else the path of each problem after ``kustomer:apps[0]``."""
    try:
        load_apps(lambda key: [item] if key == "apps" else None)
    except KustomerConfigError as exc:
        lines = str(exc).splitlines()[1:]
        prefix = f"{APPS_KEY}[0]"
        assert all(line.strip().startswith(prefix) for line in lines), str(exc)
        return [line.strip()[len(prefix) :].rsplit(": ", 1)[0].split(": ", 1)[0].removeprefix(".") for line in lines]
    return None


# -- the properties ------------------------------------------------------------------------------------------


@given(news=inputs(APP_INPUTS, BASE_APP, preview=True), olds=st.one_of(st.just({}), st.just(BASE_APP), json_values))
def test_private_app_check_passes_or_names_the_field(news: dict[str, Any], olds: Any) -> None:
    olds = olds if isinstance(olds, dict) else {}
    result = PrivateAppProvider().check(olds, news)
    assert_names_fields(result, news, BASE_APP)
    event(f"failures: {bool(result.failures)}")
    if not result.failures and not contains_unknown(news):
        PrivateAppProvider.read_inputs(result.inputs)  # Create's reading of the inputs agrees with Check
    assert REQUESTS == []


@given(news=inputs(SECRET_INPUTS, BASE_SECRET, preview=True))
def test_app_secret_check_passes_or_names_the_field(news: dict[str, Any]) -> None:
    result = AppSecretProvider().check({}, news)
    assert_names_fields(result, news, BASE_SECRET)
    event(f"failures: {bool(result.failures)}")
    if not result.failures and not contains_unknown(news):
        AppSecretProvider.read_inputs(result.inputs)  # Create's reading of the inputs agrees with Check
    assert REQUESTS == []


@given(news=inputs(INSTALLS_INPUTS, {}, preview=True))
def test_app_installs_check_passes_or_names_the_field(news: dict[str, Any]) -> None:
    result = AppInstallsProvider().check({}, news)
    assert_names_fields(result, news, {})
    event(f"failures: {bool(result.failures)}")
    if not result.failures and not contains_unknown(news):
        AppInstallsProvider.read_inputs(result.inputs)
    assert REQUESTS == []


@given(item=st.one_of(inputs({**APP_FIELDS, **SECRET_FIELDS, **STACK_ONLY}, BASE_APP, preview=False), json_values))
def test_stack_apps_load_or_name_the_field(item: Any) -> None:
    camel = {to_camel(k): v for k, v in item.items()} if isinstance(item, dict) else item
    problems = stack_problems(camel)
    event(f"failures: {problems is not None}")
    for path in problems or []:
        if isinstance(camel, dict):
            assert root(path) in set(camel) | {to_camel(k) for k in BASE_APP}, (path, problems)
    assert REQUESTS == []


@given(data=st.data(), name=st.sampled_from(sorted(APP_FIELDS | SECRET_FIELDS)))
def test_same_verdict_as_resource_argument_and_in_the_stack_config(data: st.DataObject, name: str) -> None:
    value = data.draw((APP_FIELDS | SECRET_FIELDS)[name], label=name)
    if name in APP_FIELDS:
        result = PrivateAppProvider().check({}, {**BASE_APP, name: value})
    else:
        result = AppSecretProvider().check({}, {**BASE_SECRET, name: value})
    resource_paths = sorted(to_stack_path(f.property) for f in result.failures or [])
    stack_paths = sorted(stack_problems({**{to_camel(k): v for k, v in BASE_APP.items()}, to_camel(name): value}) or [])
    note(f"resource: {result.failures}; stack: {stack_paths}")
    event(f"{name}: {'refused' if resource_paths else 'accepted'}")
    assert resource_paths == stack_paths
    assert REQUESTS == []


@given(news=inputs({k: MOSTLY_VALID[k] for k in APP_FIELDS}, BASE_APP, preview=False, odd=False))
def test_what_check_passes_the_server_accepts(news: dict[str, Any]) -> None:
    result = PrivateAppProvider().check({}, news)
    if result.failures:
        event("refused by check")
        return
    event("passed check")
    definition = PrivateAppProvider.read_inputs(result.inputs).to_definition()  # what Create registers
    body = json.dumps(definition, ensure_ascii=False, allow_nan=False)  # as httpx encodes it
    body.encode("utf-8")
    try:
        validate_definition(json.loads(body), ORG_ID)
    except JsonApiError as refused:  # pragma: no cover - the failure being tested for
        pytest.fail(f"check passed {definition!r} but the server refuses it: {refused}")


@given(
    news=inputs(
        {
            **{k: MOSTLY_VALID[k] for k in SECRET_FIELDS},
            "app_name": mostly(namespaced, SECRET_INPUTS["app_name"]),
            "app_version": mostly(versions, SECRET_INPUTS["app_version"]),
        },
        BASE_SECRET,
        preview=False,
        odd=False,
    )
)
def test_secret_inputs_that_passed_check_never_differ_from_themselves(news: dict[str, Any]) -> None:
    """Stored (normalized by Check) against the same inputs given raw again: no change, so no mint."""
    result = AppSecretProvider().check({}, news)
    if result.failures:
        event("refused by check")
        return
    event("passed check")
    stored = {**result.inputs, "client_id": "cid", "fingerprint": "0" * 16}
    diff = AppSecretProvider().diff("id", stored, news)
    assert not diff.changes and not diff.replaces, (stored, news, diff.replaces)


@given(news=inputs({**APP_INPUTS, **{k: MOSTLY_VALID[k] for k in APP_FIELDS}}, BASE_APP, preview=False, odd=False))
def test_app_inputs_that_passed_check_never_differ_from_themselves(news: dict[str, Any]) -> None:
    result = PrivateAppProvider().check({}, news)
    if result.failures:
        event("refused by check")
        return
    event("passed check")
    diff = PrivateAppProvider().diff("id", {**result.inputs, "app_name": "n", "client_id": "c"}, news)
    assert not diff.changes, (result.inputs, news)
