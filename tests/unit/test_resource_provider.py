"""The providers' shared base (``resource_provider``): each resource's inputs declared once, by its model.

The resource class's ``__init__`` keeps an explicit signature (type checkers read it); these tests hold it,
its docstring and its output annotations to the model that the provider validates, defaults and diffs with.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from typing import Any

import pulumi
import pytest

from kustomer_provider.app_installs import AppInstallsProvider, KustomerAppInstalls
from kustomer_provider.app_secret import AppSecretProvider, KustomerAppSecret
from kustomer_provider.errors import KustomerError
from kustomer_provider.fields import Bool, RotateAfterDays
from kustomer_provider.input_validation import InputFailure, InputModel
from kustomer_provider.private_app import KustomerPrivateApp, PrivateAppProvider
from kustomer_provider.registered_client import RegisteredClientProvider, RegisteredOAuthClient
from kustomer_provider.resource_provider import KustomerResourceProvider, resource_properties
from kustomer_provider.stack_config import AppConfig

RESOURCES: list[tuple[type[pulumi.dynamic.Resource], type[KustomerResourceProvider[Any]]]] = [
    (KustomerPrivateApp, PrivateAppProvider),
    (KustomerAppSecret, AppSecretProvider),
    (KustomerAppInstalls, AppInstallsProvider),
    (RegisteredOAuthClient, RegisteredClientProvider),
]
IDS = [resource.__name__ for resource, _ in RESOURCES]
NOT_INPUTS = ("self", "resource_name", "opts")


def _arguments(resource: type) -> dict[str, inspect.Parameter]:
    parameters = inspect.signature(resource.__init__).parameters  # type: ignore[misc]
    return {name: p for name, p in parameters.items() if name not in NOT_INPUTS}


@pytest.mark.parametrize(("resource", "provider"), RESOURCES, ids=IDS)
def test_signature_docstring_and_outputs_agree_with_the_model(
    resource: type, provider: type[KustomerResourceProvider[Any]]
) -> None:
    fields = provider.inputs_model.model_fields
    arguments = _arguments(resource)
    assert list(arguments) == list(fields)  # the same inputs, in the same order
    for name, argument in arguments.items():
        assert argument.kind is inspect.Parameter.KEYWORD_ONLY, name
        if fields[name].is_required():
            assert argument.default is inspect.Parameter.empty, f"{name} is required by the model"
        if argument.default not in (inspect.Parameter.empty, None):
            assert argument.default == provider.input_defaults()[name], f"{name}: the signature's default differs"
    documented = re.findall(r":param (\w+):", inspect.getdoc(resource.__init__) or "")  # type: ignore[misc]
    assert documented == ["resource_name", *arguments, "opts"]
    annotations = inspect.get_annotations(resource)
    assert set(fields) <= set(annotations), "every input is an output attribute of the resource too"


@pytest.mark.parametrize(("resource", "provider"), RESOURCES, ids=IDS)
def test_properties_name_a_missing_required_input_and_fill_defaults_and_outputs(
    resource: type, provider: type[KustomerResourceProvider[Any]]
) -> None:
    required = [name for name, info in provider.inputs_model.model_fields.items() if info.is_required()]
    for name in required:
        given = {other: "x" for other in required if other != name}
        with pytest.raises(TypeError, match=f"Missing required property '{name}'"):
            resource_properties(provider, resource, given)
    props = resource_properties(provider, resource, dict.fromkeys(required, "x"))
    optional = [name for name in provider.inputs_model.model_fields if name not in required]
    assert {name: props[name] for name in optional} == {name: provider.input_defaults()[name] for name in optional}
    outputs = [name for name in props if name not in provider.inputs_model.model_fields]
    assert outputs and all(props[name] is None for name in outputs)


def test_the_stack_config_takes_the_app_resources_inputs_by_their_camel_case_names() -> None:
    app = AppConfig.model_validate(
        {"app": "my_app", "version": "1.0.0", "title": "T", "redirectUris": ["https://e.com/cb"], "rotateAfterDays": 9}
    )
    assert app.redirect_uris == ["https://e.com/cb"] and app.rotate_after_days == 9
    for name in PrivateAppProvider.inputs_model.model_fields:
        if name != "wait_for_install":  # how to run an up, not what the app is: no stack key
            assert name in AppConfig.model_fields, name


def test_reading_inputs_check_refused_never_shows_the_secret() -> None:
    secret = "made-up-secret\x07-value"
    inputs = {"platform": "apaleo", "client_id": "APP-SP", "client_secret": secret, "client_code": "APP"}
    with pytest.raises(KustomerError) as info:
        RegisteredClientProvider.read_inputs({**inputs, "redirect_uris": ["https://e.com/cb"], "scopes": ["a.read"]})
    assert "client_secret" in str(info.value) and "made-up-secret" not in str(info.value)


def test_diff_sees_a_changed_input_as_the_model_converts_it() -> None:
    olds = {"app_name": "my_app_0123456789abcdef01234567", "rotate_after_days": 90}
    same = AppSecretProvider.input_changes(olds, {**olds, "rotate_after_days": "90"})
    assert not same and same.changed == [] and same.unknown == []
    changed = AppSecretProvider.input_changes(olds, {**olds, "rotate_after_days": 91})
    assert changed.changed == ["rotate_after_days"]


# -- the shared pieces, on a small provider of their own ---------------------------------------------------


class _SmallInputs(InputModel):
    """A small resource's inputs, converted as the real models convert theirs."""

    title: str
    rotate_after_days: RotateAfterDays | None = None
    install: Bool = True


