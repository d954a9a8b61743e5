"""Sign in with Apple over a real socket against oidc-provider (tests/peers), form_post included.

oidc-provider stands in for appleid.apple.com through endpoint overrides and a sandbox issuer. Its
``client_secret_post`` client is registered with the Services ID and with the client-secret JWT
the connector minted (oidc-provider compares secrets; it cannot verify Apple's ES256 JWT), so the
token and revocation requests only succeed with exactly that secret. alice's ``email_verified`` and
``is_private_email`` are the *strings* ``"true"``, as Apple has sent them. The first-login ``user``
form field is Apple's alone (no OP sends it): it is covered by the cassette tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from idpbridge import Authenticated, ConfigurationError, ContinuationKeys, FinishOIDC
from idpbridge.providers.apple.client_secret import ClientSecret
from idpbridge.providers.apple.connector import AppleConnector, is_private_email
from tests.oidc.integration._drive import oidc_provider_login
from tests.peers import oidc_provider as op
from tests.peers._proc import free_port
from tests.support.providers import cli_oidc_login, connectors_file
from tests.support.social import start

from .conftest import CLIENT_ID, P8, Make, apple_fields

pytestmark = pytest.mark.peer("oidc-provider")


def _fields(issuer: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "endpoints": {
            "authorization_endpoint": f"{issuer}/auth",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            "revocation_endpoint": f"{issuer}/token/revocation",
        },
        "retries": 1,
    }


class ApplePeer:
    def __init__(self, peer: op.OIDCProviderPeer, secrets: ClientSecret) -> None:
        self.peer, self.secrets = peer, secrets

    @property
    def fields(self) -> dict[str, Any]:
        return _fields(self.peer.issuer)


@pytest.fixture(scope="module")
def apple_op(peer_logs: Path, p8: P8) -> Iterator[ApplePeer]:
    port = free_port()
    # The connector mints the secret before the OP starts: the OP registers exactly that string.
    seed = AppleConnector(
        apple_fields(p8, **_fields(f"http://127.0.0.1:{port}")), continuation_keys=ContinuationKeys.generate()
    )
    assert seed.client_secret is not None
    secret = seed.current_client_secret().get_secret_value()
    peer = op.OIDCProviderPeer(
        port=port,
        log_dir=peer_logs,
        kid="apple-key-1",
        name="oidc-provider-apple",
        extra_claims={"alice": {"email_verified": "true", "is_private_email": "true"}},
        env={"OP_POST_CLIENT_ID": CLIENT_ID, "OP_POST_CLIENT_SECRET": secret},
    )
    peer.start()
    try:
        yield ApplePeer(peer, seed.client_secret)
    finally:
        peer.stop()


def _connector(make_apple: Make, apple_op: ApplePeer, **extra: Any) -> AppleConnector:
    conn = make_apple(**apple_op.fields, **extra)
    conn.client_secret = apple_op.secrets  # the secret (and cache) the OP knows
    return conn


async def _login(conn: AppleConnector, user: str = "alice") -> Any:
    started, params = await start(conn, op.REDIRECT_URI)
    assert params["response_mode"] == "form_post"
    callback = await oidc_provider_login(started.url, user, op.USERS[user], redirect_prefix=op.REDIRECT_URI)
    assert callback.mode == "form_post"  # the auto-submitting form, posted as the browser would
    return await conn.authenticate(FinishOIDC(callback.params, started.continuation))


async def test_form_post_code_flow(make_apple: Make, apple_op: ApplePeer) -> None:
    conn = _connector(make_apple, apple_op)
    result = await _login(conn)
    assert isinstance(result, Authenticated)
    ident = result.identity
    assert ident.key == (apple_op.peer.issuer, "alice")
    assert ident.email == "alice@example.test"
    assert ident.email_verified is True  # the string "true"
    assert is_private_email(ident.claims) is True
    assert ident.given_name is None  # names come only from Apple's first-login form field
    assert result.tokens.refresh_token is not None
    await conn.revoke(result.tokens.refresh_token)  # client_secret_post with the minted JWT


async def test_another_secret_is_rejected(make_apple: Make, apple_op: ApplePeer) -> None:
    conn = make_apple(**apple_op.fields)  # mints its own secret: not the one the OP registered
    with pytest.raises(ConfigurationError) as err:
        await _login(conn)
    assert err.value.code == "config.invalid_client"


async def test_check(make_apple: Make, apple_op: ApplePeer) -> None:
    report = await _connector(make_apple, apple_op).check()
    assert report.ok, report.as_dict()
    assert [r.name for r in report.results][-1] == "client_secret"
    wrong = await make_apple(**apple_op.fields).check()
    assert [r.name for r in wrong.results if not r.ok] == ["client"]


async def test_cli_login_form_post(apple_op: ApplePeer, tmp_path: Path) -> None:
    """``idpbridge login apple --method oidc``: Apple's form_post reaches the loopback receiver."""
    fields = apple_op.fields
    # The CLI process would mint its own secret, which the OP cannot know: give it the registered
    # one as a ready client secret (the alternative to key material).
    config = connectors_file(
        tmp_path,
        "legacy-apple",
        {
            "provider": "apple",
            "issuer": fields["issuer"],
            "client_id": CLIENT_ID,
            "client_secret": "${APPLE_CLIENT_SECRET}",
            "endpoints": fields["endpoints"],
        },
    )
    secret = apple_op.secrets.get().get_secret_value()
    identity = await cli_oidc_login(
        config,
        "legacy-apple",
        "alice",
        "alice-pass",
        env={"APPLE_CLIENT_SECRET": secret},
        expect_mode="form_post",
    )
    assert identity["provider"] == "apple"
    assert identity["subject"] == "alice"
    assert identity["email_verified"] is True
