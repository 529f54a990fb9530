"""Validation of the resources' inputs: every failure names its input path and the fix."""

from __future__ import annotations

import pytest
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from kustomer_provider.answers import AvailableApp
from kustomer_provider.app_inputs import AppSecretInputs, PrivateAppInputs
from kustomer_provider.errors import KustomerConfigError
from kustomer_provider.input_validation import duplicate_failures, normalize_inputs, validate_inputs
from kustomer_provider.stack_config import load_apps

VALID = {"app": "my_app", "version": "1.0.0", "title": "My app"}


def failures_of(data: dict) -> dict[str, str]:
    _, failures = validate_inputs(PrivateAppInputs, data)
    return {f.property: f.reason for f in failures}


def test_valid_inputs_make_the_definition_kustomer_expects() -> None:
    model, failures = validate_inputs(
        PrivateAppInputs,
        {**VALID, "redirect_uris": ["https://example.com/cb"], "definition": {"roles": ["org.permission.apps"]}},
    )
    assert failures == []
    assert isinstance(model, PrivateAppInputs)
    assert model.to_definition() == {
        "app": "my_app",
        "version": "1.0.0",
        "title": "My app",
        "visibility": "private",
        "redirectUris": ["https://example.com/cb"],
        "roles": ["org.permission.apps"],
    }


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("app", "my-app", "no dashes"),
        ("app", "My_app", "lowercase"),
        ("app", "1app", "start with a lowercase letter"),
        ("app", "a" * 40, "at most 39"),
        ("version", "1.0", "MAJOR.MINOR.PATCH"),
        ("version", "v1.0.0", "MAJOR.MINOR.PATCH"),
        ("version", "01.0.0", "MAJOR.MINOR.PATCH"),
        ("title", "", "must not be empty"),
        ("title", "   ", "must not be empty"),
        ("title", 5, "must be a string"),
    ],
)
def test_bad_scalar_inputs_name_the_field(field: str, value: object, expected: str) -> None:
    failures = failures_of({**VALID, field: value})
    assert list(failures) == [field]
    assert expected in failures[field]


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("http://example.com/cb", "must use https"),
        ("https://example.com/cb#frag", "fragment"),
        ("example.com/cb", "absolute URL"),
        ("ftp://example.com/cb", "absolute URL"),
        ("https://user:pw@example.com/cb", "user name or password"),
        ("https://exa mple.com/cb", "whitespace"),
    ],
)
def test_bad_redirect_uri_is_reported_at_its_index(uri: str, expected: str) -> None:
    failures = failures_of({**VALID, "redirect_uris": ["https://ok.example.com/cb", uri]})
    assert list(failures) == ["redirect_uris[1]"]
    assert expected in failures["redirect_uris[1]"]


@pytest.mark.parametrize("uri", ["http://127.0.0.1:8080/cb", "http://localhost/cb", "http://[::1]:9000/cb"])
def test_loopback_http_redirect_uris_are_allowed(uri: str) -> None:
    assert failures_of({**VALID, "redirect_uris": [uri]}) == {}


def test_duplicate_redirect_uris_point_at_the_repeat() -> None:
    failures = duplicate_failures(
        "redirect_uris", ["https://a.example/cb", "https://b.example/cb", "https://a.example/cb"]
    )
    assert [(f.property, "redirect_uris[0]" in f.reason) for f in failures] == [("redirect_uris[2]", True)]


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        ({"colour": "red"}, "unknown top-level key 'colour'"),
        ({"title": "x"}, "use the `title` input"),
        ({"redirectUris": []}, "use the `redirect_uris` input"),
        ({"visibility": "public"}, "always registers private apps"),
    ],
)
def test_definition_keys_are_checked(definition: dict, expected: str) -> None:
    failures = failures_of({**VALID, "definition": definition})
    assert list(failures) == ["definition"]
    assert expected in failures["definition"]


def test_unknown_inputs_pass_and_the_known_rest_is_still_checked() -> None:
    # A preview: the title is computed elsewhere and not known yet; the version is wrong.
    for unknown in (Unknown(), UNKNOWN):
        assert failures_of({**VALID, "title": unknown}) == {}
        assert list(failures_of({**VALID, "title": unknown, "version": "1.0"})) == ["version"]
        assert failures_of({**VALID, "redirect_uris": ["https://a.example/cb", unknown]}) == {}
    model, failures = validate_inputs(PrivateAppInputs, {**VALID, "title": Unknown()})
    assert model is None and failures == []


