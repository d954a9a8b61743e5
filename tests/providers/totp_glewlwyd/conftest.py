"""Connectors pointed at the glewlwyd peer (tests/peers/glewlwyd.py), and its code flow with TOTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from idpbridge import Authenticated, ContinuationKeys, FinishOIDC, RedirectRequired, StartOIDC
from idpbridge.oidc import OIDCConnector
from tests.peers import glewlwyd as gw
from tests.support.providers import Connectors

#: How each connector reaches glewlwyd's issuer layout (``{base}/api/oidc``) with documented fields
#: only: the generic connector by its issuer; Okta and Keycloak by their ``issuer`` override (Okta:
#: "set it only when the server's issuer differs from the domain you call"; Keycloak: "only when the
#: realm's issuer is neither of the above"), endpoints then come from that issuer's discovery.
LAYOUT: dict[str, Callable[[gw.GlewlwydPeer], dict[str, str]]] = {
    "oidc": lambda g: {"issuer": g.issuer},
    "okta": lambda g: {"domain": g.base_url, "issuer": g.issuer},
    "keycloak": lambda g: {"server_url": g.base_url, "realm": "glewlwyd", "issuer": g.issuer},
}

Connect = Callable[..., OIDCConnector]


@pytest.fixture
async def connect(glewlwyd: gw.GlewlwydPeer) -> AsyncIterator[Connect]:
    """``connect(provider="oidc", scope="mfa", **fields)``: a connector asking for ``openid email
    profile`` and ``scope`` (the scope that needs a TOTP scheme); all closed afterwards."""
    keys = ContinuationKeys.generate()
    factories: dict[str, Connectors[OIDCConnector]] = {}

    def make(provider: str = "oidc", scope: str = "mfa", **fields: Any) -> OIDCConnector:
        factory = factories.setdefault(provider, Connectors(provider, keys, expect=OIDCConnector))
        return factory(
            **LAYOUT[provider](glewlwyd),
            client_id=gw.CLIENT_ID,
            client_secret=gw.CLIENT_SECRET,
            methods=["oidc", "password"],
            scopes=["openid", "email", "profile", scope],
            **fields,
        )

    yield make
    for factory in factories.values():
        await factory.aclose()


class Requests:
    """The requests a connector sent through an injected httpx client (an event hook)."""

    def __init__(self) -> None:
        self.sent: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> None:
        self.sent.append(request)

    def paths(self) -> list[str]:
        return [r.url.path for r in self.sent]


@pytest.fixture
async def requests() -> AsyncIterator[tuple[Requests, httpx.AsyncClient]]:
    log = Requests()
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        yield log, client


async def sign_in(
    conn: OIDCConnector, user: gw.TOTPUser, code: str | None, *, scheme: str = "otp", grant: bool = True
) -> Authenticated:
    """``StartOIDC`` → glewlwyd's REST login (password, then ``code``) → ``FinishOIDC``."""
    start = await conn.authenticate(StartOIDC(gw.REDIRECT_URI))
    assert isinstance(start, RedirectRequired)
    login = await gw.rest_login(start.url, user.username, user.password, otp=code, scheme=scheme, grant=grant)
    result = await conn.authenticate(FinishOIDC(login.params(), start.continuation))
    assert isinstance(result, Authenticated)
    return result
