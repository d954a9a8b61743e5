"""The boto3 worker-pool wrapper: no replayed credentials, no blocked event loop, lazy boto3."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from idpbridge import Password, ProviderUnavailable, StartOTP
from idpbridge.http import RetryPolicy, Timeouts
from idpbridge.providers.cognito.api import SERVER_ERRORS, CognitoAPI, retry_failure
from idpbridge.providers.cognito.connector import CognitoConnector

Make = Callable[..., CognitoConnector]


class SilentServer:
    """Accepts TCP connections on loopback, counts them, and never answers."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.conns: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self.conns.append(conn)

    def hang_up(self) -> None:
        for conn in self.conns:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.hang_up()
        self.sock.close()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def _config(endpoint: str, **extra: object) -> dict[str, object]:
    return {
        "region": "us-east-1",
        "user_pool_id": "us-east-1_abc123",
        "client_id": "client1",
        "endpoint_url": endpoint,
        "methods": ["password", "email_otp"],
        **extra,
    }


async def test_read_timeout_never_replays_a_password(silent: SilentServer, make_connector: Make) -> None:
    conn = make_connector(**_config(f"http://127.0.0.1:{silent.port}", timeouts={"read": 0.3, "total": 10}))
    with pytest.raises(ProviderUnavailable) as info:
        await conn.authenticate(Password("alice", "s3cret-pw"))
    assert info.value.code == "provider.timeout"
    await conn.aclose()
    assert silent.accepted == 1  # retries=3 by default: a read timeout is not retried


async def test_idempotent_reads_are_retried(silent: SilentServer, make_connector: Make) -> None:
    conn = make_connector(**_config(f"http://127.0.0.1:{silent.port}", timeouts={"read": 0.2, "total": 10}))
    conn.api._retry = conn.api._retry.replace(backoff=0.01)
    with pytest.raises(ProviderUnavailable):
        await conn.api.call("get_user", AccessToken="not-a-real-token")
    await conn.aclose()
    assert silent.accepted == 3


async def test_event_loop_keeps_running_during_a_call(silent: SilentServer, make_connector: Make) -> None:
    conn = make_connector(**_config(f"http://127.0.0.1:{silent.port}", timeouts={"read": 0.5, "total": 10}))
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    with pytest.raises(ProviderUnavailable):
        await conn.authenticate(StartOTP("alice", "email"))
    task.cancel()
    assert ticks > 5  # the loop ran other work while boto3 waited on the socket


async def test_connection_refused_is_provider_unavailable(make_connector: Make) -> None:
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]
    conn = make_connector(**_config(f"http://127.0.0.1:{port}"))
    conn.api._retry = conn.api._retry.replace(backoff=0.01)
    with pytest.raises(ProviderUnavailable) as info:
        await conn.authenticate(Password("alice", "s3cret-pw"))
    assert "EndpointConnectionError" in info.value.message


def _client_error(status: int) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "InternalErrorException", "Message": "x"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "InitiateAuth",
    )


@pytest.mark.parametrize(
    ("exc", "credential", "read"),
    [
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), True, True),
        (ConnectTimeoutError(endpoint_url="http://127.0.0.1:1"), True, True),
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:1"), False, True),
        (ConnectionClosedError(endpoint_url="http://127.0.0.1:1"), False, True),
        (_client_error(500), False, True),
        (_client_error(501), False, True),
        (_client_error(503), False, True),
        (_client_error(429), False, False),
        (_client_error(400), False, False),
        (ValueError("not a transport failure"), False, False),
    ],
)
def test_retry_rules(exc: Exception, credential: bool, read: bool) -> None:
    # The connector's RetryPolicy decides, as for HTTP calls; Cognito's copy retries any 5xx.
    api = CognitoAPI(region="eu-west-1", endpoint_url=None, timeouts=Timeouts(), retry=RetryPolicy())
    policy = api._retry
    assert policy.statuses == SERVER_ERRORS
    assert policy.should_retry(retry_failure(exc), idempotent=False) is credential
    assert policy.should_retry(retry_failure(exc), idempotent=True) is read


def test_the_policy_keeps_the_configured_attempts_and_backoff() -> None:
    configured = RetryPolicy(attempts=5, backoff=0.5)
    api = CognitoAPI(region="eu-west-1", endpoint_url=None, timeouts=Timeouts(), retry=configured)
    assert api._retry == configured.replace(statuses=SERVER_ERRORS)


def test_boto3_is_imported_lazily() -> None:
    code = (
        "import sys, idpbridge\n"
        "infos = {i.name: i for i in idpbridge.list_connectors()}\n"
        "assert infos['cognito'].available, infos['cognito']\n"
        "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules\n"
        "assert 'idpbridge.providers.cognito.connector' not in sys.modules\n"
        "c = idpbridge.connect('cognito', region='eu-west-1', user_pool_id='eu-west-1_abc', client_id='x')\n"
        "assert 'boto3' not in sys.modules, 'creating a connector must not import boto3'\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
