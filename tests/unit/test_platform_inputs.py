"""A registered client's inputs: what they accept and refuse, and the secret kept out of every view."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from tests.support.registered_clients import SECRET, inputs


def test_the_secret_is_never_in_the_inputs_repr() -> None:
    assert SECRET not in repr(inputs("apaleo")) and json.dumps(SECRET) not in str(inputs("apaleo"))


def test_an_apaleo_simple_client_has_no_redirect_uri_and_the_kind_is_apaleos_alone() -> None:
    simple = inputs("apaleo", client_kind="simple", redirect_uris=[])
    assert simple.uses_client_credentials() and not inputs("apaleo").uses_client_credentials()
    assert not inputs("apaleo", client_kind="connect").uses_client_credentials()
    with pytest.raises(ValidationError, match=r"must be empty for this apaleo client \(client_kind 'simple'\)"):
        inputs("apaleo", client_kind="simple")
    with pytest.raises(ValidationError, match="must list at least one redirect URI"):
        inputs("apaleo", client_kind="connect", redirect_uris=[])
    with pytest.raises(ValidationError, match="must be one of 'connect', 'simple'"):
        inputs("apaleo", client_kind="custom", redirect_uris=[])
    with pytest.raises(ValidationError, match=r"is not a field of Teamwork\.com clients"):
        inputs("teamwork", client_kind="simple", redirect_uris=[])
