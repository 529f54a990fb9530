"""``KustomerAppInstalls``' check and diff: which entries it refuses, and when an up waits again (no server)."""

from __future__ import annotations

from typing import Any

from pulumi.runtime.rpc import UNKNOWN

from kustomer_provider.app_installs import AppInstallsProvider

ORG = "5f0c5f0c5f0c5f0c5f0c5f0c"
A, B, C = (f"{name}_{ORG}" for name in ("app_a", "app_b", "app_c"))


def provider_inputs(*apps: dict[str, Any]) -> dict[str, Any]:
    return {"apps": list(apps)}


def test_check_names_the_bad_entry_and_repeated_apps() -> None:
    provider = AppInstallsProvider()
    result = provider.check({}, provider_inputs({"app_name": A, "version": "1"}, {"app_name": A, "version": "1.0.0"}))
    failures = {f.property: f.reason for f in result.failures}
    assert "apps[0].version" in failures and "MAJOR.MINOR.PATCH" in failures["apps[0].version"]
    assert "apps[1]" in failures and "repeats apps[0]" in failures["apps[1]"]
    unknown = provider.check({}, provider_inputs({"app_name": UNKNOWN, "version": "1.0.0"}))
    assert unknown.failures == []
    # A value not known yet keeps its place: the repeat is reported where it is.
    repeated = provider.check(
        {},
        provider_inputs(
            {"app_name": UNKNOWN, "version": "1.0.0"},
            {"app_name": A, "version": "1.0.0"},
            {"app_name": A, "version": "1.0.0"},
        ),
    )
    assert [(f.property, "repeats apps[1]" in f.reason) for f in repeated.failures] == [("apps[2]", True)]


def test_diff_waits_again_only_for_changed_apps_or_installs_not_seen_final() -> None:
    provider = AppInstallsProvider()
    apps = provider_inputs({"app_name": A, "version": "1.0.0"}, {"app_name": B, "version": "1.0.0", "install": True})
    settled = {**apps, "install_statuses": {A: "installed", B: "installed"}}
    assert not provider.diff("id", settled, apps).changes  # a no-op up: nothing to wait for, no request
    bumped = provider_inputs({"app_name": A, "version": "1.1.0"}, {"app_name": B, "version": "1.0.0"})
    assert provider.diff("id", settled, bumped).changes
    failed = {**apps, "install_statuses": {A: "installed", B: "install_failed"}}
    assert provider.diff("id", failed, apps).changes
    preview = provider_inputs({"app_name": UNKNOWN, "version": "1.0.0"})
    assert provider.diff("id", settled, preview).changes
    for news in (bumped, apps, preview):
        assert not provider.diff("id", failed, news).replaces
    skipped = provider_inputs(
        {"app_name": A, "version": "1.0.0"}, {"app_name": B, "version": "1.0.0", "install": False}
    )
    assert not provider.diff("id", {**skipped, "install_statuses": {A: "installed"}}, skipped).changes
