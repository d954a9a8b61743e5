"""The ``token`` method: a token the legacy IdP issued elsewhere, validated and bound to a username."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from idpbridge import (
    Authenticated,
    ClaimSource,
    ExternalToken,
    Method,
    Password,
    TokenValidationError,
)
from idpbridge.oidc import OIDCConnector
from tests.support.providers import code_flow


async def _code_flow_id_token(conn: OIDCConnector) -> str:
    result = await code_flow(conn, "alice", "alice-pass")
    assert result.tokens.id_token is not None
    return result.tokens.id_token.get_secret_value()


async def test_id_token_from_another_transaction(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    client_app = make_connector(**op_fields)  # "the client logged in elsewhere"
    id_token = await _code_flow_id_token(client_app)  # carries that flow's nonce
    server = make_connector(**op_fields)
    result = await server.authenticate(ExternalToken(id_token, username="alice.example"))
    assert isinstance(result, Authenticated)
    assert result.method is Method.TOKEN
    assert result.identity.key == (op_fields["issuer"], "alice")
    assert set(result.identity.sources.values()) == {ClaimSource.EXTERNAL_TOKEN}
    assert result.tokens.id_token is not None
    assert result.tokens.id_token.get_secret_value() == id_token
    # Without a username the token alone authenticates.
    assert isinstance(await server.authenticate(ExternalToken(id_token)), Authenticated)


@pytest.mark.parametrize("username", ["alice", "Alice.example", "alice.example ", ""])
async def test_username_must_match_exactly(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any], username: str
) -> None:
    conn = make_connector(**op_fields)
    password_login = await conn.authenticate(Password("alice", "alice-pass"))
    assert isinstance(password_login, Authenticated)
    assert password_login.tokens.id_token is not None
    with pytest.raises(TokenValidationError) as info:
        await conn.authenticate(ExternalToken(password_login.tokens.id_token, username=username))
    assert info.value.code == "token.username"


async def test_username_claim_is_configurable(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    conn = make_connector(**op_fields, username_claim="email")
    login = await conn.authenticate(Password("bob", "bob-pass"))
    assert isinstance(login, Authenticated)
    assert login.tokens.id_token is not None
    result = await conn.authenticate(ExternalToken(login.tokens.id_token, username="bob@example.test"))
    assert isinstance(result, Authenticated)
    assert result.identity.subject == "bob"


async def test_token_from_another_idp_or_client_is_refused(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any], llng_fields: dict[str, Any]
) -> None:
    llng = make_connector(**llng_fields)
    foreign = await llng.authenticate(Password("dwho", "dwho"))
    assert isinstance(foreign, Authenticated)
    assert foreign.tokens.id_token is not None
    conn = make_connector(**op_fields)
    with pytest.raises(TokenValidationError) as info:
        await conn.authenticate(ExternalToken(foreign.tokens.id_token, username="dwho"))
    assert info.value.code in {"token.key_not_found", "token.issuer"}

    mine = await conn.authenticate(Password("alice", "alice-pass"))
    assert isinstance(mine, Authenticated)
    assert mine.tokens.id_token is not None
    other_client = make_connector(**{**op_fields, "client_id": "post-client", "client_secret": "post-secret"})
    with pytest.raises(TokenValidationError) as info:
        await other_client.authenticate(ExternalToken(mine.tokens.id_token))
    assert info.value.code == "token.audience"


async def test_tampered_token_is_refused(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    conn = make_connector(**op_fields)
    login = await conn.authenticate(Password("alice", "alice-pass"))
    assert isinstance(login, Authenticated)
    assert login.tokens.id_token is not None
    header, payload, signature = login.tokens.id_token.get_secret_value().split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    with pytest.raises(TokenValidationError) as info:
        await conn.authenticate(ExternalToken(f"{header}.{payload}.{flipped}"))
    assert info.value.code == "token.signature"
