"""The error tree's own behaviour: advice added to an install failure keeps what the failure says."""

from __future__ import annotations

from kustomer_provider.errors import KustomerError, KustomerInstallError, KustomerMintUnreadableError


def test_advice_follows_the_message_and_keeps_the_install_it_is_about() -> None:
    failure = KustomerInstallError(
        "install of crm_sync_abc 1.1.0 failed: hook rejected",
        app_name="crm_sync_abc",
        version="1.1.0",
        status="install_failed",
    )
    advised = failure.with_advice("Fix the hook, then run pulumi up again.")
    assert str(advised) == "install of crm_sync_abc 1.1.0 failed: hook rejected Fix the hook, then run pulumi up again."
    assert (advised.app_name, advised.version, advised.status) == ("crm_sync_abc", "1.1.0", "install_failed")
    assert isinstance(advised, KustomerInstallError) and advised is not failure
    assert str(failure) == "install of crm_sync_abc 1.1.0 failed: hook rejected"  # the original is unchanged


def test_advice_can_be_added_twice_in_order() -> None:
    failure = KustomerInstallError("timed out", app_name="a_abc", version="1.0.0", status="installing")
    assert str(failure.with_advice("first.").with_advice("second.")) == "timed out first. second."


def test_only_an_unreadable_mint_says_the_secret_was_probably_rotated() -> None:
    assert not KustomerError("anything").secret_probably_rotated
    unreadable = KustomerMintUnreadableError(
        "mint answered 200 without a secret", method="POST", path="/m", status_code=200
    )
    assert unreadable.secret_probably_rotated
