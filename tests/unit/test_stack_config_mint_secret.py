"""``kustomer:apps[i].mintSecret``: false declares no secret, and refuses the settings that rotate one."""

from __future__ import annotations

import pytest

from kustomer_provider.errors import KustomerConfigError
from kustomer_provider.stack_config import load_apps


def test_mint_secret_false_refuses_rotation_settings() -> None:
    item = {"app": "adopted", "version": "1.0.0", "title": "Adopted", "mintSecret": False}
    assert load_apps(lambda _: [item])[0].mint_secret is False
    with pytest.raises(KustomerConfigError) as refused:
        load_apps(lambda _: [{**item, "rotateAfterDays": 90}])
    assert "kustomer:apps[0].rotateAfterDays: rotates the app's client secret" in str(refused.value)
