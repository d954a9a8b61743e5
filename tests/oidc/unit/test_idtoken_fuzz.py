"""Fuzzing ``TokenValidator.validate``: whatever the input, only TokenValidationError escapes."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idpbridge.cache import MemoryCache
from idpbridge.errors import TokenValidationError
from idpbridge.oidc import ExactIssuer, JWKSManager, TokenPolicy, TokenValidator

from .conftest import CLIENT_ID, ISSUER, JWKS_URI, Clock, FakeOP, Keys, claims, make_http, mint, public_jwk

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
headers = st.fixed_dictionaries(
    {},
    optional={
        "alg": st.sampled_from(["RS256", "ES256", "HS256", "none", "PS256", "EdDSA"]) | json_values,
        "kid": st.sampled_from(["rsa1", "ec1", "unknown"]) | json_values,
        "typ": st.sampled_from(["JWT", "at+jwt"]) | json_values,
        "crit": json_values,
        "jku": json_values,
    },
)


def seg(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


structured = st.builds(
    lambda h, p, s: f"{seg(h)}.{seg(p)}.{s}",
    headers,
    json_values
    | st.dictionaries(st.sampled_from(["iss", "aud", "exp", "iat", "sub", "nonce", "azp"]), json_values),
    st.text(alphabet="ABCDEFabcdef0123456789-_", max_size=400),
)
junk = st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1"))
dotted = st.lists(st.text(alphabet="AQgw-_=+/.eyJ0123 ", max_size=40), min_size=1, max_size=6).map(".".join)


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as r:
        yield r


@pytest.fixture(scope="module")
def setup(keys: Keys, runner: asyncio.Runner) -> tuple[TokenValidator, TokenPolicy, FakeOP]:
    op = FakeOP(jwks={"keys": [public_jwk(keys.rsa), public_jwk(keys.ec)]}, discovery={})
    clock = Clock()
    validator = TokenValidator(JWKSManager(make_http(op), MemoryCache(clock=clock), clock=clock), clock=clock)
    policy = TokenPolicy(
        audience=CLIENT_ID, issuer=ExactIssuer(ISSUER), algorithms=frozenset({"RS256", "ES256"})
    )
    return validator, policy, op


def check(setup: tuple[TokenValidator, TokenPolicy, FakeOP], runner: asyncio.Runner, token: str) -> None:
    """The token is refused with a TokenValidationError; any other exception fails the test."""
    validator, policy, _ = setup
    with pytest.raises(TokenValidationError) as info:
        runner.run(validator.validate(token, policy, jwks_uri=JWKS_URI, nonce="n"))
    assert info.value.code.startswith("token.")
    assert len(token) < 8 or token not in str(info.value)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=structured | junk | dotted)
def test_only_token_validation_errors_escape(
    setup: tuple[TokenValidator, TokenPolicy, FakeOP], runner: asyncio.Runner, token: str
) -> None:
    check(setup, runner, token)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_valid_tokens(
    setup: tuple[TokenValidator, TokenPolicy, FakeOP], runner: asyncio.Runner, keys: Keys, data: st.DataObject
) -> None:
    token = mint(keys.rsa, claims(nonce="n"))
    pos = data.draw(st.integers(min_value=0, max_value=len(token) - 1))
    char = data.draw(st.sampled_from("AQgw-_.=x"))
    mutated = token[:pos] + char + token[pos + 1 :]
    if mutated == token:
        return
    check(setup, runner, mutated)


def test_fuzz_fixture_accepts_the_unmutated_token(
    setup: tuple[TokenValidator, TokenPolicy, FakeOP], runner: asyncio.Runner, keys: Keys
) -> None:
    validator, policy, _ = setup
    token = mint(keys.rsa, claims(nonce="n"))
    result = runner.run(validator.validate(token, policy, jwks_uri=JWKS_URI, nonce="n"))
    assert result.claims["sub"] == "user-1"
