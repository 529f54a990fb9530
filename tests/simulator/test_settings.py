"""The simulator's settings: ``--api-key`` specs parsed into keys with roles, org and pod."""

from __future__ import annotations

import pytest

from kustomer_provider.simulator import KeySpec, parse_key_spec


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("k=a,b", KeySpec("k", ("a", "b"))),
        ("k=", KeySpec("k", ())),
        ("k=a@globex", KeySpec("k", ("a",), org="globex")),
        ("k=@globex:prod2", KeySpec("k", (), org="globex", pod="prod2")),
    ],
)
def test_key_spec(text: str, expected: KeySpec) -> None:
    assert parse_key_spec(text) == expected


@pytest.mark.parametrize("text", ["k", "=a", "k=a@", "k=a@org:"])
def test_bad_key_spec(text: str) -> None:
    with pytest.raises(ValueError):
        parse_key_spec(text)
