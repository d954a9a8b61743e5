"""Connectors wired to the real OPs started by tests/peers (oidc-provider, LemonLDAP::NG)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from idpbridge import ContinuationKeys
from idpbridge.oidc import OIDCConnector
from tests.peers import lemonldap as llng
from tests.peers import oidc_provider as op
from tests.support.providers import Connectors, connectors

REDIRECT_URI = op.REDIRECT_URI


class RequestLog:
    """Counts the requests an injected httpx client sends, by path."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> None:
        self.requests.append(request)

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r.url.path == path)


@pytest.fixture
def keys() -> ContinuationKeys:
    return ContinuationKeys.generate()


@pytest.fixture
async def make_connector(keys: ContinuationKeys) -> AsyncIterator[Connectors[OIDCConnector]]:
    """Build ``oidc`` connectors through the registry (as users do); all closed afterwards."""
    async with connectors("oidc", OIDCConnector, keys=keys) as make:
        yield make


@pytest.fixture
def op_fields(oidc_provider: op.OIDCProviderPeer) -> dict[str, Any]:
    return {
        "issuer": oidc_provider.issuer,
        "client_id": op.CLIENT_ID,
        "client_secret": op.CLIENT_SECRET,
        "methods": ["oidc", "password", "token"],
        "scopes": ["openid", "email", "profile", "phone", "groups", "offline_access"],
    }


@pytest.fixture
def llng_fields(lemonldap: llng.LemonLDAPPeer) -> dict[str, Any]:
    return {
        "issuer": lemonldap.issuer,
        "client_id": llng.CLIENT_ID,
        "client_secret": llng.CLIENT_SECRET,
        "methods": ["oidc", "password", "token"],
        "scopes": ["openid", "email", "profile", "offline_access"],
    }
