"""Fixtures for the OIDC keys-and-tokens unit tests: a fake OP served through httpx.MockTransport.

Tokens are minted here with joserfc against keys generated once per session; every HTTP request
the code under test makes is recorded, so tests can prove that a refused token caused no fetch.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from joserfc import jws
from joserfc.jwk import ECKey, OKPKey, RSAKey

from idpbridge.cache import MemoryCache
from idpbridge.http import HttpClient, HttpPolicy, RetryPolicy
from idpbridge.oidc import Discovery, ExactIssuer, JWKSManager, TokenPolicy, TokenValidator
from tests.support.clock import FixedClock

ISSUER = "https://op.example.com"
CLIENT_ID = "client-123"
JWKS_URI = f"{ISSUER}/jwks"
DISCOVERY_URL = f"{ISSUER}/.well-known/openid-configuration"
NOW = 1_750_000_000.0


#: An injectable wall clock (starting at :data:`NOW`).
Clock = FixedClock


@dataclass
class Keys:
    rsa: RSAKey
    rsa2: RSAKey
    ec: ECKey
    okp: OKPKey
    attacker: RSAKey


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys(
        rsa=RSAKey.generate_key(2048, parameters={"kid": "rsa1", "use": "sig"}),
        rsa2=RSAKey.generate_key(2048, parameters={"kid": "rsa2", "use": "sig"}),
        ec=ECKey.generate_key("P-256", parameters={"kid": "ec1", "use": "sig"}),
        okp=OKPKey.generate_key("Ed25519", parameters={"kid": "ed1", "use": "sig"}),
        attacker=RSAKey.generate_key(2048, parameters={"kid": "rsa1", "use": "sig"}),
    )


def public_jwk(key: RSAKey | ECKey | OKPKey, **extra: Any) -> dict[str, Any]:
    return {**key.as_dict(private=False), **extra}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value: Any) -> str:
    return b64(json.dumps(value).encode())


@dataclass
class FakeOP:
    """A scriptable OpenID Provider: discovery + JWKS, counting requests per path."""

    jwks: dict[str, Any]
    discovery: dict[str, Any]
    requests: list[httpx.Request] = field(default_factory=list)
    jwks_status: int = 200
    discovery_status: int = 200
    cache_control: str | None = "max-age=3600"
    handler_hook: Callable[[httpx.Request], httpx.Response | None] | None = None

    def count(self, path: str | None = None) -> int:
        return sum(1 for r in self.requests if path is None or r.url.path == path)

    @property
    def jwks_fetches(self) -> int:
        return self.count("/jwks")

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.handler_hook is not None:
            hooked = self.handler_hook(request)
            if hooked is not None:
                return hooked
        headers = {"cache-control": self.cache_control} if self.cache_control else {}
        if request.url.path == "/jwks":
            if self.jwks_status != 200:
                return httpx.Response(self.jwks_status, text="down")
            return httpx.Response(200, json=self.jwks, headers=headers)
        if request.url.path == "/.well-known/openid-configuration":
            if self.discovery_status != 200:
                return httpx.Response(self.discovery_status, text="down")
            return httpx.Response(200, json=self.discovery, headers=headers)
        return httpx.Response(404, text="not found")


def discovery_doc(issuer: str = ISSUER) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
    }


@pytest.fixture
def op(keys: Keys) -> FakeOP:
    return FakeOP(
        jwks={"keys": [public_jwk(keys.rsa), public_jwk(keys.ec), public_jwk(keys.okp)]},
        discovery=discovery_doc(),
    )


def make_http(handler: Callable[[httpx.Request], Any]) -> HttpClient:
    """An HttpClient on a mock transport that yields to the event loop on every request (as a
    real network would), so concurrent callers really overlap. No retries: tests count requests."""

    async def suspending(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.001)
        response = handler(request)
        return await response if inspect.isawaitable(response) else response

    client = httpx.AsyncClient(transport=httpx.MockTransport(suspending))
    return HttpClient(HttpPolicy(retry=RetryPolicy(attempts=1)), client=client)


@pytest.fixture
async def http(op: FakeOP) -> AsyncIterator[HttpClient]:
    client = make_http(op)
    yield client
    await client.client.aclose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def jwks_manager(http: HttpClient, clock: Clock) -> JWKSManager:
    return JWKSManager(http, MemoryCache(clock=clock), clock=clock)


@pytest.fixture
def discovery(http: HttpClient, clock: Clock) -> Discovery:
    return Discovery(http, MemoryCache(clock=clock), clock=clock)


@pytest.fixture
def validator(jwks_manager: JWKSManager, clock: Clock) -> TokenValidator:
    return TokenValidator(jwks_manager, clock=clock)


@pytest.fixture
def policy() -> TokenPolicy:
    return TokenPolicy(
        audience=CLIENT_ID, issuer=ExactIssuer(ISSUER), algorithms=frozenset({"RS256", "ES256"})
    )


def claims(**overrides: Any) -> dict[str, Any]:
    """A valid ID-token claim set at NOW; ``None`` values remove the claim."""
    base: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "user-1",
        "aud": CLIENT_ID,
        "exp": int(NOW) + 300,
        "iat": int(NOW) - 10,
        "nonce": "n-0S6_WzA2Mj",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def mint(
    key: RSAKey | ECKey | OKPKey | Any,
    payload: dict[str, Any] | None = None,
    *,
    alg: str = "RS256",
    header: dict[str, Any] | None = None,
    kid: str | bool | None = True,
) -> str:
    """Sign ``payload`` (default: :func:`claims`) with ``key``; ``kid=True`` copies the key's kid."""
    protected: dict[str, Any] = {"alg": alg}
    if kid is True:
        if getattr(key, "kid", None):
            protected["kid"] = key.kid
    elif isinstance(kid, str):
        protected["kid"] = kid
    protected.update(header or {})
    body = json.dumps(claims() if payload is None else payload)
    return jws.serialize_compact(protected, body, key, algorithms=[alg])


def unsigned(header: dict[str, Any], payload: dict[str, Any] | str, signature: str = "") -> str:
    """Hand-assemble a compact JWS (for tokens joserfc would refuse to create)."""
    body = payload if isinstance(payload, str) else b64json(payload)
    return f"{b64json(header)}.{body}.{signature}"
