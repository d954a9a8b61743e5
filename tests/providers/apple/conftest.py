"""Sign in with Apple fixtures: a generated ``.p8`` key, connectors built through the registry."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from idpbridge.providers.apple.connector import AppleConnector
from tests.support.minted import TestKey
from tests.support.providers import connectors

CLIENT_ID = "com.example.signin"
TEAM_ID = "ABCDE12345"
KEY_ID = "KEY1234567"
REDIRECT_URI = "https://rp.example.test/apple/callback"
SUBJECT = "001234.0a1b2c3d4e5f67890a1b2c3d4e5f6789.1234"

Make = Callable[..., AppleConnector]


class P8:
    """A Sign in with Apple key pair (the private half as a .p8 PEM)."""

    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.pem = self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        self.public_pem = (
            self.private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )


@pytest.fixture(scope="session")
def p8() -> P8:
    return P8()


@pytest.fixture(scope="session")
def apple_key() -> TestKey:
    return TestKey(kid="apple-cassette-1")


def apple_fields(p8: P8, **extra: Any) -> dict[str, Any]:
    return {"client_id": CLIENT_ID, "team_id": TEAM_ID, "key_id": KEY_ID, "private_key": p8.pem, **extra}


@pytest.fixture
async def make_apple(p8: P8) -> AsyncIterator[Make]:
    async with connectors("apple", AppleConnector, **apple_fields(p8, retries=1)) as make:
        yield make
