"""Fixtures for the web adapters: the sandbox IdP in-process and connectors on it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from idpbridge import connect
from idpbridge.connector import Connector
from idpbridge.continuation import ContinuationKeys
from idpbridge.sandbox import Sandbox, load_seed
from idpbridge.sandbox.agent import LoginAgent

SEED = load_seed()
KC = "sandbox-keycloak"
COGNITO = "sandbox-cognito"
SECRET = ContinuationKeys.new_key()


def password_of(username: str) -> str:
    users = [*(SEED.keycloak.users if SEED.keycloak else ()), *(SEED.cognito.users if SEED.cognito else ())]
    return next(u.password for u in users if u.username == username).get_secret_value()  # type: ignore[union-attr]


def totp_secret(username: str) -> str:
    user = next(u for u in SEED.keycloak.users if u.username == username)  # type: ignore[union-attr]
    return user.totp_secret.get_secret_value()  # type: ignore[union-attr]


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A sandbox per test: a TOTP code is accepted once, so tests must not share one."""
    with Sandbox() as server:
        yield server


@pytest.fixture
async def connectors(sandbox: Sandbox) -> AsyncIterator[dict[str, Connector[Any]]]:
    """Keycloak (password, TOTP step, OIDC) and Cognito (e-mail code) connectors on the sandbox."""
    keys = ContinuationKeys.generate()  # one process: the in-memory replay store suffices
    tables = sandbox.connector_tables()
    made: dict[str, Connector[Any]] = {}
    for name, extra in ((KC, {"totp_step": "after_invalid_credentials"}), (COGNITO, {})):
        table = {**tables[name], **extra}
        made[name] = connect(table.pop("provider"), name=name, continuation_keys=keys, **table)
    yield made
    for conn in made.values():
        await conn.aclose()


async def idp_sign_in(url: str, redirect_uri: str, username: str) -> dict[str, str]:
    """Fill in the sandbox's login page (plain HTTP) and return the callback parameters."""
    agent = LoginAgent()
    return await asyncio.to_thread(
        agent.sign_in, url, redirect_uri, username=username, password=password_of(username)
    )


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))
