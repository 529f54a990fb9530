"""Validation of the resources' inputs: every failure names its input path and the fix."""

from __future__ import annotations

import pytest
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from kustomer_provider.models import (
    AppSecretInputs,
    AvailableApp,
    PrivateAppInputs,
    SemVer,
    duplicate_failures,
    validate_inputs,
)

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


@pytest.mark.parametrize(
    ("lower", "higher"),
    [("1.0.0", "1.0.1"), ("1.0.0-beta", "1.0.0"), ("1.0.0-alpha", "1.0.0-beta"), ("1.9.0", "1.10.0"),
     ("1.0.0-2", "1.0.0-10"), ("1.0.0-rc.1", "1.0.0-rc.1.1"), ("0.9.9", "1.0.0")],
)  # fmt: skip
def test_semver_precedence(lower: str, higher: str) -> None:
    assert SemVer.parse(lower) < SemVer.parse(higher)
    assert str(SemVer.parse(lower)) == lower


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
