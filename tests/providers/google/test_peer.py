"""The Google connector's code flow over a real socket against oidc-provider (tests/peers).

oidc-provider stands in for accounts.google.com through the connector's endpoint overrides and a
sandbox issuer; alice carries ``hd=acme.example`` (a Workspace user), bob has no ``hd`` (a consumer
account). Everything Google-specific runs unmodified: the static endpoint table (no discovery
fetch), the hosted-domain rule on the signed claim, UserInfo, check() and the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from idpbridge import Authenticated, TokenValidationError
from tests.oidc.integration._drive import oidc_provider_login
from tests.peers import oidc_provider as op
from tests.support.providers import cli_oidc_login, connectors_file
from tests.support.social import finish, start

from .conftest import Make

pytestmark = pytest.mark.peer("oidc-provider")


@pytest.fixture
def google_op(oidc_provider_variant: Callable[..., op.OIDCProviderPeer]) -> op.OIDCProviderPeer:
    return oidc_provider_variant("google", issuer_path="", extra_claims={"alice": {"hd": "acme.example"}})


def _fields(peer: op.OIDCProviderPeer) -> dict[str, Any]:
    base = peer.issuer
    return {
        "issuer": base,
        "client_id": op.CLIENT_ID,
        "client_secret": op.CLIENT_SECRET,
        "endpoints": {
            "authorization_endpoint": f"{base}/auth",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks",
            "userinfo_endpoint": f"{base}/me",
            "revocation_endpoint": f"{base}/token/revocation",
        },
        "retries": 1,
    }


async def _login(conn: Any, user: str) -> Any:
    started, params = await start(conn, op.REDIRECT_URI)
    callback = await oidc_provider_login(started.url, user, op.USERS[user], redirect_prefix=op.REDIRECT_URI)
    assert callback.mode == "query"
    cb = {k: v[0] for k, v in callback.params.items()}
    return await finish(conn, started, params, **{k: v for k, v in cb.items() if k != "state"})


async def test_code_flow_with_hosted_domain(make_google: Make, google_op: op.OIDCProviderPeer) -> None:
    conn = make_google(**_fields(google_op), hosted_domain="acme.example")
    result = await _login(conn, "alice")
    assert isinstance(result, Authenticated)
    ident = result.identity
    assert ident.key == (google_op.issuer, "alice")
    assert (ident.tenant, ident.email, ident.email_verified) == ("acme.example", "alice@example.test", True)
    assert result.userinfo is not None
    assert result.userinfo["sub"] == "alice"


async def test_account_without_hd_is_refused(make_google: Make, google_op: op.OIDCProviderPeer) -> None:
    conn = make_google(**_fields(google_op), hosted_domain="acme.example")
    with pytest.raises(TokenValidationError) as err:
        await _login(conn, "bob")
    assert err.value.code == "token.hosted_domain"


async def test_without_hosted_domain_any_account(make_google: Make, google_op: op.OIDCProviderPeer) -> None:
    result = await _login(make_google(**_fields(google_op)), "bob")
    assert isinstance(result, Authenticated)
    assert result.identity.subject == "bob"
    assert result.identity.tenant is None


async def test_check(make_google: Make, google_op: op.OIDCProviderPeer) -> None:
    report = await make_google(**_fields(google_op)).check()
    assert report.ok, report.as_dict()
    wrong = await make_google(**{**_fields(google_op), "client_secret": "not-the-secret"}).check()
    assert not wrong.ok
    assert [r.name for r in wrong.results if not r.ok] == ["client"]


async def test_cli_login(google_op: op.OIDCProviderPeer, tmp_path: Path) -> None:
    fields = _fields(google_op)
    config = connectors_file(
        tmp_path,
        "legacy-google",
        {
            "provider": "google",
            "issuer": fields["issuer"],
            "client_id": op.CLIENT_ID,
            "client_secret": "${GOOGLE_CLIENT_SECRET}",
            "hosted_domain": "acme.example",
            "endpoints": fields["endpoints"],
        },
    )
    identity = await cli_oidc_login(
        config,
        "legacy-google",
        "alice",
        "alice-pass",
        env={"GOOGLE_CLIENT_SECRET": op.CLIENT_SECRET},
        expect_mode="query",
    )
    assert identity["provider"] == "google"
    assert identity["subject"] == "alice"
    assert identity["tenant"] == "acme.example"
    assert "id_token" in identity["tokens"]
