"""Values not known yet in a preview: both spellings the SDK uses, found at any depth."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from kustomer_provider.preview_values import contains_unknown, is_unknown


@pytest.mark.parametrize("value", [Unknown(), UNKNOWN])
def test_both_placeholders_are_unknown(value: Any) -> None:
    assert is_unknown(value) and contains_unknown(value)


@pytest.mark.parametrize("value", ["", "unknown", None, 0, [], {}, UNKNOWN + "x", b"x"])
def test_known_values_are_not_unknown(value: Any) -> None:
    assert not is_unknown(value) and not contains_unknown(value)


@pytest.mark.parametrize(
    "value",
    [
        {"a": Unknown()},
        [1, "x", UNKNOWN],
        ("a", ("b", Unknown())),
        {"apps": [{"app_name": "x"}, {"app_name": UNKNOWN}]},
    ],
)
def test_an_unknown_anywhere_inside_is_found_but_the_container_is_not_itself_unknown(value: Any) -> None:
    assert contains_unknown(value) and not is_unknown(value)


def test_a_dict_key_that_looks_unknown_is_not_a_value() -> None:
    assert not contains_unknown({UNKNOWN: "known"})
