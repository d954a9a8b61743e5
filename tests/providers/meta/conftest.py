"""Meta connector fixtures: connectors built through the registry, a session signing key."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from idpbridge.providers.meta.connector import MetaConnector
from tests.support.minted import TestKey
from tests.support.providers import connectors

APP_ID = "1234567890123456"  # the app in cassettes/meta/*.yaml
APP_SECRET = "0123456789abcdef0123456789abcdef"
REDIRECT_URI = "https://rp.example.test/facebook/callback"
USER_ID = "10229876543210012"  # the app-scoped user id in cassettes/meta/*.yaml
#: The user access token in cassettes/meta/*.yaml.
ACCESS_TOKEN = "EAAREDACTED-cassette-user-access-token"

Make = Callable[..., MetaConnector]


@pytest.fixture(scope="session")
def meta_key() -> TestKey:
    return TestKey(kid="meta-cassette-1")


@pytest.fixture
async def make_meta() -> AsyncIterator[Make]:
    async with connectors(
        "meta", MetaConnector, client_id=APP_ID, client_secret=APP_SECRET, retries=1
    ) as make:
        yield make