def test_missing_required_inputs_are_named() -> None:
    failures = failures_of({"app": "my_app"})
    assert failures == {"version": "version is required", "title": "title is required"}


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("app_name", "bad-name_5f0c", "no dashes"),
        ("app_version", "2", "MAJOR.MINOR.PATCH"),
        ("rotate_after_days", 0, "greater than or equal to 1"),
        ("rotate_after_days", -3, "greater than or equal to 1"),
        ("rotate_after_days", 1.5, "whole number"),
        ("rotate_after_days", True, "whole number"),
        ("rotate_after_days", 4000, "less than or equal to 3650"),
        ("rotation_triggers", ["a"], "map of names to values"),
    ],
)
def test_secret_inputs(field: str, value: object, expected: str) -> None:
    _, failures = validate_inputs(AppSecretInputs, {"app_name": "my_app_5f0c", field: value})
    assert [f.property for f in failures] == [field]
    assert expected in failures[0].reason


def test_rotate_after_days_arrives_as_a_float_from_the_engine() -> None:
    model, failures = validate_inputs(AppSecretInputs, {"app_name": "my_app", "rotate_after_days": 90.0})
    assert failures == [] and isinstance(model, AppSecretInputs)
    assert model.rotate_after_days == 90


def test_available_app_matches_its_definition_but_not_a_changed_one() -> None:
    registered = AvailableApp.from_resource(
        {
            "type": "available_app",
            "id": "my_app_5f0c-1.0.0",
            "attributes": {
                "name": "my_app_5f0c", "app": "my_app", "version": "1.0.0", "title": "My app",
                "visibility": "private", "redirectUris": [], "clientId": "abc", "auth": {},
            },
        }
    )  # fmt: skip
    definition = PrivateAppInputs.model_validate(VALID).to_definition()
    assert registered.matches_definition(definition)
    assert not registered.matches_definition({**definition, "title": "Other"})


# -- correct by construction (issue 11) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "path", "expected"),
    [
        ("app", "my_app\n", "app", "U+000A"),
        ("app", "my_\u0430pp", "app", "lowercase letter"),  # a Cyrillic a
        ("version", "1.0.1\u0661", "version", "MAJOR.MINOR.PATCH"),
        ("version", "1.0.0\n", "version", "U+000A"),
        ("title", "My\u2066app", "title", "LEFT-TO-RIGHT ISOLATE"),
        ("title", "My app\u2028", "title", "LINE SEPARATOR"),
        ("description", "line\r\nbreak", "description", "U+000D"),
        ("icon_url", "https://e.com/i.png\n", "icon_url", "U+000A"),
        ("redirect_uris", ["https://e.com:8o/cb"], "redirect_uris[0]", "impossible port"),
        ("redirect_uris", ["https://e.com:/cb"], "redirect_uris[0]", "impossible port"),
        ("redirect_uris", ["https:///cb"], "redirect_uris[0]", "no host name"),
        ("redirect_uris", ["https:example.com/cb"], "redirect_uris[0]", "absolute URL"),
        ("redirect_uris", ["https://999.1.1.1/cb"], "redirect_uris[0]", "impossible IPv4"),
        ("redirect_uris", ["https://-e.com/cb"], "redirect_uris[0]", "invalid host name"),
        ("redirect_uris", ["https://[fe80::1%25eth0]/cb"], "redirect_uris[0]", "IPv6"),
        ("redirect_uris", ["https://e.com\\@evil.com/cb"], "redirect_uris[0]", "characters a URL allows"),
        ("redirect_uris", ["https://e.com/%zz"], "redirect_uris[0]", "%XX"),
        ("redirect_uris", [{"url": "https://e.com"}], "redirect_uris[0]", "must be a string"),
        ("definition", {"settings": {"n": 2**60}}, "definition.settings.n", "2**53"),
        ("definition", {"settings": {"k\u200b": 1}}, "definition.settings", "control or invisible"),
        ("definition", {"roles": ["org.permission.customer.read", "Org.Admin"]}, "definition.roles[1]", "role string"),
        ("definition", {"meta": {"odd key": [1, float("-inf")]}}, 'definition.meta["odd key"][1]', "finite"),
        ("install", "yes", "install", "true or false"),
        ("install", 1, "install", "true or false"),
    ],
)
def test_every_class_of_bad_value_is_refused_at_its_path(field: str, value: object, path: str, expected: str) -> None:
    failures = failures_of({**VALID, field: value})
    assert list(failures) == [path], failures
    assert expected in failures[path] and failures[path].startswith(path)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("redirect_uris", ["https://e.com:8443/cb?x=1", "http://localhost:8080/cb", "https://xn--exmple-cua.com/cb"]),
        ("redirect_uris", ["https://API.Example.COM/cb", "https://[2001:db8::1]/cb", "https://e.com/a%20b"]),
        ("description", "Two lines\nand a\ttab, \u00e9t\u00e9 \u2603"),
        ("title", "\u00c9t\u00e9 app \u2603"),
        ("definition", {"settings": {"note": "line\nline", "n": 2**53, "f": 1.5, "none": None}}),
    ],
)
def test_good_values_pass(field: str, value: object) -> None:
    assert failures_of({**VALID, field: value}) == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("90", 90), (90.0, 90), (90, 90), ("0090", 90)],
)
def test_rotate_after_days_is_converted_once_in_the_model(value: object, expected: int) -> None:
    model, failures = validate_inputs(AppSecretInputs, {"app_name": "my_app", "rotate_after_days": value})
    assert failures == [] and model is not None and model.rotate_after_days == expected
    assert normalize_inputs(AppSecretInputs, {"rotate_after_days": value})["rotate_after_days"] == expected


