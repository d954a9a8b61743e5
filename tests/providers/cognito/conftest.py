"""Fixtures for the Cognito connector: moto pools, the Cognito emulator, connector factories."""

from __future__ import annotations

import secrets
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from idpbridge.continuation import ContinuationKeys
from idpbridge.providers.cognito.connector import CognitoConnector
from idpbridge.sandbox.cognito import CognitoState, FakeCognito
from tests.peers.moto import MOTO_REGION
from tests.support.cassettes import recording
from tests.support.clock import OffsetClock
from tests.support.cognito_model import ModelLog

PASSWORD = "Corr3ct-Horse!"


#: A clock tests can move forward (the emulator's sessions expire on it).
Clock = OffsetClock


_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any name lookup of a non-loopback host: these tests must never reach AWS (except while
    ``nox -s record -- cognito`` re-records against the test pool named in the environment)."""
    if recording("cognito"):
        return
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in _LOOPBACK:
            raise AssertionError(f"test tried to reach {name!r}: only loopback is allowed")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


@pytest.fixture(scope="session")
def fake_clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def model_log() -> ModelLog:
    return ModelLog()


@pytest.fixture(scope="session")
def fake_server(fake_clock: Clock, model_log: ModelLog) -> Iterator[FakeCognito]:
    """The Cognito emulator on a free loopback port (one per session; tests add their own pools).

    Every exchange it serves is checked against botocore's cognito-idp model (:class:`ModelLog`).
    """
    with FakeCognito(CognitoState(clock=fake_clock, session_ttl=180)) as server:
        model_log.watch(server)
        yield server


@pytest.fixture
def fake(fake_server: FakeCognito, fake_clock: Clock, model_log: ModelLog) -> Iterator[FakeCognito]:
    """The emulator, with its clock reset and its outbox emptied after the test; the test fails if
    the emulator accepted or answered anything the service model does not allow."""
    model_log.clear()
    yield fake_server
    fake_clock.offset = 0.0
    fake_server.outbox.clear()
    assert not model_log.problems, "\n".join(model_log.problems)


@pytest.fixture
def keys() -> ContinuationKeys:
    return ContinuationKeys.generate()  # this process only: no shared replay store needed


@pytest.fixture
async def make_connector(keys: ContinuationKeys) -> AsyncIterator[Callable[..., CognitoConnector]]:
    """Build connectors (closed at teardown) with fixed continuation keys."""
    made: list[CognitoConnector] = []

    def make(**fields: Any) -> CognitoConnector:
        conn = CognitoConnector(fields, continuation_keys=keys)
        made.append(conn)
        return conn

    yield make
    for conn in made:
        await conn.aclose()


# -- moto ---------------------------------------------------------------------------------------


class MotoPool:
    """One pool + app client on moto, with helpers to add users in a given state."""

    def __init__(self, admin: Any, endpoint: str, *, email_username: bool, secret: bool) -> None:
        self.admin, self.endpoint = admin, endpoint
        kwargs: dict[str, Any] = {"PoolName": f"p-{secrets.token_hex(4)}", "MfaConfiguration": "OPTIONAL"}
        if email_username:
            kwargs.update(UsernameAttributes=["email"], AutoVerifiedAttributes=["email"])
        self.pool_id: str = admin.create_user_pool(**kwargs)["UserPool"]["Id"]
        client = admin.create_user_pool_client(
            UserPoolId=self.pool_id,
            ClientName="idpbridge-test",
            GenerateSecret=secret,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            ReadAttributes=["email", "email_verified", "name", "custom:tier"],
        )["UserPoolClient"]
        self.client_id: str = client["ClientId"]
        self.client_secret: str | None = client.get("ClientSecret")

    def add_user(
        self, username: str, *, attributes: dict[str, str] | None = None, permanent: bool = True
    ) -> str:
        attrs = [{"Name": k, "Value": v} for k, v in (attributes or {}).items()]
        user = self.admin.admin_create_user(
            UserPoolId=self.pool_id,
            Username=username,
            MessageAction="SUPPRESS",
            UserAttributes=attrs,
            **({} if permanent else {"TemporaryPassword": PASSWORD}),
        )["User"]
        if permanent:
            self.admin.admin_set_user_password(
                UserPoolId=self.pool_id, Username=username, Password=PASSWORD, Permanent=True
            )
        return str(user["Username"])

    def config(self, **extra: Any) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "region": MOTO_REGION,
            "user_pool_id": self.pool_id,
            "client_id": self.client_id,
            "endpoint_url": self.endpoint,
            "methods": ["password"],
        }
        if self.client_secret:
            fields["client_secret"] = self.client_secret
        fields.update(extra)
        return fields


@pytest.fixture
def moto_pool(moto_admin: Any, moto_endpoint: str) -> Callable[..., MotoPool]:
    def make(*, email_username: bool = False, secret: bool = True) -> MotoPool:
        pool = MotoPool(moto_admin, moto_endpoint, email_username=email_username, secret=secret)
        pool.admin.add_custom_attributes(
            UserPoolId=pool.pool_id,
            CustomAttributes=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}],
        )
        return pool

    return make
