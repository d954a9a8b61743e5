"""CIBA (OpenID Client-Initiated Backchannel Authentication) against oidc-provider: poll and ping
modes, hints, binding messages, signed requests with private_key_jwt, typed refusals, slow_down
storms and pings with a wrong token. The peer's test-only ``/admin/ciba/approve`` route plays the
user's phone (it finds the pending request by its binding message)."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import logging
import ssl
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from idpbridge import (
    Authenticated,
    CIBAPending,
    CIBAStarted,
    ExpiredCode,
    IdpBridgeError,
    InvalidRequest,
    Method,
    PollCIBA,
    StartCIBA,
    UserCancelled,
    UserNotFound,
)
from idpbridge.oidc import OIDCConnector, ciba
from idpbridge.replay import MemoryReplayStore
from tests.peers import oidc_provider as op
from tests.peers._proc import free_port
from tests.support.providers import cli_output, connectors_file, run_cli, running_cli

from .conftest import RequestLog
from .test_device import FakeTime

CIBA_SECRET = "ciba-secret-0123456789"


def _fields(issuer: str, client_id: str = "ciba-poll", **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "issuer": issuer,
        "client_id": client_id,
        "methods": ["ciba"],
        "scopes": ["openid", "email", "profile"],
        **extra,
    }
    if client_id != "ciba-pkjwt":
        fields.setdefault("client_secret", CIBA_SECRET)
    return fields


def _binding() -> str:
    return "B-" + uuid.uuid4().hex[:12]


async def _admin(peer: op.OIDCProviderPeer, action: str, binding: str) -> None:
    async with httpx.AsyncClient() as client:
        r = await client.post(f"{peer.issuer}/admin/ciba/{action}", data={"binding_message": binding})
    assert r.status_code == 204, r.text


# -- poll mode ----------------------------------------------------------------------------------


async def test_ciba_poll_approved(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    conn = make_connector(**_fields(oidc_provider.issuer))
    binding = _binding()
    started = await conn.authenticate(
        StartCIBA(login_hint="alice", binding_message=binding, requested_expiry=120, acr_values="pwd")
    )
    assert isinstance(started, CIBAStarted)
    assert started.mode == "poll"
    assert started.interval == 5  # CIBA §7.3 default: this OP sends no interval
    assert started.expires_at < dt.datetime.now(dt.UTC) + dt.timedelta(seconds=125)
    pending = await conn.authenticate(PollCIBA(started.continuation))
    assert isinstance(pending, CIBAPending)
    await _admin(oidc_provider, "approve", binding)
    # inside the interval a second poll never reaches the OP, even though the user approved
    assert isinstance(await conn.authenticate(PollCIBA(pending.continuation)), CIBAPending)


async def test_wait_ciba_returns_identity_and_honours_interval(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    clock, log = FakeTime(), RequestLog()
    binding = _binding()
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        conn = make_connector(
            **_fields(oidc_provider.issuer), http_client=client, replay_store=MemoryReplayStore(clock=clock)
        )
        started = await conn.authenticate(StartCIBA(login_hint_token="hint:alice", binding_message=binding))
        assert isinstance(started, CIBAStarted)

        async def sleep(seconds: float) -> None:
            if len(clock.sleeps) == 2:
                await _admin(oidc_provider, "approve", binding)
            await clock.sleep(seconds)

        result = await ciba.wait(conn, started, sleep=sleep)
        await clock.sleep(5)
        with pytest.raises(IdpBridgeError) as info:  # the auth_req_id was redeemed once
            await conn.authenticate(PollCIBA(started.continuation))
    assert info.value.provider_code == "invalid_grant"
    assert isinstance(result, Authenticated)
    assert result.method is Method.CIBA
    assert result.identity.subject == "alice"
    assert result.identity.email == "alice@example.test"
    assert clock.sleeps == [5, 5, 5, 5]
    assert log.count("/token") == 4  # three polls, then the replay (refused by the OP)


async def test_ciba_slow_down_storm_obeys_the_interval(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    clock, log = FakeTime(), RequestLog()
    binding = _binding()
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        conn = make_connector(
            **_fields(oidc_provider.issuer, client_id="ciba-throttled"),
            http_client=client,
            replay_store=MemoryReplayStore(clock=clock),
        )
        started = await conn.authenticate(StartCIBA(login_hint="alice", binding_message=binding))
        assert isinstance(started, CIBAStarted)
        assert started.interval == 1

        async def sleep(seconds: float) -> None:
            if len(clock.sleeps) == 4:
                await _admin(oidc_provider, "approve", binding)
            await clock.sleep(seconds)

        result = await ciba.wait(conn, started, sleep=sleep)
    assert isinstance(result, Authenticated)
    # every poll after the first comes < 2 s later in real time: slow_down, +5 s each time
    assert clock.sleeps == [1, 1, 6, 11, 16]
    assert log.count("/token") == len(clock.sleeps)


async def test_one_poll_loop_across_workers(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    store, log = MemoryReplayStore(), RequestLog()
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        first = make_connector(**_fields(oidc_provider.issuer), http_client=client, replay_store=store)
        second = make_connector(**_fields(oidc_provider.issuer), http_client=client, replay_store=store)
        started = await first.authenticate(StartCIBA(login_hint="alice", binding_message=_binding()))
        assert isinstance(started, CIBAStarted)
        answers = await asyncio.gather(
            *(c.authenticate(PollCIBA(started.continuation)) for c in (first, second, first, second))
        )
    assert all(isinstance(a, CIBAPending) for a in answers)
    assert log.count("/token") == 1


async def test_denied_is_user_cancelled(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    conn = make_connector(**_fields(oidc_provider.issuer))
    binding = _binding()
    started = await conn.authenticate(StartCIBA(login_hint="bob", binding_message=binding))
    assert isinstance(started, CIBAStarted)
    await _admin(oidc_provider, "deny", binding)
    with pytest.raises(UserCancelled) as info:
        await conn.authenticate(PollCIBA(started.continuation))
    assert info.value.provider_code == "access_denied"


async def test_typed_refusals_at_the_start(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    conn = make_connector(**_fields(oidc_provider.issuer))
    with pytest.raises(UserNotFound) as unknown:
        await conn.authenticate(StartCIBA(login_hint="mallory"))
    assert unknown.value.provider_code == "unknown_user_id"
    with pytest.raises(InvalidRequest) as binding:
        await conn.authenticate(StartCIBA(login_hint="alice", binding_message="has spaces!"))
    assert binding.value.field == "binding_message"
    with pytest.raises(InvalidRequest):  # two hints: refused before any request
        StartCIBA(login_hint="alice", login_hint_token="hint:alice")
    with pytest.raises(InvalidRequest):
        StartCIBA(login_hint="alice", requested_expiry=0)


async def test_expired_request_is_expired_code(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    conn = make_connector(**_fields(oidc_provider.issuer))
    started = await conn.authenticate(StartCIBA(login_hint="alice", requested_expiry=1))
    assert isinstance(started, CIBAStarted)
    await asyncio.sleep(2.1)
    with pytest.raises(ExpiredCode) as info:
        await conn.authenticate(PollCIBA(started.continuation))
    assert info.value.provider_code == "expired_token"


async def test_id_token_hint_names_the_user(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    clock = FakeTime()
    conn = make_connector(**_fields(oidc_provider.issuer), replay_store=MemoryReplayStore(clock=clock))
    binding = _binding()
    first = await conn.authenticate(StartCIBA(login_hint="alice", binding_message=binding))
    assert isinstance(first, CIBAStarted)
    await _admin(oidc_provider, "approve", binding)
    signed_in = await ciba.wait(conn, first, sleep=clock.sleep)
    assert signed_in.tokens.id_token is not None
    again = _binding()
    second = await conn.authenticate(
        StartCIBA(id_token_hint=signed_in.tokens.id_token, binding_message=again)
    )
    assert isinstance(second, CIBAStarted)
    await _admin(oidc_provider, "approve", again)
    result = await ciba.wait(conn, second, sleep=clock.sleep)
    assert result.identity.subject == "alice"


async def test_signed_request_with_private_key_jwt(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    """The ciba-pkjwt client must send a signed request object and authenticate with an assertion."""
    key = op.PKJWT_KEYS["pk-rs256"]
    jwk = json.dumps({**key.as_dict(private=True), "kid": "pk-rs256"})
    log = RequestLog()
    clock = FakeTime()
    binding = _binding()
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        conn = make_connector(
            **_fields(oidc_provider.issuer, client_id="ciba-pkjwt"),
            client_assertion_key=jwk,
            request_object_signing_alg="RS256",
            http_client=client,
            replay_store=MemoryReplayStore(clock=clock),
        )
        started = await conn.authenticate(StartCIBA(login_hint="alice", binding_message=binding))
        assert isinstance(started, CIBAStarted)
        await _admin(oidc_provider, "approve", binding)
        result = await ciba.wait(conn, started, sleep=clock.sleep)
    assert result.identity.subject == "alice"
    (backchannel,) = [r for r in log.requests if r.url.path == "/backchannel"]
    form = dict(httpx.QueryParams(backchannel.content.decode()))
    assert set(form) == {"request", "client_id", "client_assertion", "client_assertion_type"}
    assert binding not in backchannel.content.decode()  # only inside the signed object


async def test_unsigned_request_refused_where_the_op_requires_signing(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer
) -> None:
    key = op.PKJWT_KEYS["pk-rs256"]
    jwk = json.dumps({**key.as_dict(private=True), "kid": "pk-rs256"})
    conn = make_connector(**_fields(oidc_provider.issuer, client_id="ciba-pkjwt"), client_assertion_key=jwk)
    with pytest.raises(IdpBridgeError) as info:
        await conn.authenticate(StartCIBA(login_hint="alice"))
    assert info.value.provider_code == "invalid_request"


# -- ping mode ----------------------------------------------------------------------------------


def _pki(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a 127.0.0.1 server certificate signed by it: (ca.pem, server.pem, server.key)."""
    now = dt.datetime.now(dt.UTC)

    def cert(name: str, key: ec.EllipticCurvePrivateKey, signer: Any, issuer: x509.Name, ca: bool) -> Any:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=2))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
            builder = builder.add_extension(san, critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ciba-test-ca")])
    ca = cert("ciba-test-ca", ca_key, ca_key, ca_name, True)
    leaf = cert("127.0.0.1", leaf_key, ca_key, ca_name, False)
    paths = (directory / "ca.pem", directory / "server.pem", directory / "server.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


@dataclass
class PingReceiver:
    """The client notification endpoint: an https server on loopback that records each ping."""

    port: int
    pings: list[tuple[str | None, bytes]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/ciba-ping"

    async def next_ping(self) -> tuple[str | None, bytes]:
        for _ in range(300):  # 15 s
            if self.pings:
                return self.pings.pop(0)
            await asyncio.sleep(0.05)
        raise AssertionError("no CIBA ping arrived")


@pytest.fixture(scope="module")
def ping_op(
    tmp_path_factory: pytest.TempPathFactory, peer_logs: Path
) -> Iterator[tuple[op.OIDCProviderPeer, PingReceiver]]:
    """An OP whose ciba-ping client is notified at a local https receiver it trusts."""
    ca, cert, key = _pki(tmp_path_factory.mktemp("ciba-pki"))
    receiver = PingReceiver(port=free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            receiver.pings.append((self.headers.get("authorization"), self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", receiver.port), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    peer = op.OIDCProviderPeer(
        port=free_port(),
        log_dir=peer_logs,
        kid="ciba-ping-key",
        name="oidc-provider-ciba-ping",
        env={"OP_CIBA_PING_URI": receiver.url, "NODE_EXTRA_CA_CERTS": str(ca)},
    )
    peer.start()
    try:
        yield peer, receiver
    finally:
        peer.stop()
        server.shutdown()
        server.server_close()


async def test_ciba_ping_mode(
    make_connector: Callable[..., OIDCConnector],
    ping_op: tuple[op.OIDCProviderPeer, PingReceiver],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    peer, receiver = ping_op
    conn = make_connector(**_fields(peer.issuer, client_id="ciba-ping", ciba_mode="ping"))
    binding = _binding()
    started = await conn.authenticate(StartCIBA(login_hint="alice", binding_message=binding))
    assert isinstance(started, CIBAStarted)
    assert started.mode == "ping"
    waiting = {started.request_key: started.continuation}  # what the app keeps until the ping
    await _admin(peer, "approve", binding)
    authorization, body = await receiver.next_ping()
    assert authorization is not None
    assert authorization.startswith("Bearer ")
    key = ciba.ping_request_key(body)
    assert key == started.request_key
    result = await conn.ciba_notified(waiting[key], authorization=authorization, body=body)
    assert isinstance(result, Authenticated)
    assert result.identity.subject == "alice"
    assert result.method is Method.CIBA
    # neither the notification token nor the auth_req_id reaches the logs
    assert authorization.split(" ", 1)[1] not in caplog.text
    assert json.loads(body)["auth_req_id"] not in caplog.text
    assert caplog.records  # the flow did log


async def test_ciba_ping_with_a_wrong_token_is_refused(
    make_connector: Callable[..., OIDCConnector], ping_op: tuple[op.OIDCProviderPeer, PingReceiver]
) -> None:
    peer, receiver = ping_op
    log = RequestLog()
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        conn = make_connector(
            **_fields(peer.issuer, client_id="ciba-ping", ciba_mode="ping"), http_client=client
        )
        binding = _binding()
        started = await conn.authenticate(StartCIBA(login_hint="alice", binding_message=binding))
        assert isinstance(started, CIBAStarted)
        await _admin(peer, "approve", binding)
        authorization, body = await receiver.next_ping()
        assert authorization is not None
        token = authorization.split(" ", 1)[1]
        wrong = [
            None,
            "Bearer ",
            "Bearer " + token[:-1] + ("A" if token[-1] != "A" else "B"),
            "Basic " + token,
        ]
        for header in wrong:
            with pytest.raises(ciba.InvalidNotification) as info:
                await conn.ciba_notified(started.continuation, authorization=header, body=body)
            assert info.value.code == "flow.ciba_notification"
            assert token not in str(info.value)
        with pytest.raises(ciba.InvalidNotification):  # right token, another request's id
            await conn.ciba_notified(
                started.continuation, authorization=authorization, body=b'{"auth_req_id": "other"}'
            )
        with pytest.raises(ciba.InvalidNotification):
            await conn.ciba_notified(started.continuation, authorization=authorization, body=b"x" * 5000)
        assert log.count("/token") == 0  # nothing reached the OP
        result = await conn.ciba_notified(started.continuation, authorization=authorization, body=body)
    assert isinstance(result, Authenticated)


# -- the CLI ------------------------------------------------------------------------------------


async def test_cli_login_with_ciba(oidc_provider: op.OIDCProviderPeer, tmp_path: Path) -> None:
    config = connectors_file(tmp_path, "phone", {"provider": "oidc", **_fields(oidc_provider.issuer)})
    binding = _binding()
    args = ("login", "phone", "--config", str(config), "--method", "ciba", "--json", "--timeout", "60")
    async with running_cli(*args, "--login-hint", "alice", "--binding-message", binding) as proc:
        assert proc.stdout is not None
        async with asyncio.timeout(30):
            line = (await proc.stdout.readline()).decode()
        if binding not in line:
            raise AssertionError(line + ((await proc.stderr.read()).decode() if proc.stderr else ""))
        await _admin(oidc_provider, "approve", binding)
        out = await cli_output(proc)
    identity = json.loads(out)
    assert identity["subject"] == "alice"
    assert identity["method"] == "ciba"


def test_connectors_json_lists_ciba() -> None:
    run = run_cli("connectors", "--json")
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    (oidc,) = [r for r in (rows if isinstance(rows, list) else rows["connectors"]) if r["name"] == "oidc"]
    assert "ciba" in oidc["methods"]


#: Which decoupled flows each provider sheet enables (sources: docs/flows/support.md).
PROVIDER_FLOWS = {
    "okta": {"device", "ciba"},
    "auth0": {"device", "ciba"},
    "entra": {"device"},
    "google": {"device"},
    "keycloak": {"device", "ciba"},
    "pingone": {"device", "ciba"},
    "apple": set(),
    "meta": set(),
    "cognito": set(),
    "onelogin": set(),
    "legacy": set(),
}


def test_connectors_json_lists_the_flows_each_provider_documents() -> None:
    run = run_cli("connectors", "--json")
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    listed = {r["name"]: set(r["methods"]) for r in (rows if isinstance(rows, list) else rows["connectors"])}
    for name, flows in PROVIDER_FLOWS.items():
        assert listed[name] & {"device", "ciba"} == flows, name


async def test_one_poll_loop_across_workers_sharing_redis(
    make_connector: Callable[..., OIDCConnector], oidc_provider: op.OIDCProviderPeer, redis_cache: Any
) -> None:
    """Two workers (two connectors) share only a Redis replay store: one /token request per interval."""
    log = RequestLog()
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        workers = [
            make_connector(
                **_fields(oidc_provider.issuer), http_client=client, replay_store=redis_cache.replay_store()
            )
            for _ in range(2)
        ]
        started = await workers[0].authenticate(StartCIBA(login_hint="alice", binding_message=_binding()))
        assert isinstance(started, CIBAStarted)
        answers = await asyncio.gather(*(w.authenticate(PollCIBA(started.continuation)) for w in workers * 3))
    assert all(isinstance(a, CIBAPending) for a in answers)
    assert log.count("/token") == 1
