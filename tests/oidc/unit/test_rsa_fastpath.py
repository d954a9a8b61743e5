"""The RS* verification fast path keeps joserfc's checks: key operations, wrong keys, tampering."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from joserfc import jws
from joserfc.jwk import RSAKey

from idpbridge import TokenValidationError
from idpbridge.cache import MemoryCache
from idpbridge.http import HttpClient
from idpbridge.oidc import ExactIssuer, JWKSManager, TokenPolicy, TokenValidator

ISSUER, AUD, URI = "https://op.example.test", "client-1", "https://op.example.test/jwks"


def _token(key: RSAKey, alg: str = "RS256", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": AUD, "sub": "u1", "iat": now, "exp": now + 600, **claims}
    return jws.serialize_compact({"alg": alg, "kid": key.kid}, json.dumps(body), key, algorithms=[alg])


def _validator(public: dict[str, Any]) -> TokenValidator:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"keys": [public]}))
    return TokenValidator(
        JWKSManager(HttpClient(client=httpx.AsyncClient(transport=transport)), MemoryCache())
    )


POLICY = TokenPolicy(
    audience=AUD, issuer=ExactIssuer(ISSUER), algorithms=frozenset({"RS256", "RS384", "RS512"})
)


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
async def test_every_rs_algorithm_verifies_and_refuses_a_tampered_token(alg: str) -> None:
    key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
    validator = _validator(key.as_dict(private=False))
    token = _token(key, alg)
    for _ in range(3):  # first call fills the op-key cache, the others use it
        assert (await validator.validate(token, POLICY, jwks_uri=URI)).claims["sub"] == "u1"
    head, _payload, sig = token.split(".")
    forged = _token(key, alg, sub="someone-else").split(".")[1]
    with pytest.raises(TokenValidationError) as exc:
        await validator.validate(f"{head}.{forged}.{sig}", POLICY, jwks_uri=URI)
    assert exc.value.code == "token.signature"


async def test_a_key_whose_operations_exclude_verify_is_never_used() -> None:
    key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    public = {**key.as_dict(private=False), "key_ops": ["encrypt"]}
    validator = _validator(public)
    with pytest.raises(TokenValidationError) as exc:
        await validator.validate(_token(key), POLICY, jwks_uri=URI)
    assert exc.value.code in {"token.signature", "token.key_not_found"}


async def test_a_token_signed_by_another_key_with_the_same_kid_is_refused() -> None:
    key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
    other = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
    validator = _validator(key.as_dict(private=False))
    await validator.validate(_token(key), POLICY, jwks_uri=URI)
    with pytest.raises(TokenValidationError) as exc:
        await validator.validate(_token(other), POLICY, jwks_uri=URI)
    assert exc.value.code == "token.signature"
