"""The Meta connector over real sockets: oidc-provider plays Facebook's dialog and Graph token
endpoint (the OIDC variant: ``openid`` asked, so an ID token with the nonce comes back), and a
loopback Graph adapter answers ``debug_token`` and ``/me`` from that OP's introspection and
UserInfo (see ``_graph_adapter.py``: no OP serves Graph's profile step). The OP's
``client_secret_post`` client is registered as the Meta app (numeric App ID, App Secret).

The scope list is just ``openid``: oidc-provider splits scopes on spaces, so Meta's comma-joined
list would reach it as one unknown scope; the profile claims come with ``openid`` instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from idpbridge import Authenticated, ExternalToken, TokenValidationError
from idpbridge.identity import ClaimSource
from tests.oidc.integration._drive import oidc_provider_login
from tests.peers import oidc_provider as op
from tests.peers._proc import free_port
from tests.support.providers import cli_oidc_login, connectors_file
from tests.support.social import finish, start

from ._graph_adapter import GraphAdapter
from .conftest import APP_ID, APP_SECRET, Make

pytestmark = pytest.mark.peer("oidc-provider")

PROFILE = {
    "email": "alice@example.test",
    "name": "Alice Example",
    "given_name": "Alice",
    "family_name": "Example",
}


class MetaPeer:
    def __init__(self, peer: op.OIDCProviderPeer, graph: GraphAdapter) -> None:
        self.peer, self.graph = peer, graph

    @property
    def fields(self) -> dict[str, Any]:
        issuer, graph = self.peer.issuer, self.graph.base_url
        return {
            "issuer": issuer,
            "scopes": ["openid"],
            "endpoints": {
                "authorization_endpoint": f"{issuer}/auth",
                "token_endpoint": f"{issuer}/token",
                "jwks_uri": f"{issuer}/jwks",
                "introspection_endpoint": f"{graph}/debug_token",
                "userinfo_endpoint": f"{graph}/me",
                "revocation_endpoint": f"{graph}/me/permissions",
            },
            "retries": 1,
        }


@pytest.fixture(scope="module")
def meta_op(peer_logs: Path) -> Iterator[MetaPeer]:
    peer = op.OIDCProviderPeer(
        port=free_port(),
        log_dir=peer_logs,
        kid="meta-key-1",
        name="oidc-provider-meta",
        extra_claims={"alice": PROFILE},
        env={"OP_POST_CLIENT_ID": APP_ID, "OP_POST_CLIENT_SECRET": APP_SECRET},
    )
    peer.start()
    graph = GraphAdapter(peer.issuer, app_id=APP_ID, app_secret=APP_SECRET)
    try:
        with graph.server:
            yield MetaPeer(peer, graph)
    finally:
        peer.stop()


async def _login(conn: Any, user: str = "alice") -> Any:
    started, params = await start(conn, op.REDIRECT_URI)
    assert params["return_scopes"] == "true"
    callback = await oidc_provider_login(started.url, user, op.USERS[user], redirect_prefix=op.REDIRECT_URI)
    cb = {k: v[0] for k, v in callback.params.items() if k != "state"}
    return await finish(conn, started, params, **cb)


async def test_code_flow(make_meta: Make, meta_op: MetaPeer) -> None:
    conn = make_meta(**meta_op.fields)
    result = await _login(conn)
    assert isinstance(result, Authenticated)
    ident = result.identity
    assert ident.key == (meta_op.peer.issuer, "alice")
    assert ident.sources["sub"] is ClaimSource.ID_TOKEN  # the ID token (nonce checked) ...
    assert ident.sources["first_name"] is ClaimSource.PROVIDER_API  # ... and the Graph profile
    assert (ident.given_name, ident.family_name, ident.email) == ("Alice", "Example", "alice@example.test")
    assert ident.email_verified is False
    assert ident.claims["granted_scopes"] == ["openid"]
    assert result.tokens.id_token is not None
    paths = [r.path for r in meta_op.graph.requests[-2:]]
    assert paths == ["/v24.0/debug_token", "/v24.0/me"]
    assert result.tokens.access_token is not None
    await conn.revoke(result.tokens.access_token)
    with pytest.raises(TokenValidationError) as err:  # revoked: debug_token now says invalid
        await conn.authenticate(ExternalToken(result.tokens.access_token))
    assert err.value.code == "token.invalid"


async def test_access_token_of_another_app(make_meta: Make, meta_op: MetaPeer) -> None:
    """A token the same OP issued to another client (app) for the same user is refused."""
    async with httpx.AsyncClient() as client:
        reply = await client.post(
            f"{meta_op.peer.issuer}/token",
            data={"grant_type": "password", "username": "alice", "password": "alice-pass", "scope": "openid"},
            auth=(op.CLIENT_ID, op.CLIENT_SECRET),
        )
    foreign = reply.json()["access_token"]
    with pytest.raises(TokenValidationError) as err:
        await make_meta(**meta_op.fields).authenticate(ExternalToken(SecretStr(foreign)))
    assert err.value.code == "token.audience"


async def test_wrong_app_secret(make_meta: Make, meta_op: MetaPeer) -> None:
    report = await make_meta(**{**meta_op.fields, "client_secret": "0" * 32}).check()
    failed = {r.name for r in report.results if not r.ok}
    assert failed == {"client", "app_credentials"}, report.as_dict()


async def test_cli_login(meta_op: MetaPeer, tmp_path: Path) -> None:
    fields = meta_op.fields
    config = connectors_file(
        tmp_path,
        "legacy-facebook",
        {
            "provider": "meta",
            "issuer": fields["issuer"],
            "client_id": APP_ID,
            "client_secret": "${META_APP_SECRET}",
            "scopes": ["openid"],
            "endpoints": fields["endpoints"],
        },
    )
    identity = await cli_oidc_login(
        config,
        "legacy-facebook",
        "alice",
        "alice-pass",
        env={"META_APP_SECRET": APP_SECRET},
        expect_mode="query",
    )
    assert identity["provider"] == "meta"
    assert identity["subject"] == "alice"
    assert identity["email"] == "alice@example.test"
    assert identity["sources"]["first_name"] == "provider_api"
