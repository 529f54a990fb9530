"""The simulator's [ours] rules and the RFC rules it applies, each on its own (``simulator/rules.py``)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from kustomer_provider.simulator import rules


def test_org_id_rule() -> None:
    assert rules.org_id_for("acme") == hashlib.sha256(b"kustomer-sim-org:acme").hexdigest()[:24]
    assert len(rules.org_id_for("x")) == 24 and rules.org_id_for("x") != rules.org_id_for("y")


def test_fingerprint_rule() -> None:
    assert rules.fingerprint("s3cret") == hashlib.sha256(b"s3cret").hexdigest()[:16]
    assert rules.fingerprint_of_hash(rules.secret_hash("s3cret")) == rules.fingerprint("s3cret")


def test_client_id_format() -> None:
    client_id = rules.new_client_id()
    assert len(client_id) == 24 and client_id == client_id.lower() and int(client_id, 16) >= 0


def test_semver_order() -> None:
    ordered = ["0.9.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0"]
    assert sorted(reversed(ordered), key=rules.semver_key) == ordered
    with pytest.raises(ValueError):
        rules.semver_key("1.0")


def test_scopes_split_on_space_and_plus() -> None:
    assert rules.split_scopes("a b+c  a") == ["a", "b", "c"]
    assert rules.split_scopes("") == []


@pytest.mark.parametrize(
    ("host", "warns"),
    [("0.0.0.0", True), ("::", True),  # noqa: S104 (never bound: the decision alone) ("192.168.1.10", True), ("sim.example.com", True), ("::ffff:10.0.0.1", True),
     ("127.0.0.1", False), ("127.0.0.2", False), ("::1", False), ("localhost", False), ("::ffff:127.0.0.1", False)],
)  # fmt: skip
def test_bind_warning_decision(host: str, warns: bool) -> None:
    """A non-loopback bind address (every interface, a LAN address, a name) gets the stderr warning."""
    warning = rules.exposed_bind_warning(host)
    assert (warning is not None) == warns
    if warning:
        assert host in warning and "WARNING" in warning


def test_basic_credentials_rule() -> None:
    """RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding, so each part is decoded."""
    header = "Basic " + base64.b64encode(b"my%3Aclient:s%2Bcret+x").decode()
    assert rules.basic_credentials(header) == ("my:client", "s+cret x")
    assert rules.basic_credentials("basic " + base64.b64encode(b"id:").decode()) == ("id", "")
    for bad in ("Bearer abc", "Basic", "Basic ***", "Basic " + base64.b64encode(b"no colon").decode(),
                "Basic " + base64.b64encode(b"\xff:x").decode()):  # fmt: skip
        assert rules.basic_credentials(bad) is None


def test_refresh_scope_rule() -> None:
    """RFC 6749 §6: omitted means all granted scopes; a subset narrows; anything more is refused (None)."""
    granted = ["a", "b", "offline_access"]
    assert rules.refresh_scopes(granted, None) == granted and rules.refresh_scopes(granted, " ") == granted
    assert rules.refresh_scopes(granted, "b a") == ["b", "a"]
    assert rules.refresh_scopes(granted, "a c") is None
