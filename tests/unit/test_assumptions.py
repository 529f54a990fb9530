"""Our [ours] decisions about the Kustomer API, as functions: what a probe's error says of a secret, which
mint refusal means "not installed", the mint paths in the order they are tried, names and fingerprints."""

from __future__ import annotations

import pytest

from kustomer_provider import assumptions


@pytest.mark.parametrize(
    ("error", "verdict"),
    [
        ("invalid_grant", "live"),  # the client was authenticated, the made-up grant refused
        ("unauthorized_client", "live"),  # RFC 6749 5.2: the *authenticated* client may not use the grant
        ("invalid_client", "dead"),
        ("invalid_request", "unknown"),
        ("server_error", "unknown"),
        ("", "unknown"),
        (None, "unknown"),  # a 200 or an HTML page: no OAuth error at all
    ],
)
def test_a_probes_error_decides_whether_the_secret_is_live(error: str | None, verdict: str) -> None:
    assert assumptions.secret_verdict(error) == verdict


@pytest.mark.parametrize(
    ("status", "text", "refused_as_not_installed"),
    [
        (400, "App must be INSTALLED before a secret is generated", True),
        (422, "the app is not installed", True),
        (400, "invalid version", False),  # a 400 about something else
        (404, "app is not installed", False),  # a 404 is the fallback's business, not an install refusal
        (500, "install service failed", False),
    ],
)
def test_a_mint_refused_for_a_missing_install_is_told_from_other_refusals(
    status: int, text: str, refused_as_not_installed: bool
) -> None:
    assert assumptions.mint_refused_as_not_installed(status, text) is refused_as_not_installed


@pytest.mark.parametrize(("status", "success"), [(199, False), (200, True), (201, True), (204, True), (299, True), (300, False), (404, False)])  # fmt: skip
def test_any_2xx_is_success(status: int, success: bool) -> None:
    assert assumptions.is_success(status) is success


def test_without_a_version_the_seed_path_is_tried_first_and_the_client_finds_the_fallback() -> None:
    first, fallback = assumptions.mint_secret_paths("my_app_abc", None)
    assert first == "/v1/apps/available/my_app_abc/secret/"  # the seed tutorial's curl, trailing slash kept
    assert fallback is None


def test_with_a_version_its_own_path_comes_first_and_the_seed_path_second() -> None:
    first, fallback = assumptions.mint_secret_paths("my_app_abc", "1.2.0")
    assert (
        first == assumptions.versioned_mint_path("my_app_abc", "1.2.0") == "/v1/apps/available/my_app_abc-1.2.0/secret"
    )
    assert fallback == assumptions.mint_secret_paths("my_app_abc", None)[0]


def test_installs_are_requested_and_read_per_version() -> None:
    assert assumptions.install_request_body("my_app_abc", "2.0.0") == {"app": "my_app_abc", "version": "2.0.0"}
    assert assumptions.install_status_path("my_app_abc", "2.0.0") == "/v1/apps/my_app_abc-2.0.0"


@pytest.mark.parametrize(
    ("app", "name", "org_id"),
    [
        ("myapp", "myapp_5f0c5f0c5f0c5f0c5f0c5f0c", "5f0c5f0c5f0c5f0c5f0c5f0c"),
        ("my_app", "my_app_org_with_underscores", "org_with_underscores"),
        ("myapp", "myapp", None),  # not namespaced
        ("myapp", "myapp_", None),  # nothing after the separator
        ("myapp", "otherapp_5f0c", None),  # another app's name
    ],
)
def test_the_org_id_is_what_follows_the_app_name(app: str, name: str, org_id: str | None) -> None:
    assert assumptions.org_id_from_name(app, name) == org_id


def test_a_fingerprint_tells_secrets_apart_without_showing_them() -> None:
    secret = "made-up-client-secret-0123456789abcdef"
    fingerprint = assumptions.secret_fingerprint(secret)
    assert fingerprint == assumptions.secret_fingerprint(secret)  # stable across calls (and processes)
    assert len(fingerprint) == 16 and int(fingerprint, 16) >= 0
    assert fingerprint not in secret and secret[:8] not in fingerprint
    assert assumptions.secret_fingerprint(secret + "x") != fingerprint
