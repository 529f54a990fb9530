"""A program's refusal of its stack config is a ``pulumi.RunError``, which the language host prints as its message
alone; the engine-level tests (``tests/test_bad_input.py``, ``tests/test_rendered_failures.py``) see it rendered."""

from __future__ import annotations

import pulumi
import pytest

from kustomer_provider.errors import KustomerConfigError
from kustomer_provider.program_errors import StackConfigError, stack_config_errors
from kustomer_provider.stack_config import load_apps


def test_a_config_error_inside_becomes_a_run_error_with_the_same_message_and_key() -> None:
    with pytest.raises(StackConfigError) as info, stack_config_errors():
        raise KustomerConfigError("kustomer:apiKey is stored in plaintext", key="kustomer:apiKey")
    assert isinstance(info.value, pulumi.RunError) and isinstance(info.value, KustomerConfigError)
    assert str(info.value) == "kustomer:apiKey is stored in plaintext" and info.value.key == "kustomer:apiKey"


def test_the_stack_configs_own_refusal_comes_out_as_a_run_error() -> None:
    with pytest.raises(pulumi.RunError) as info, stack_config_errors():
        load_apps(lambda key: [{"app": "a-b", "version": "1", "title": "t"}])
    assert str(info.value).startswith("Invalid stack config:\n  kustomer:apps[0].app: ")


def test_any_other_error_passes_unchanged() -> None:
    with pytest.raises(ValueError, match="not a config problem"), stack_config_errors():
        raise ValueError("not a config problem")
