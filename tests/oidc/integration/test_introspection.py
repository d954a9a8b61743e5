"""Opaque-token validation by RFC 7662 introspection: oidc-provider's real introspection endpoint
(secret and private_key_jwt client authentication), and a hostile introspection service on
loopback for what a real OP never sends (``"active": "true"``, another user, 200 with an error
body, a huge body)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from idpbridge import (
    Authenticated,
    ExternalToken,
    IdpBridgeError,
    MalformedResponse,
    Method,
    TokenValidationError,
)
from idpbridge.cache import MemoryCache
from idpbridge.oidc import OIDCConnector
from tests.peers import oidc_provider as op
from tests.peers._proc import free_port
from tests.support.providers import connectors_file, run_cli

from .conftest import RequestLog


def _password_token(peer: op.OIDCProviderPeer, user: str = "alice") -> str:
    """A fresh opaque access token from the OP's password grant."""
    r = httpx.post(
        f"{peer.issuer}/token",
        data={
            "grant_type": "password",
            "username": user,
            "password": op.USERS[user],
            "scope": "openid email",
        },
        auth=(op.CLIENT_ID, op.CLIENT_SECRET),
    )
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    assert token.count(".") != 2  # opaque, not a JWT
    return str(token)


def _fields(peer: op.OIDCProviderPeer, **extra: Any) -> dict[str, Any]:
    return {
        "issuer": peer.issuer,
        "client_id": op.CLIENT_ID,
        "client_secret": op.CLIENT_SECRET,
        "methods": ["token"],
        "token_kind": "opaque",
        "username_claim": "sub",
        **extra,
    }