class _SmallProvider(KustomerResourceProvider[_SmallInputs]):
    talks_to_kustomer = False

    def rule_failures(
        self, olds: Mapping[str, Any], inputs: _SmallInputs, news: Mapping[str, Any]
    ) -> list[InputFailure]:
        return [InputFailure("title", "is too long")] if len(inputs.title) > 5 else []


def test_defaults_fill_missing_and_none_inputs_but_not_falsy_ones() -> None:
    view = _SmallProvider.input_view({"title": "", "install": False, "other": 1})
    assert view == {"title": "", "rotate_after_days": None, "install": False}  # only the declared inputs
    assert _SmallProvider.input_view({"title": None})["install"] is True


def test_check_converts_the_inputs_drops_the_pickled_provider_and_reports_the_resources_own_rules() -> None:
    news = {"title": "longer", "rotate_after_days": "90", "install": "true", "__provider": "pickled"}
    result = _SmallProvider().check({}, news)
    assert result.inputs == {"title": "longer", "rotate_after_days": 90, "install": True}
    assert [(f.property, f.reason) for f in result.failures] == [("title", "is too long")]


def test_what_diff_compares_is_the_converted_view() -> None:
    stored = _SmallProvider.normalized_view({"title": "t", "rotate_after_days": 90})
    given = _SmallProvider.normalized_view({"title": "t", "rotate_after_days": "90", "install": "true"})
    assert stored == given == {"title": "t", "rotate_after_days": 90, "install": True}
    assert not _SmallProvider.input_changes(
        {"title": "t", "rotate_after_days": 90}, {"title": "t", "rotate_after_days": "90"}
    )


def test_input_defaults_are_a_fresh_copy_each_time() -> None:
    """The defaults are worked out once per model; a caller changing its copy changes no later answer."""
    first = PrivateAppProvider.input_defaults()
    first["redirect_uris"].append("https://changed.example/cb")
    first["definition"]["roles"] = ["org.user.read"]
    again = PrivateAppProvider.input_defaults()
    assert again["redirect_uris"] == [] and again["definition"] == {}


@pytest.mark.parametrize(("resource", "provider"), RESOURCES, ids=IDS)
def test_the_secret_inputs_are_the_inputs_the_model_never_shows(
    resource: type, provider: type[KustomerResourceProvider[Any]]
) -> None:
    """Two declarations agree: the outputs the resource marks secret that are inputs, and the model's fields kept
    out of every repr. A secret input added to one and not the other would print its value in a check failure."""
    hidden = {name for name, info in provider.inputs_model.model_fields.items() if not info.repr}
    assert provider.secret_inputs == hidden
    assert hidden <= set(provider.secret_outputs)


def test_a_failure_on_a_secret_input_is_the_resources_problem_led_by_the_inputs_path() -> None:
    failures = [
        InputFailure("client_secret", "client_secret must be 72 characters"),
        InputFailure("client_secret", "is due"),  # a reason that does not start with its path gets it
        InputFailure("client_id", "client_id must hold only visible ASCII characters"),
    ]
    assert [(f.property, f.reason) for f in map(RegisteredClientProvider.check_failure, failures)] == [
        ("", "client_secret must be 72 characters"),
        ("", "client_secret: is due"),
        ("client_id", "client_id must hold only visible ASCII characters"),
    ]
    assert RegisteredClientProvider.secret_inputs == {"client_secret"}
    assert PrivateAppProvider.secret_inputs == AppSecretProvider.secret_inputs == frozenset()
