"""Secrets (password, client secret, PKCE verifier, authorization code, tokens) never reach a repr,
a log line, an exception text or a URL, across real logins."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from idpbridge import (
    Authenticated,
    FinishOIDC,
    IdpBridgeError,
    Password,
    RedirectRequired,
    StartOIDC,
)
from idpbridge.oidc import OIDCConnector
from tests.peers import oidc_provider as op

from ._drive import oidc_provider_login
from .conftest import REDIRECT_URI


def _assert_absent(secrets: list[str], *texts: str) -> None:
    for secret in secrets:
        assert len(secret) >= 8, "too short to be a meaningful probe"
        for text in texts:
            assert secret not in text


async def test_code_flow_leaks_nothing(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    conn = make_connector(**op_fields)
    start = await conn.authenticate(StartOIDC(REDIRECT_URI))
    assert isinstance(start, RedirectRequired)
    verifier = conn.continuations.open(start.continuation).data["v"]
    logs = [caplog.text]
    # The test's own "browser" (httpx/httpcore debug logs) sees the code; only idpbridge's calls count.
    with caplog.at_level(logging.CRITICAL):
        callback = await oidc_provider_login(start.url, "alice", "alice-pass", redirect_prefix=REDIRECT_URI)
    caplog.clear()
    code = callback.params["code"][0]
    finish = FinishOIDC(callback.params, start.continuation)
    result = await conn.authenticate(finish)
    logs.append(caplog.text)
    assert isinstance(result, Authenticated)
    tokens = result.tokens
    secrets = [
        op.CLIENT_SECRET,
        verifier,
        code,
        start.continuation.get_secret_value(),
        *(t.get_secret_value() for t in (tokens.access_token, tokens.id_token, tokens.refresh_token) if t),
    ]
    _assert_absent(
        secrets,
        *logs,
        repr(start),
        repr(finish),
        repr(result),
        repr(result.identity),
        repr(tokens),
        repr(conn),
        repr(conn.config),
        repr(conn.oauth(await conn.metadata())),
    )
    _assert_absent([op.CLIENT_SECRET, verifier], start.url)
    # Replaying the callback fails; the error text carries none of it either.
    with pytest.raises(IdpBridgeError) as info:
        await conn.authenticate(finish)
    _assert_absent(secrets, str(info.value), repr(info.value))


async def test_failed_password_login_leaks_nothing(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    conn = make_connector(**op_fields)
    password = "Very-Secret-Password-42"
    request = Password("alice", password)
    with pytest.raises(IdpBridgeError) as info:
        await conn.authenticate(request)
    _assert_absent(
        [password, op.CLIENT_SECRET],
        caplog.text,
        str(info.value),
        repr(info.value),
        repr(request),
        str(request),
    )
    bad = make_connector(**{**op_fields, "client_secret": "Wrong-Client-Secret-99"})
    with pytest.raises(IdpBridgeError) as info2:
        await bad.authenticate(Password("alice", password))
    _assert_absent(["Wrong-Client-Secret-99", password], caplog.text, str(info2.value), repr(info2.value))
