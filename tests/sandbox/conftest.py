"""Fixtures for the sandbox tests: sandboxes on free loopback ports, connectors built from them."""

from __future__ import annotations

import base64
import hashlib
import secrets
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from idpbridge import connect
from idpbridge.connector import Connector
from idpbridge.continuation import ContinuationKeys
from idpbridge.sandbox import Sandbox, load_seed
from tests.support.clock import OffsetClock

SEED = load_seed()
KEYCLOAK_SECRET = "sandbox-keycloak-client-secret"
CLIENT_ID = "idpbridge-sandbox"
IDP_BIN = Path(sys.executable).parent / "idpbridge"


#: A clock tests can move forward (sessions, codes and lockouts expire on it).
Clock = OffsetClock


def seed_password(username: str) -> str:
    """The default seed's password for a user of either IdP."""
    users = [*(SEED.keycloak.users if SEED.keycloak else ()), *(SEED.cognito.users if SEED.cognito else ())]
    for u in users:
        if u.username == username and u.password is not None:
            return u.password.get_secret_value()
    raise KeyError(username)


def pkce() -> tuple[str, str]:
    """``(verifier, S256 challenge)``."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """The default seed on a free port (one per test module)."""
    with Sandbox() as server:
        yield server


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def clocked(clock: Clock) -> Iterator[Sandbox]:
    """A sandbox of its own on a clock the test moves."""
    with Sandbox(clock=clock) as server:
        yield server


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A plain HTTP client (no redirects followed) on the module's sandbox."""
    with httpx.Client(base_url=sandbox.base_url, follow_redirects=False, timeout=10) as client:
        yield client


@pytest.fixture
async def make_connector() -> AsyncIterator[Callable[..., Connector[Any]]]:
    """Build a connector from a sandbox's connector table (closed after the test)."""
    made: list[Connector[Any]] = []
    keys = ContinuationKeys.generate()  # this process only: no shared replay store needed

    def make(server: Sandbox, name: str, **overrides: Any) -> Connector[Any]:
        table = {**server.connector_tables()[name], **overrides}
        provider = table.pop("provider")
        conn: Connector[Any] = connect(provider, name=name, continuation_keys=keys, **table)
        made.append(conn)
        return conn

    yield make
    for conn in made:
        await conn.aclose()
