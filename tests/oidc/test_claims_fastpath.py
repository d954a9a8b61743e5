"""The compiled claim map builds exactly the Identity the checked constructor builds."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _build(
    claims: Mapping[str, Any], mapping: ClaimMap, sources: Mapping[str, Any] | None = None
) -> Identity:
    """``build_identity`` for provider ``p``, connector ``c``, issuer ``https://i`` and subject ``u1``."""
    return build_identity(
        claims, sources or {}, mapping=mapping, provider="p", connector="c", issuer="https://i", subject="u1"
    )


@pytest.mark.parametrize(("mapping", "claims"), CASES)
def test_build_identity_matches_the_checked_constructor(mapping: ClaimMap, claims: dict[str, Any]) -> None:
    sources = dict.fromkeys(claims, ClaimSource.ID_TOKEN)
    fast = _build(claims, mapping, sources)
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


def test_a_map_built_per_call_does_not_grow_the_plan_tables() -> None:
    from idpbridge.oidc import claims as module

    for i in range(1500):
        _build({"sub": "u", "x": "v"}, ClaimMap(email=f"e{i}"))
    assert len(module._PLANS) <= module._MAX_PLANS
    assert len(module._BUILDS) <= module._MAX_BUILDS


def test_equal_maps_share_one_compiled_builder(monkeypatch: pytest.MonkeyPatch) -> None:
    """One compile per distinct map, however many connectors hold an equal copy of it (a B2B
    deployment with a connector per organization), and even after the id table is cleared."""
    from idpbridge.oidc import claims as module

    compiled: list[ClaimMap] = []
    real = module._compile

    def counting(mapping: ClaimMap) -> Any:
        compiled.append(mapping)
        return real(mapping)

    monkeypatch.setattr(module, "_compile", counting)
    maps = [ClaimMap(email="mail", tenant="org.id") for _ in range(2 * module._MAX_PLANS + 10)]
    for mapping in maps:  # distinct objects, one value: the id table is cleared twice on the way
        got = _build({"sub": "u", "mail": "a@x", "org": {"id": "t"}}, mapping)
        assert (got.email, got.tenant) == ("a@x", "t")
    assert len(compiled) == 1


def test_a_map_holding_a_list_still_builds() -> None:
    mapping = ClaimMap(subject=["sub", "id"])  # type: ignore[arg-type]  # unhashable, built by hand
    got = _build({"id": "u", "email": "a@x"}, mapping)
    assert got.email == "a@x"


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


# -- the compiled builder against a plain reference ------------------------------------------------

_TEXTS = ("email", "phone_number", "username", "name", "given_name", "family_name", "tenant")
_FLAGS = ("email_verified", "phone_number_verified")
_LISTS = ("groups", "roles", "amr")


def _reference(claims: dict[str, Any], mapping: ClaimMap) -> Identity:
    """What the claim map means, written the obvious way: the public coercions, the constructor."""
    from idpbridge.identity import opt_str, str_list, strict_bool
    from idpbridge.oidc.claims import _auth_time, lookup

    def read(field: str) -> Any:
        return lookup(claims, getattr(mapping, field))

    values: dict[str, Any] = {}
    for field in _TEXTS:
        values[field] = opt_str(read(field))
    for field in _FLAGS:
        values[field] = strict_bool(read(field), accept_strings=mapping.string_booleans)
    for field in _LISTS:
        values[field] = str_list(read(field)) or ()
    raw_time = read("auth_time")
    values["auth_time"] = None if raw_time is None else _auth_time(raw_time)
    return Identity(
        provider="p",
        connector="c",
        issuer="https://i",
        subject="u1",
        claims=claims,
        sources=dict.fromkeys(claims, ClaimSource.ID_TOKEN),
        **values,
    )


_CLAIM_NAMES = ["email", "mail", "a.b", "a", "groups", "roles", "amr", "auth_time", "name", "x.y.z"]
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", " ", "true", "false", "True", "a@x", "\u00e9"]),
    st.text(max_size=5),
    st.lists(st.one_of(st.text(max_size=3), st.integers(), st.none()), max_size=3),
    st.dictionaries(
        st.sampled_from(["b", "y", "id"]), st.one_of(st.text(max_size=3), st.booleans()), max_size=2
    ),
)


@settings(max_examples=400, deadline=None)
@given(
    claims=st.dictionaries(st.sampled_from(_CLAIM_NAMES), _VALUES, max_size=8),
    names=st.fixed_dictionaries(
        {
            field: st.one_of(st.none(), st.sampled_from(_CLAIM_NAMES))
            for field in (*_TEXTS, *_FLAGS, *_LISTS, "auth_time")
        }
    ),
    string_booleans=st.booleans(),
)
def test_the_compiled_claim_map_agrees_with_the_plain_reading(
    claims: dict[str, Any], names: dict[str, str | None], string_booleans: bool
) -> None:
    mapping = ClaimMap(**names, string_booleans=string_booleans)  # type: ignore[arg-type]
    sources = dict.fromkeys(claims, ClaimSource.ID_TOKEN)
    built = _build(claims, mapping, sources)
    assert built == _reference(claims, mapping)


def test_claim_names_from_configuration_are_data_never_code() -> None:
    hostile = "x') or __import__('os').system('false') or ('"
    mapping = ClaimMap(email=hostile, groups=hostile + ".y")
    built = _build({hostile: "a@x", "sub": "u1"}, mapping)
    assert built.email == "a@x"
    assert built.groups == ()


_TRICKY = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1700000000,
    1.5,
    float("nan"),
    float("inf"),
    "",
    " ",
    "\t",
    "true",
    "false",
    "True",
    "FALSE",
    "a@x",
    ["a", "", 1, None],
    ("t",),
    [],
    {"k": "v"},
    b"bytes",
]


@pytest.mark.parametrize("string_booleans", [False, True])
@pytest.mark.parametrize("value", _TRICKY, ids=repr)
def test_every_field_kind_reads_a_tricky_value_as_the_plain_reading_does(
    value: Any, string_booleans: bool
) -> None:
    fields = (*_TEXTS, *_FLAGS, *_LISTS, "auth_time")
    for name in ("c", "n.c"):
        mapping = ClaimMap(**dict.fromkeys(fields, name), string_booleans=string_booleans)  # type: ignore[arg-type]
        claims: dict[str, Any] = {"c": value, "n": {"c": value}}
        built = _build(claims, mapping)
        expected = _reference(claims, mapping)
        assert built == dataclasses.replace(expected, sources={})


@pytest.mark.parametrize("wrap", [dict, MappingProxyType, lambda d: MappingProxyType(OrderedDict(d))])
def test_one_layer_merges_to_a_fresh_dict_without_nulls(wrap: Any) -> None:
    from idpbridge.oidc.claims import merge_claims

    raw = {"sub": "u1", "email": None, "name": "N"}
    for layer in (wrap(raw), wrap({"sub": "u1"})):
        claims, sources = merge_claims((ClaimSource.EXTERNAL_TOKEN, layer))
        assert type(claims) is dict
        assert claims == {k: v for k, v in layer.items() if v is not None}
        assert sources == dict.fromkeys(claims, ClaimSource.EXTERNAL_TOKEN)
        claims["sub"] = "changed"  # the merged dict is the caller's own
        assert layer["sub"] == "u1"
