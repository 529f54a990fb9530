"""PKCE (RFC 7636) and the login's state: S256 as the RFC's appendix B computes it, fresh values every time."""

from __future__ import annotations

from kustomer_provider.oauth.pkce import code_challenge, new_pkce, new_state


def test_pkce_s256_matches_rfc_7636_appendix_b() -> None:
    assert (
        code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
    pkce = new_pkce()
    assert 43 <= len(pkce.verifier) <= 128 and pkce.challenge == code_challenge(pkce.verifier)
    assert pkce.verifier not in repr(pkce)
    assert new_state() != new_state() and len(new_state()) >= 32
