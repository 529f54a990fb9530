"""The [ours] rules and the command line."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from kustomer_provider.simulator import KeySpec, SimulatorSettings, parse_key_spec, rules
from kustomer_provider.simulator.cli import main, settings_from_args


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


def test_cli_defaults() -> None:
    assert settings_from_args([], {}) == SimulatorSettings()
    assert SimulatorSettings().api_key == "sim-dev-admin-key"
    assert SimulatorSettings().port == 8787 and SimulatorSettings().host == "127.0.0.1"


def test_cli_every_flag() -> None:
    settings = settings_from_args(
        [
            "--host", "::1", "--port", "0", "--state-file", "s.json", "--org", "globex", "--api-key", "K",
            "--key", "r=org.permission.apps.read", "--key", "e=@eu:prod2", "--pod", "prod3",
            "--auto-consent", "--page-size", "7", "--seed", "3", "--fail-rate", "0.25", "--rate-limit", "0",
            "--latency-ms", "5", "--install-ms", "10", "--install-fail", "a", "--install-fail", "b",
            "--drop-after-commit-rate", "0.5", "--access-log",
        ],
        {},
    )  # fmt: skip
    assert settings == SimulatorSettings(
        host="::1",
        port=0,
        state_file=Path("s.json"),
        org="globex",
        api_key="K",
        keys=(KeySpec("r", ("org.permission.apps.read",)), KeySpec("e", (), org="eu", pod="prod2")),
        pod="prod3",
        auto_consent=True,
        page_size=7,
        seed=3,
        fail_rate=0.25,
        rate_limit=0,
        latency_ms=5.0,
        install_ms=10.0,
        install_fail=("a", "b"),
        drop_after_commit_rate=0.5,
        access_log=True,
    )


def test_api_key_from_environment_unless_flag() -> None:
    assert settings_from_args([], {"KUSTOMER_SIM_API_KEY": "envkey"}).api_key == "envkey"
    assert settings_from_args(["--api-key", "flag"], {"KUSTOMER_SIM_API_KEY": "envkey"}).api_key == "flag"


@pytest.mark.parametrize(
    "argv",
    [["--fail-rate", "2"], ["--drop-after-commit-rate", "-1"], ["--page-size", "0"], ["--key", "nokey"],
     ["--rate-limit", "-3"], ["--bogus"], ["--port", "70000"], ["--org", ""]],
)  # fmt: skip
def test_cli_rejects_bad_values(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        settings_from_args(argv, {})
    assert info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_unreadable_state_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "state.json"
    bad.write_text("[]")
    assert main(["--port", "0", "--state-file", str(bad)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and f"cannot load state file {bad}" in captured.err