@pytest.mark.parametrize(
    "value", [True, False, "90.0", " 90", "+90", "9e1", "\u0669\u0660", float("nan"), float("inf")]
)
def test_rotate_after_days_refuses_what_is_not_plainly_a_whole_number(value: object) -> None:
    _, failures = validate_inputs(AppSecretInputs, {"app_name": "my_app", "rotate_after_days": value})
    assert [f.property for f in failures] == ["rotate_after_days"]
    assert "whole number" in failures[0].reason


def test_booleans_given_as_text_are_converted_and_other_text_is_refused() -> None:
    model, failures = validate_inputs(PrivateAppInputs, {**VALID, "install": "false", "adopt_existing": "True"})
    assert failures == [] and model is not None
    assert (model.install, model.adopt_existing) == (False, True)
    assert normalize_inputs(PrivateAppInputs, {"install": "false", "title": Unknown()})["install"] is False


def test_normalize_leaves_unknown_invalid_and_foreign_values_as_they_are() -> None:
    unknown = Unknown()
    data = {"rotate_after_days": unknown, "app_name": "bad-name", "client_id": "c", "rotation_triggers": {"q": "1"}}
    assert normalize_inputs(AppSecretInputs, data) == {**data, "rotation_triggers": {"q": "1"}}
    assert normalize_inputs(AppSecretInputs, data)["rotate_after_days"] is unknown


def test_nested_unknowns_pass_and_the_known_rest_is_still_checked() -> None:
    definition = {"roles": [Unknown(), "org.admin.apps"], "settings": {"a": UNKNOWN, "b": float("nan")}}
    assert list(failures_of({**VALID, "definition": definition})) == ["definition.settings.b"]
    assert failures_of({**VALID, "definition": {"roles": [Unknown()], "settings": {"a": [UNKNOWN]}}}) == {}


def test_an_input_name_with_a_control_character_is_named_escaped() -> None:
    failures = failures_of({**VALID, "tit\nle": "x"})
    assert list(failures) == ['["tit\\nle"]']
    assert "\n" not in failures['["tit\\nle"]']


def test_the_stack_config_gives_the_same_verdict_with_its_own_path() -> None:
    item = {**VALID, "redirectUris": ["https://e.com/cb", "https://e.com:0/cb"], "rotateAfterDays": "30"}
    with pytest.raises(KustomerConfigError) as info:
        load_apps(lambda key: [item])
    assert str(info.value).splitlines()[1:] == [
        "  kustomer:apps[0].redirectUris[1]: has an impossible port '0': a port is a number from 1 to 65535; "
        "got 'https://e.com:0/cb'"
    ]
    (app,) = load_apps(lambda key: [{**item, "redirectUris": ["https://e.com/cb"], "install": "false"}])
    assert (app.rotate_after_days, app.install) == (30, False)
