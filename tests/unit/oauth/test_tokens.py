"""The token file: 0600 from its creation, replaced whole, and errors that say what to do."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kustomer_provider.oauth.errors import OAuthInputError
from kustomer_provider.oauth.tokens import read_token_file, write_token_file
from tests.support.oauth_data import tokens


def test_token_file_is_0600_from_creation_whatever_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "tokens.json"
    old = os.umask(0)  # the most permissive umask must not widen the mode
    try:
        write_token_file(path, tokens())
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    path.chmod(0o644)
    write_token_file(path, tokens(access_token="access-token-value-2"))  # replaced, not rewritten in place
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_token_file(path).access_token == "access-token-value-2"
    assert [p.name for p in path.parent.iterdir()] == ["tokens.json"]  # no temporary file left
    assert "access-token-value-2" not in repr(read_token_file(path))


def test_token_file_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(OAuthInputError, match=r"No token file at .* login"):
        read_token_file(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text('{"access_token": 1}')
    with pytest.raises(OAuthInputError, match=r"`access_token` is 1, not a string\. Fix it, or run login"):
        read_token_file(tmp_path / "bad.json")
    assert tokens().expired(datetime(2026, 1, 2, 0, 0, 1, tzinfo=UTC))
    assert not tokens().expired(datetime(2026, 1, 1, 12, tzinfo=UTC))
