"""Pushed Authorization Requests (RFC 9126) and signed request objects (RFC 9101) against
oidc-provider, and hostile PAR answers from a loopback stub."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt

from idpbridge import (
    Authenticated,
    ConfigurationError,
    FinishOIDC,
    MalformedResponse,
    RedirectRequired,
    StartOIDC,
)
from idpbridge.oidc import OIDCConnector
from idpbridge.oidc.par import MAX_PAR_LIFETIME, push, push_or_sign
from tests.peers import oidc_provider as op
from tests.peers._proc import free_port

from ._drive import oidc_provider_login
from .conftest import REDIRECT_URI, RequestLog


@pytest.fixture(scope="module")
def par_required_op(peer_logs: Path) -> Iterator[op.OIDCProviderPeer]:
    """An OP whose metadata says require_pushed_authorization_requests."""
    peer = op.OIDCProviderPeer(
        port=free_port(),
        log_dir=peer_logs,
        kid="par-key",
        name="oidc-provider-par",
        env={"OP_REQUIRE_PAR": "1"},
    )
    peer.start()
    try:
        yield peer
    finally:
        peer.stop()


def _fields(issuer: str, **extra: Any) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "client_id": op.CLIENT_ID,
        "client_secret": op.CLIENT_SECRET,
        "scopes": ["openid", "email", "profile"],
        **extra,
    }


def _pkjwt(**extra: Any) -> dict[str, Any]:
    key = op.PKJWT_KEYS["pk-rs256"].as_pem(private=True).decode()
    return {
        "client_id": op.PKJWT_CLIENT_ID,
        "client_secret": None,
        "client_assertion_key": key,
        "client_assertion_kid": "pk-rs256",
        **extra,
    }


async def _sign_in(conn: OIDCConnector) -> tuple[RedirectRequired, Authenticated]:
    start = await conn.authenticate(StartOIDC(REDIRECT_URI))
    assert isinstance(start, RedirectRequired)
    callback = await oidc_provider_login(start.url, "alice", op.USERS["alice"], redirect_prefix=REDIRECT_URI)
    result = await conn.authenticate(FinishOIDC(callback.params, start.continuation))
    assert isinstance(result, Authenticated)
    return start, result


async def test_par_is_automatic_when_the_op_requires_it(
    make_connector: Callable[..., OIDCConnector], par_required_op: op.OIDCProviderPeer
) -> None:
    log = RequestLog()
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        conn = make_connector(**_fields(par_required_op.issuer), http_client=client)
        start, result = await _sign_in(conn)
    query = parse_qs(urlsplit(start.url).query)
    assert sorted(query) == ["client_id", "request_uri"]
    assert query["request_uri"][0].startswith("urn:ietf:params:oauth:request_uri:")
    assert log.count("/request") == 1
    assert result.identity.subject == "alice"


async def test_without_par_such_an_op_refuses(par_required_op: op.OIDCProviderPeer) -> None:
    """Why it must be automatic: a plain authorization request is refused by this OP."""
    async with httpx.AsyncClient() as client:
        r = await client.get(
            f"{par_required_op.issuer}/auth",
            params={
                "client_id": op.CLIENT_ID,
                "response_type": "code",
                "scope": "openid",
                "redirect_uri": REDIRECT_URI,
                "code_challenge": "x" * 43,
                "code_challenge_method": "S256",
            },
        )
    assert r.status_code in (302, 303, 400)
    assert "Pushed Authorization Request must be used" in (r.headers.get("location", "") + r.text).replace(
        "+", " "
    )


async def test_par_on_demand_with_private_key_jwt(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    log = RequestLog()
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        conn = make_connector(**_fields(oidc_provider.issuer, use_par=True, **_pkjwt()), http_client=client)
        start, _ = await _sign_in(conn)
    assert sorted(parse_qs(urlsplit(start.url).query)) == ["client_id", "request_uri"]
    (pushed,) = [r for r in log.requests if r.url.path == "/request"]
    form = parse_qs(pushed.content.decode())
    assert form["client_assertion_type"] == ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]
    assert "code_challenge" in form
    assert "code_verifier" not in form


async def test_jar_inside_par(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    log = RequestLog()
    fields = _fields(oidc_provider.issuer, use_par=True, **_pkjwt(request_object_signing_alg="RS256"))
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        conn = make_connector(**fields, http_client=client)
        await _sign_in(conn)
    (pushed,) = [r for r in log.requests if r.url.path == "/request"]
    form = parse_qs(pushed.content.decode())
    assert "state" not in form  # everything travels inside the signed request object
    token = jwt.decode(form["request"][0], op.PKJWT_KEYS["pk-rs256"])
    assert token.header["typ"] == "oauth-authz-req+jwt"
    assert token.claims["iss"] == op.PKJWT_CLIENT_ID
    assert token.claims["aud"] == oidc_provider.issuer
    assert token.claims["code_challenge_method"] == "S256"


async def test_jar_by_value(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    conn = make_connector(
        **_fields(
            oidc_provider.issuer,
            **_pkjwt(
                request_object_signing_alg="PS256",
                client_assertion_key=op.PKJWT_KEYS["pk-ps256"].as_pem(private=True).decode(),
                client_assertion_kid="pk-ps256",
                client_assertion_alg="PS256",
            ),
        )
    )
    start, result = await _sign_in(conn)
    query = parse_qs(urlsplit(start.url).query)
    assert sorted(query) == ["client_id", "request", "response_type", "scope"]
    assert result.identity.subject == "alice"


class _Canned(BaseHTTPRequestHandler):
    answer: bytes = b"{}"
    status = 201

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.send_response(self.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(self.answer)))
        self.end_headers()
        self.wfile.write(self.answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def par_stub() -> Iterator[tuple[str, type[_Canned]]]:
    handler = type("Handler", (_Canned,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/par", handler
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "answer",
    [
        {"expires_in": 60},
        {"request_uri": "", "expires_in": 60},
        {"request_uri": 5, "expires_in": 60},
        {"request_uri": "urn:x", "expires_in": MAX_PAR_LIFETIME + 1},
        {"request_uri": "urn:x", "expires_in": 10**12},
        {"request_uri": "urn:x", "expires_in": 10**30},
        {"request_uri": "urn:x", "expires_in": -5},
        {"request_uri": "urn:x", "expires_in": 0},
        {"request_uri": "urn:x", "expires_in": "60"},
        {"request_uri": "urn:x", "expires_in": 60.5},
        {"request_uri": "urn:x", "expires_in": True},
        {"request_uri": "urn:x"},
    ],
    ids=lambda a: json.dumps(a)[:40],
)
async def test_hostile_par_answers_are_typed_errors(
    make_connector: Callable[..., OIDCConnector],
    oidc_provider: op.OIDCProviderPeer,
    par_stub: tuple[str, type[_Canned]],
    answer: dict[str, Any],
) -> None:
    url, handler = par_stub
    handler.answer = json.dumps(answer).encode()
    conn = make_connector(**_fields(oidc_provider.issuer))
    oauth = conn.oauth(await conn.metadata())
    with pytest.raises(MalformedResponse) as info:
        await push(oauth, url, {"response_type": "code", "client_id": op.CLIENT_ID})
    # an integer too big for the JSON reader is refused by it, before the PAR checks
    assert info.value.code in (
        {"provider.par"}
        if answer.get("expires_in") != 10**30
        else {"provider.par", "provider.malformed_response"}
    )


async def test_a_par_error_answer_is_classified(
    make_connector: Callable[..., OIDCConnector],
    oidc_provider: op.OIDCProviderPeer,
    par_stub: tuple[str, type[_Canned]],
) -> None:
    url, handler = par_stub
    handler.status, handler.answer = 400, b'{"error":"invalid_request","error_description":"nope"}'
    conn = make_connector(**_fields(oidc_provider.issuer))
    oauth = conn.oauth(await conn.metadata())
    with pytest.raises(Exception) as info:  # noqa: PT011 - the class is what is being checked
        await push(oauth, url, {"response_type": "code"})
    assert getattr(info.value, "provider_code", None) == "invalid_request"


async def test_use_par_without_a_par_endpoint(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    conn = make_connector(**_fields(oidc_provider.issuer, use_par=True))
    metadata = await conn.metadata()
    raw = {k: v for k, v in metadata.raw.items() if k != "pushed_authorization_request_endpoint"}
    start = conn.engine.authorize(metadata, StartOIDC(REDIRECT_URI), scopes=("openid",), params={})
    with pytest.raises(ConfigurationError) as info:
        await push_or_sign(
            start,
            metadata=dataclasses.replace(metadata, raw=raw),
            oauth=conn.oauth(metadata),
            use_par=True,
            jar_signer=None,
        )
    assert info.value.code == "config.not_supported"