async def test_active_token_yields_identity(
    make_connector: Callable[..., OIDCConnector],
    oidc_provider: op.OIDCProviderPeer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    log = RequestLog()
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        conn = make_connector(**_fields(oidc_provider, token_client_ids=[op.CLIENT_ID]), http_client=client)
        token = _password_token(oidc_provider)
        result = await conn.authenticate(ExternalToken(token, username="alice"))
    assert isinstance(result, Authenticated)
    assert result.method is Method.TOKEN
    assert result.identity.subject == "alice"
    assert result.identity.issuer == oidc_provider.issuer
    (sent,) = [r for r in log.requests if r.url.path == "/token/introspection"]
    form = dict(httpx.QueryParams(sent.content.decode()))
    assert form["token_type_hint"] == "access_token"
    assert sent.headers["authorization"].startswith("Basic ")
    assert token not in caplog.text
    assert caplog.records


async def test_username_rule(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    token = _password_token(oidc_provider)
    exact = make_connector(**_fields(oidc_provider))
    with pytest.raises(TokenValidationError) as info:
        await exact.authenticate(ExternalToken(token, username="bob"))
    assert info.value.code == "token.username"
    with pytest.raises(TokenValidationError):
        await exact.authenticate(ExternalToken(token, username="ALICE"))
    folded = make_connector(**_fields(oidc_provider, username_match="casefold"))
    result = await folded.authenticate(ExternalToken(token, username="ALICE"))
    assert isinstance(result, Authenticated)


async def test_revoked_token_is_inactive(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    conn = make_connector(**_fields(oidc_provider))
    token = _password_token(oidc_provider)
    await conn.revoke(token, token_type_hint="access_token")
    with pytest.raises(TokenValidationError) as info:
        await conn.authenticate(ExternalToken(token))
    assert info.value.code == "token.inactive"
    with pytest.raises(TokenValidationError):
        await conn.authenticate(ExternalToken("not-a-token-at-all"))


async def test_audience_and_client_checks(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    token = _password_token(oidc_provider)
    other_client = make_connector(**_fields(oidc_provider, token_client_ids=["someone-else"]))
    with pytest.raises(TokenValidationError) as info:
        await other_client.authenticate(ExternalToken(token))
    assert info.value.code == "token.client"
    audience = make_connector(**_fields(oidc_provider, token_audience="https://api.example.test"))
    with pytest.raises(TokenValidationError) as aud:
        await audience.authenticate(ExternalToken(token))
    assert aud.value.code == "token.audience"


async def test_private_key_jwt_at_the_introspection_endpoint(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    key = op.PKJWT_KEYS["pk-es256"]
    jwk = json.dumps({**key.as_dict(private=True), "kid": "pk-es256"})
    log = RequestLog()
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        conn = make_connector(
            **{**_fields(oidc_provider), "client_id": op.PKJWT_CLIENT_ID, "client_secret": None},
            client_assertion_key=jwk,
            http_client=client,
        )
        result = await conn.authenticate(ExternalToken(_password_token(oidc_provider), username="alice"))
    assert result.identity.subject == "alice"
    (sent,) = [r for r in log.requests if r.url.path == "/token/introspection"]
    form = dict(httpx.QueryParams(sent.content.decode()))
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


async def test_cache_is_keyed_by_a_hash_and_bounded(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    cache, log = MemoryCache(), RequestLog()
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        conn = make_connector(
            **_fields(oidc_provider, introspection_cache_ttl=60), http_client=client, cache=cache
        )
        token = _password_token(oidc_provider)
        for _ in range(3):
            await conn.authenticate(ExternalToken(token, username="alice"))
        assert log.count("/token/introspection") == 1
        with pytest.raises(TokenValidationError):  # the cached answer still obeys the username rule
            await conn.authenticate(ExternalToken(token, username="bob"))
    entries = {k: v for k, v in cache._data.items() if k.startswith("introspection:")}
    assert len(entries) == 1
    ((key, (expires, value)),) = entries.items()
    assert token not in key
    assert token.encode() not in value
    assert expires - cache._clock() <= 60


# -- a hostile introspection service -------------------------------------------------------------


class Hostile:
    """Answers every introspection with ``body`` (bytes) and ``status``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.body = b"{}"
        self.status = 200

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/introspect"


@pytest.fixture(scope="module")
def hostile() -> Iterator[Hostile]:
    service = Hostile()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(service.status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(service.body)))
            self.end_headers()
            self.wfile.write(service.body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", service.port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()


def _answer(peer: op.OIDCProviderPeer, **claims: Any) -> bytes:
    import time

    now = int(time.time())
    body = {"active": True, "sub": "alice", "iss": peer.issuer, "client_id": op.CLIENT_ID, "iat": now}
    body["exp"] = now + 300
    body.update(claims)
    return json.dumps({k: v for k, v in body.items() if v is not None}).encode()


@pytest.mark.parametrize(
    ("claims", "error", "code"),
    [
        ({"active": "true"}, MalformedResponse, "provider.introspection"),
        ({"active": 1}, MalformedResponse, "provider.introspection"),
        ({"active": None}, MalformedResponse, "provider.introspection"),
        ({"active": False}, TokenValidationError, "token.inactive"),
        ({"sub": "bob"}, TokenValidationError, "token.username"),
        ({"error": "invalid_token"}, MalformedResponse, "provider.introspection"),
        ({"exp": None}, MalformedResponse, "provider.introspection"),
        ({"exp": "9999999999"}, MalformedResponse, "provider.introspection"),
        ({"exp": 1000}, TokenValidationError, "token.expired"),
        ({"nbf": 9_999_999_999}, TokenValidationError, "token.not_yet_valid"),
        ({"iss": "https://evil.example"}, TokenValidationError, "token.issuer"),
        ({"sub": None}, MalformedResponse, "provider.introspection"),
    ],
)
async def test_hostile_answers(
    *,
    make_connector: Callable[..., OIDCConnector],
    oidc_provider: op.OIDCProviderPeer,
    hostile: Hostile,
    claims: dict[str, Any],
    error: type[IdpBridgeError],
    code: str,
) -> None:
    hostile.body, hostile.status = _answer(oidc_provider, **claims), 200
    conn = make_connector(**_fields(oidc_provider, endpoints={"introspection_endpoint": hostile.url}))
    with pytest.raises(error) as info:
        await conn.authenticate(ExternalToken("opaque-token-value", username="alice"))
    assert info.value.code == code
    assert "opaque-token-value" not in str(info.value) + repr(info.value)


async def test_huge_body_is_refused(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer, hostile: Hostile
) -> None:
    padding = "x" * (3 * 1024 * 1024)
    hostile.body, hostile.status = _answer(oidc_provider, padding=padding), 200
    conn = make_connector(**_fields(oidc_provider, endpoints={"introspection_endpoint": hostile.url}))
    with pytest.raises(IdpBridgeError) as info:
        await conn.authenticate(ExternalToken("opaque-token-value", username="alice"))
    assert info.value.code.startswith("provider.")


async def test_error_status_is_a_provider_error(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer, hostile: Hostile
) -> None:
    hostile.body, hostile.status = b'{"error": "invalid_client"}', 401
    conn = make_connector(**_fields(oidc_provider, endpoints={"introspection_endpoint": hostile.url}))
    with pytest.raises(IdpBridgeError) as info:
        await conn.authenticate(ExternalToken("opaque-token-value"))
    assert info.value.provider_code == "invalid_client"


def test_cli_login_with_an_opaque_token(oidc_provider: op.OIDCProviderPeer, tmp_path: Path) -> None:
    config = connectors_file(
        tmp_path, "api", {"provider": "oidc", **_fields(oidc_provider, client_secret="${OP_CLIENT_SECRET}")}
    )
    token = _password_token(oidc_provider)
    args = ("login", "api", "--config", str(config), "--method", "token", "-u", "alice", "--json")
    env = {"OP_CLIENT_SECRET": op.CLIENT_SECRET}
    run = run_cli(*args, "--token-file", "-", env=env, stdin=token + "\n")
    assert run.returncode == 0, run.stderr
    identity = json.loads(run.stdout)
    assert identity["subject"] == "alice"
    assert identity["method"] == "token"
    assert token not in run.stdout + run.stderr
    refused = run_cli(*args[:-3], "-u", "bob", "--token-file", "-", env=env, stdin=token + "\n")
    assert refused.returncode == 1
    assert "token.username" in refused.stderr
    assert token not in refused.stdout + refused.stderr
