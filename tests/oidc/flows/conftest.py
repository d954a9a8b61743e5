"""A scriptable OpenID Provider on respx, for unit tests of the flows and the generic connector.

The fake OP serves discovery, JWKS, token, UserInfo and revocation under ``https://op.example.test``.
Its token endpoint mints a real RS256 ID token (joserfc) for the code/password/refresh grants,
carrying the nonce of the last authorization URL the test started; every knob a test needs to
turn hostile (claims, status, body) is a field of :class:`FakeOP`.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from joserfc import jws
from joserfc.jwk import RSAKey

from idpbridge import ContinuationKeys, RedirectRequired, StartOIDC
from idpbridge.oidc import OIDCConnector

ISSUER = "https://op.example.test"
CLIENT_ID = "client-1"
CLIENT_SECRET = "s3cr:et+/% ü"  # every character RFC 6749 §2.3.1 makes us escape
REDIRECT_URI = "https://rp.example.test/callback"


@pytest.fixture(scope="session")
def signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"}, private=True)


def discovery_doc(**extra: Any) -> dict[str, Any]:
    return {
        "issuer": ISSUER,
        "authorization_endpoint": f"{ISSUER}/authorize",
        "token_endpoint": f"{ISSUER}/token",
        "jwks_uri": f"{ISSUER}/jwks",
        "userinfo_endpoint": f"{ISSUER}/userinfo",
        "revocation_endpoint": f"{ISSUER}/revoke",
        "end_session_endpoint": f"{ISSUER}/logout",
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "response_modes_supported": ["query", "form_post"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        **extra,
    }


@dataclass
class FakeOP:
    key: RSAKey
    discovery: dict[str, Any] = field(default_factory=discovery_doc)
    nonce: str | None = None
    id_claims: dict[str, Any] = field(default_factory=dict)  # overrides; None removes a claim
    userinfo: dict[str, Any] = field(default_factory=lambda: {"sub": "user-1", "groups": ["g1"]})
    token_reply: Callable[[dict[str, str]], httpx.Response] | None = None
    userinfo_reply: httpx.Response | None = None
    issue_id_token: bool = True
    router: respx.MockRouter | None = None

    def mint(self, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "sub": "user-1",
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "auth_time": now - 5,
            "email": "u1@example.test",
            "email_verified": True,
            "amr": ["pwd"],
        }
        claims.update(overrides)
        claims.update(self.id_claims)  # the test's hostile overrides win
        payload = {k: v for k, v in claims.items() if v is not None}
        return jws.serialize_compact({"alg": "RS256", "kid": "k1"}, json.dumps(payload), self.key)

    def calls(self, path: str) -> list[httpx.Request]:
        assert self.router is not None
        return [c.request for c in self.router.calls if c.request.url.path == path]

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if self.token_reply is not None:
            return self.token_reply(form)
        body: dict[str, Any] = {
            "access_token": "at-" + form["grant_type"],
            "token_type": "Bearer",
            "expires_in": 300,
        }
        if form["grant_type"] != "refresh_token":
            body["refresh_token"] = "rt-1"
        if self.issue_id_token:
            nonce = self.nonce if form["grant_type"] == "authorization_code" else None
            body["id_token"] = self.mint(nonce=nonce)
        return httpx.Response(200, json=body)

    def _userinfo(self, request: httpx.Request) -> httpx.Response:
        return self.userinfo_reply or httpx.Response(200, json=self.userinfo)


@pytest.fixture
def fake_op(signing_key: RSAKey) -> Iterator[FakeOP]:
    op = FakeOP(key=signing_key)
    with respx.mock(base_url=ISSUER, assert_all_called=False) as router:
        op.router = router
        router.get("/.well-known/openid-configuration").mock(
            side_effect=lambda r: httpx.Response(200, json=op.discovery)
        )
        router.get("/jwks").respond(json={"keys": [signing_key.as_dict(private=False)]})
        router.post("/token").mock(side_effect=op._token)
        router.get("/userinfo").mock(side_effect=op._userinfo)
        router.post("/revoke").respond(200)
        yield op


@pytest.fixture
async def connector_factory() -> AsyncIterator[Callable[..., OIDCConnector]]:
    made: list[OIDCConnector] = []
    keys = ContinuationKeys.generate()

    def make(cls: type[OIDCConnector] = OIDCConnector, **fields: Any) -> OIDCConnector:
        base: dict[str, Any] = {
            "issuer": ISSUER,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "methods": ["oidc", "password", "token"],
            "retries": 1,
        }
        conn = cls({**base, **fields}, continuation_keys=keys)
        made.append(conn)
        return conn

    yield make
    for conn in made:
        await conn.aclose()


@pytest.fixture
def connector(connector_factory: Callable[..., OIDCConnector]) -> OIDCConnector:
    return connector_factory()


async def start(conn: OIDCConnector, op: FakeOP, **kw: Any) -> tuple[RedirectRequired, dict[str, str]]:
    """Start a flow; tell the fake OP the nonce to put in its ID token; return the URL params."""
    outcome = await conn.authenticate(StartOIDC(REDIRECT_URI, **kw))
    assert isinstance(outcome, RedirectRequired)
    params = {k: v[0] for k, v in parse_qs(urlsplit(outcome.url).query).items()}
    op.nonce = params["nonce"]
    return outcome, params
