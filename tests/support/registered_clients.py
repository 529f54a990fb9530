"""A registered client's inputs, as the ``RegisteredOAuthClient`` resource validates them (made-up secrets)."""

from __future__ import annotations

from kustomer_provider.platform_inputs import RegisteredClientInputs

SECRET = "unit-client-secret-5f1d3a77"
KOMERZA_SECRET = "unit-komerza-secret-".ljust(72, "k")


def inputs(platform: str, **changes: object) -> RegisteredClientInputs:
    """Valid inputs of a client of ``platform`` at the dev simulator, with ``changes`` on top."""
    base: dict[str, object] = {
        "platform": platform,
        "client_id": "unit-client",
        "client_secret": KOMERZA_SECRET if platform == "komerza" else SECRET,
        "redirect_uris": ["https://example.com/cb"],
        "endpoint_base_url": "http://127.0.0.1:8787",
    }
    if platform == "apaleo":
        base.update(client_code="UNIT", scopes=["openid"])
    return RegisteredClientInputs.model_validate({**base, **changes})
