"""Signing-key rotation (OIDF rp-key-rotation-op-sign-key): the OP restarts with a new key; the
connector, whose JWKS is cached, meets an unknown ``kid``, refetches the key set exactly once and
succeeds. Requests are counted on the wire through an injected httpx client."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import httpx

from idpbridge import Authenticated, FinishOIDC, Password, RedirectRequired, StartOIDC
from idpbridge.oidc import OIDCConnector
from tests.peers import oidc_provider as op

from ._drive import oidc_provider_login
from .conftest import REDIRECT_URI, RequestLog


def _kid(result: Authenticated) -> str:
    assert result.tokens.id_token is not None
    header = result.tokens.id_token.get_secret_value().split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"])


async def test_rotation_refetches_jwks_once(
    restartable_oidc_provider: op.OIDCProviderPeer, make_connector: Callable[..., OIDCConnector]
) -> None:
    peer = restartable_oidc_provider
    log = RequestLog()
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        conn = make_connector(
            issuer=peer.issuer,
            client_id=op.CLIENT_ID,
            client_secret=op.CLIENT_SECRET,
            methods=["oidc", "password"],
            http_client=client,
        )
        first = await conn.authenticate(Password("alice", "alice-pass"))
        assert isinstance(first, Authenticated)
        assert _kid(first) == "rotating-key-1"
        assert log.count("/jwks") == 1

        peer.restart(kid="rotating-key-2")

        second = await conn.authenticate(Password("alice", "alice-pass"))
        assert isinstance(second, Authenticated)
        assert _kid(second) == "rotating-key-2"
        assert log.count("/jwks") == 2  # exactly one refetch for the unknown kid

        # The code flow after rotation uses the refreshed set: no further fetch.
        start = await conn.authenticate(StartOIDC(REDIRECT_URI))
        assert isinstance(start, RedirectRequired)
        callback = await oidc_provider_login(start.url, "bob", "bob-pass", redirect_prefix=REDIRECT_URI)
        third = await conn.authenticate(FinishOIDC(callback.params, start.continuation))
        assert isinstance(third, Authenticated)
        assert _kid(third) == "rotating-key-2"
        assert log.count("/jwks") == 2
        assert log.count("/.well-known/openid-configuration") == 1
