"""The claim checks' fast paths (a single string ``aud``, integer ``exp``/``iat``, ASCII nonces)
give the same verdicts, codes and messages as the general rules they short-cut."""

from __future__ import annotations

from typing import Any

import pytest

from idpbridge import TokenValidationError
from idpbridge.oidc import ExactIssuer, TokenPolicy
from idpbridge.oidc.idtoken import validate_claims

NOW = 1_800_000_000
ISS, AUD = "https://op.example.com", "client-1"
POLICY = TokenPolicy(audience=AUD, issuer=ExactIssuer(ISS))


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"iss": ISS, "sub": "u1", "aud": AUD, "exp": NOW + 600, "iat": NOW - 5}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


def verdict(c: dict[str, Any], nonce: str | None = None) -> tuple[str, str] | None:
    try:
        validate_claims({"alg": "RS256"}, c, POLICY, now=NOW, nonce=nonce)
    except TokenValidationError as exc:
        return exc.code, exc.message
    return None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, None),
        ({"exp": float(NOW + 600), "iat": float(NOW - 5)}, None),  # floats take the general path
        ({"exp": NOW - 61}, ("token.expired", "token has expired")),
        ({"exp": True}, ("token.claim", "token exp claim is not a NumericDate")),
        ({"iat": "1800000000"}, ("token.claim", "token iat claim is not a NumericDate")),
        ({"exp": ...}, ("token.claim", "token has no exp claim")),
        ({"iat": ...}, ("token.claim", "token has no iat claim")),
        # the general rules' order holds: exp, then nbf, then iat
        ({"iat": ..., "nbf": "x"}, ("token.claim", "token nbf claim is not a NumericDate")),
        ({"exp": ..., "nbf": "x"}, ("token.claim", "token has no exp claim")),
        ({"nbf": "x"}, ("token.claim", "token nbf claim is not a NumericDate")),
        ({"nbf": None}, None),
        ({"nbf": NOW + 61}, ("token.not_yet_valid", "token is not valid yet (nbf)")),
        ({"iat": NOW + 61}, ("token.issued_at", "token was issued in the future (iat)")),
        ({"aud": "other"}, ("token.audience", "token audience does not include this client")),
        ({"aud": ""}, ("token.audience", "token audience does not include this client")),
        ({"aud": [AUD]}, None),
        ({"aud": ["other"]}, ("token.audience", "token audience does not include this client")),
        ({"aud": [AUD, "other"]}, ("token.azp", "token has several audiences but no azp claim")),
        ({"aud": [AUD, "other"], "azp": AUD}, None),
        ({"aud": []}, ("token.audience", "token has no valid aud claim")),
        ({"aud": [AUD, 1]}, ("token.audience", "token has no valid aud claim")),
        ({"aud": 5}, ("token.audience", "token has no valid aud claim")),
        ({"aud": ...}, ("token.audience", "token has no valid aud claim")),
        ({"azp": "other"}, ("token.azp", "token azp is not this client")),
    ],
)
def test_claim_verdicts(changes: dict[str, Any], expected: tuple[str, str] | None) -> None:
    assert verdict(claims(**changes)) == expected


@pytest.mark.parametrize(
    ("claim", "nonce", "ok"),
    [
        ("n-1", "n-1", True),
        ("n-1", "n-2", False),
        ("nonce-é", "nonce-é", True),
        ("nonce-é", "nonce-e", False),
    ],
)
def test_nonces_compare_exactly_ascii_or_not(claim: str, nonce: str, ok: bool) -> None:
    result = verdict(claims(nonce=claim), nonce=nonce)
    assert (result is None) is ok
    if not ok:
        assert result == ("token.nonce", "token nonce does not match this transaction")


def test_a_validated_token_built_by_the_validator_is_an_ordinary_frozen_one() -> None:
    import dataclasses
    from types import MappingProxyType

    from idpbridge.oidc import ValidatedToken

    fast = ValidatedToken._of({"alg": "RS256"}, MappingProxyType({"sub": "u1"}))
    assert fast == ValidatedToken({"alg": "RS256"}, MappingProxyType({"sub": "u1"}))
    assert fast.claims["sub"] == "u1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.header = {}  # type: ignore[misc]
