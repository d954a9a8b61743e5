"""No password, client secret or token in logs, reprs or errors of an Entra login."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from idpbridge import Authenticated, InvalidCredentials, Password
from idpbridge.providers.entra.connector import EntraConnector
from tests.oidc.flows.conftest import FakeOP

from .conftest import CLIENT_SECRET

PASSWORD = "S3cret-Pa55word"


async def test_login_leaks_nothing(
    make: Callable[..., EntraConnector], entra: FakeOP, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    conn = make()
    result = await conn.authenticate(Password("jane@contoso.test", PASSWORD))
    assert isinstance(result, Authenticated)
    tokens = [t.get_secret_value() for t in (result.tokens.access_token, result.tokens.id_token) if t]

    def wrong(form: dict[str, str]) -> httpx.Response:
        text = f"AADSTS50126: Error validating credentials. password={PASSWORD}"
        body = {"error": "invalid_grant", "error_codes": [50126], "error_description": text}
        return httpx.Response(400, json=body)

    entra.token_reply = wrong
    with pytest.raises(InvalidCredentials) as info:
        await conn.authenticate(Password("jane@contoso.test", PASSWORD))
    shown = [caplog.text, repr(conn), repr(conn.config), str(conn.config), repr(result), repr(result.tokens),
             str(info.value), repr(info.value)]  # fmt: skip
    for text in shown:
        for secret in (PASSWORD, CLIENT_SECRET, *tokens):
            assert secret not in text
