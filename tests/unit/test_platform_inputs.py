"""A registered client's inputs: what they accept and refuse, and the secret kept out of every view."""

from __future__ import annotations

import json

from tests.support.registered_clients import SECRET, inputs


def test_the_secret_is_never_in_the_inputs_repr() -> None:
    assert SECRET not in repr(inputs("apaleo")) and json.dumps(SECRET) not in str(inputs("apaleo"))
