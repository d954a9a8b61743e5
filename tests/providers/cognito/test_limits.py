"""Limits of the boto3 path against a real loopback server posing as the Cognito endpoint.

* ``max_response_bytes`` caps what botocore reads (declared and chunked bodies, 2xx and errors),
  without the body ever being held in memory;
* a caller that gives up on a hung call (a silent server, or one trickling its answer) frees its
  slot: with ``max_concurrency = 2``, two hung calls time out and a third one is still served;
* abandoned threads are bounded: past ``max_concurrency`` of them, slots wait for threads again.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import tracemalloc
from collections.abc import Callable, Iterator

import pytest

from idpbridge import MalformedResponse, ProviderUnavailable
from idpbridge.providers.cognito.connector import CognitoConnector

Make = Callable[..., CognitoConnector]

OK_BODY = json.dumps({"ChallengeName": "SMS_MFA", "Session": "s", "ChallengeParameters": {}}).encode()
PARAMS = {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "client1", "AuthParameters": {"USERNAME": "u"}}


class ScriptedServer:
    """A raw HTTP/1.1 server on loopback: connection ``n`` behaves as ``script[n]`` (the last
    entry repeats). Behaviours: ``silent`` (reads the request, never answers), ``dribble``
    (status line, then one header byte every 50 ms), ``dribble_body`` (headers, then one body
    byte every 50 ms), ``ok``, ``huge`` (a 64 MiB declared body),
    ``chunked`` (an endless chunked body), ``huge_error`` (a 400 with a 64 MiB body)."""

    def __init__(self, script: list[str]) -> None:
        self.script = script
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted = 0
        self.sent = 0
        self.first_accepted = threading.Event()
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.sock.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            mode = self.script[min(self.accepted, len(self.script) - 1)]
            self.accepted += 1
            self.first_accepted.set()
            self._conns.append(conn)
            threading.Thread(target=self._handle, args=(conn, mode), daemon=True).start()

    def _read_request(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            ),
            0,
        )
        while len(body) < length:
            body += conn.recv(65536)

    def _handle(self, conn: socket.socket, mode: str) -> None:
        try:
            self._read_request(conn)
            if mode == "silent":
                self._stop.wait()
            elif mode == "dribble":
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                while not self._stop.wait(0.05):
                    conn.sendall(b"x")
            elif mode == "dribble_body":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                while not self._stop.wait(0.05):
                    conn.sendall(b" ")
            elif mode == "ok":
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(OK_BODY), OK_BODY)
                )
            elif mode in ("huge", "huge_error"):
                status = b"200 OK" if mode == "huge" else b"400 Bad Request"
                conn.sendall(b"HTTP/1.1 %s\r\nContent-Length: %d\r\n\r\n" % (status, 64 << 20))
                self._send_zeros(conn, 64 << 20)
            elif mode == "chunked":
                conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                chunk = b"%x\r\n%s\r\n" % (65536, b" " * 65536)
                while not self._stop.is_set() and self.sent < 100_000_000:
                    conn.sendall(chunk)
                    self.sent += 65536
        except OSError:
            pass  # the client hung up, as it should
        finally:
            conn.close()

    def _send_zeros(self, conn: socket.socket, total: int) -> None:
        block = b" " * 65536
        while self.sent < total and not self._stop.is_set():
            conn.sendall(block)
            self.sent += len(block)

    def close(self) -> None:
        self._stop.set()
        for conn in self._conns:
            conn.close()
        self.sock.close()


@pytest.fixture
def scripted() -> Iterator[Callable[[list[str]], ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def make(script: list[str]) -> ScriptedServer:
        servers.append(ScriptedServer(script))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def _config(endpoint: str, **extra: object) -> dict[str, object]:
    return {
        "region": "us-east-1",
        "user_pool_id": "us-east-1_abc123",
        "client_id": "client1",
        "endpoint_url": endpoint,
        "methods": ["password"],
        **extra,
    }


@pytest.mark.parametrize("hang", ["silent", "dribble"])
async def test_two_hung_calls_do_not_starve_a_third(
    scripted: Callable[[list[str]], ScriptedServer], make_connector: Make, hang: str
) -> None:
    server = scripted([hang, hang, "ok"])
    conn = make_connector(
        **_config(server.url, max_concurrency=2, timeouts={"connect": 2, "read": 30, "total": 0.5})
    )
    hung = await asyncio.gather(
        *(conn.api.call("initiate_auth", **PARAMS) for _ in range(2)), return_exceptions=True
    )
    for failure in hung:
        assert isinstance(failure, ProviderUnavailable)
        assert failure.code == "provider.timeout"
    assert server.accepted == 2  # both reached the server and hang there
    answer = await conn.api.call("initiate_auth", **PARAMS)  # both threads are still stuck
    assert answer["ChallengeName"] == "SMS_MFA"
    assert server.accepted == 3


async def test_abandoned_threads_are_bounded(
    scripted: Callable[[list[str]], ScriptedServer], make_connector: Make
) -> None:
    server = scripted(["dribble"])  # headers trickle in: read timeouts never fire
    conn = make_connector(
        **_config(server.url, max_concurrency=1, timeouts={"connect": 2, "read": 30, "total": 0.3})
    )
    for _ in range(2):  # the first is abandoned (its slot freed), the second holds the slot
        with pytest.raises(ProviderUnavailable):
            await conn.api.call("initiate_auth", **PARAMS)
    with pytest.raises(ProviderUnavailable):  # waits for a slot and gives up: never sent
        await conn.api.call("initiate_auth", **PARAMS)
    assert server.accepted == 2
    assert conn.api._pool.abandoned == 1


async def test_a_call_that_gave_up_waiting_for_a_slot_is_never_sent(
    scripted: Callable[[list[str]], ScriptedServer], make_connector: Make
) -> None:
    server = scripted(["silent"])
    conn = make_connector(
        **_config(server.url, max_concurrency=1, timeouts={"connect": 2, "read": 30, "total": 30})
    )
    first = asyncio.create_task(conn.api.call("initiate_auth", **PARAMS))
    assert await asyncio.to_thread(server.first_accepted.wait, 10)
    with pytest.raises(TimeoutError):  # its caller gives up while the only slot is busy
        await asyncio.wait_for(conn.api.call("initiate_auth", **PARAMS), 0.3)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert server.accepted == 1


@pytest.mark.parametrize("mode", ["huge", "chunked", "huge_error"])
async def test_oversized_bodies_are_refused_unread(
    scripted: Callable[[list[str]], ScriptedServer], make_connector: Make, mode: str
) -> None:
    server = scripted([mode])
    conn = make_connector(**_config(server.url, max_response_bytes=256 * 1024))
    tracemalloc.start()
    try:
        with pytest.raises(MalformedResponse) as info:
            await conn.api.call("initiate_auth", **PARAMS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.code == "provider.response_too_large"
    assert peak < 8 << 20  # the 64 MiB+ body was never held (unpatched: > 128 MiB)
    assert server.sent < 64 << 20


async def test_a_body_trickling_past_the_deadline_ends_its_thread(
    scripted: Callable[[list[str]], ScriptedServer], make_connector: Make
) -> None:
    server = scripted(["dribble_body", "ok"])
    conn = make_connector(**_config(server.url, timeouts={"connect": 2, "read": 30, "total": 0.5}))
    with pytest.raises(ProviderUnavailable) as info:
        await conn.api.call("initiate_auth", **PARAMS)
    assert info.value.code == "provider.timeout"
    for _ in range(500):  # the abandoned thread stops reading at the deadline, not at read=30 s
        if conn.api._pool.abandoned == 0:
            break
        await asyncio.sleep(0.01)
    assert conn.api._pool.abandoned == 0
    assert (await conn.api.call("initiate_auth", **PARAMS))["ChallengeName"] == "SMS_MFA"
