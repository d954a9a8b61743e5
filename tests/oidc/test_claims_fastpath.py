"""The compiled claim map builds exactly the Identity the checked constructor builds."""

from __future__ import annotations

from typing import Any

import pytest

from idpbridge import ClaimSource, Identity
from idpbridge.oidc.claims import ClaimMap, build_identity

CASES: list[tuple[ClaimMap, dict[str, Any]]] = [
    (
        ClaimMap(),
        {"sub": "u1", "email": "a@x", "email_verified": True, "amr": ["pwd"], "auth_time": 1700000000},
    ),
    (ClaimMap(), {"sub": "u1", "email": "  ", "email_verified": "true", "groups": "one", "auth_time": 0}),
    (
        ClaimMap(string_booleans=True),
        {"sub": "u1", "email_verified": "true", "phone_number_verified": "false"},
    ),
    (
        ClaimMap(roles="realm_access.roles", tenant="org.id", username="a.b"),
        {"sub": "u1", "realm_access": {"roles": ["r", "", 3]}, "org": {"id": "t1"}, "a.b": "top-level wins"},
    ),
    (ClaimMap(email=None, groups=None, auth_time=None), {"sub": "u1", "email": "a@x", "groups": ["g"]}),
    (ClaimMap(), {"sub": "u1", "name": 42, "given_name": ["x"], "amr": "mfa", "auth_time": float("nan")}),
]


@pytest.mark.parametrize(("mapping", "claims"), CASES)
def test_build_identity_matches_the_checked_constructor(mapping: ClaimMap, claims: dict[str, Any]) -> None:
    sources = dict.fromkeys(claims, ClaimSource.ID_TOKEN)
    fast = build_identity(
        claims, sources, mapping=mapping, provider="p", connector="c", issuer="https://i", subject="u1"
    )
    slow = Identity(
        provider="p",
        connector="c",
        issuer="https://i",
        subject="u1",
        **{field: getattr(fast, field) for field in ("email", "email_verified", "phone_number")},
        **{field: getattr(fast, field) for field in ("phone_number_verified", "username", "name")},
        **{field: getattr(fast, field) for field in ("given_name", "family_name", "groups", "roles")},
        **{field: getattr(fast, field) for field in ("tenant", "amr", "auth_time")},
        claims=claims,
        sources=sources,
    )
    assert fast == slow
    claims["sub"] = "changed"  # the identity holds a frozen copy
    assert fast.claims["sub"] == "u1"
    with pytest.raises(TypeError):
        fast.claims["x"] = 1  # type: ignore[index]


def test_build_identity_still_refuses_an_empty_subject() -> None:
    with pytest.raises(ValueError, match="issuer and subject"):
        build_identity(
            {}, {}, mapping=ClaimMap(), provider="p", connector="c", issuer="https://i", subject=""
        )


def test_a_map_built_per_call_does_not_grow_the_plan_table() -> None:
    from idpbridge.oidc import claims as module

    for i in range(1000):
        build_identity(
            {"sub": "u", "x": "v"},
            {},
            mapping=ClaimMap(email=f"e{i}"),
            provider="p",
            connector="c",
            issuer="https://i",
            subject="u",
        )
    assert len(module._PLANS) <= module._MAX_PLANS


@pytest.mark.parametrize(
    "value",
    [0, -1, 1, 1700000000, 253402300799, 253402300800, 10**30, 1.5, 0.0, -0.5, True, "1700000000", None],
)
def test_auth_time_short_path_agrees_with_the_general_rule(value: object) -> None:
    from idpbridge.identity import timestamp
    from idpbridge.oidc.claims import _auth_time

    when = timestamp(value)
    assert _auth_time(value) == (when if when is not None and when.timestamp() > 0 else None)


@pytest.mark.parametrize(("mapping", "claims"), CASES)
def test_an_owned_claim_set_builds_the_same_identity_without_a_copy(
    mapping: ClaimMap, claims: dict[str, Any]
) -> None:
    sources = dict.fromkeys(claims, ClaimSource.ID_TOKEN)
    common: dict[str, Any] = {"mapping": mapping, "provider": "p", "connector": "c", "issuer": "https://i"}
    copied = build_identity(dict(claims), dict(sources), subject="u1", **common)
    kept = build_identity(claims, sources, subject="u1", owned=True, **common)
    assert kept == copied
    with pytest.raises(TypeError):
        kept.claims["x"] = 1  # type: ignore[index]


def test_a_sealed_token_set_is_the_one_the_constructor_builds() -> None:
    from pydantic import SecretStr

    from idpbridge import TokenSet

    token = SecretStr("eyJ.payload.sig")
    assert TokenSet._sealed(id_token=token) == TokenSet(id_token=token)
    assert TokenSet._sealed(access_token=token) == TokenSet(access_token=token)
    assert TokenSet._sealed(id_token=token).extra == {}
