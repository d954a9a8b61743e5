"""The same main flows against a second real product: LemonLDAP::NG 2.16 (Debian), unmodified
generic connector. Its discovery lists ``none`` and HS* signing algorithms, no revocation endpoint
and ``aud`` as an array — the connector must cope without provider special-cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from idpbridge import (
    Authenticated,
    ConfigurationError,
    FinishOIDC,
    FlowError,
    InvalidCredentials,
    Method,
    Password,
    RedirectRequired,
    StartOIDC,
)
from idpbridge.oidc import OIDCConnector
from tests.peers import lemonldap as llng

from ._drive import LoginFailed, lemonldap_login
from .conftest import REDIRECT_URI


@pytest.mark.parametrize("mode", [None, "form_post"])
async def test_code_flow(
    make_connector: Callable[..., OIDCConnector], llng_fields: dict[str, Any], mode: str | None
) -> None:
    conn = make_connector(**llng_fields)
    start = await conn.authenticate(StartOIDC(REDIRECT_URI, response_mode=mode))
    assert isinstance(start, RedirectRequired)
    callback = await lemonldap_login(start.url, "dwho", llng.USERS["dwho"], redirect_prefix=REDIRECT_URI)
    assert callback.mode == (mode or "query")
    assert "iss" not in callback.params  # this OP does not send RFC 9207 iss, nor advertise it
    result = await conn.authenticate(FinishOIDC(callback.params, start.continuation))
    assert isinstance(result, Authenticated)
    ident = result.identity
    assert ident.key == (llng_fields["issuer"], "dwho")
    assert ident.email == "dwho@badwolf.org"
    assert ident.username == "dwho"
    assert ident.name == "Doctor Who"
    assert ident.email_verified is None  # not released: unknown, not False
    assert result.userinfo is not None
    assert result.userinfo["sub"] == "dwho"


async def test_wrong_password_at_the_portal(
    make_connector: Callable[..., OIDCConnector], llng_fields: dict[str, Any]
) -> None:
    conn = make_connector(**llng_fields)
    start = await conn.authenticate(StartOIDC(REDIRECT_URI))
    assert isinstance(start, RedirectRequired)
    with pytest.raises(LoginFailed):
        await lemonldap_login(start.url, "dwho", "WRONG", redirect_prefix=REDIRECT_URI)


async def test_state_is_checked(
    make_connector: Callable[..., OIDCConnector], llng_fields: dict[str, Any]
) -> None:
    conn = make_connector(**llng_fields)
    start = await conn.authenticate(StartOIDC(REDIRECT_URI))
    assert isinstance(start, RedirectRequired)
    callback = await lemonldap_login(start.url, "rtyler", llng.USERS["rtyler"], redirect_prefix=REDIRECT_URI)
    with pytest.raises(FlowError) as info:
        await conn.authenticate(FinishOIDC({**callback.params, "state": ["forged"]}, start.continuation))
    assert info.value.code == "flow.state_mismatch"


async def test_password_grant(
    make_connector: Callable[..., OIDCConnector], llng_fields: dict[str, Any]
) -> None:
    conn = make_connector(**llng_fields)
    result = await conn.authenticate(Password("msmith", "msmith"))
    assert isinstance(result, Authenticated)
    assert result.method is Method.PASSWORD
    assert result.identity.key == (llng_fields["issuer"], "msmith")
    assert result.identity.username == "msmith"


@pytest.mark.parametrize(("user", "password"), [("dwho", "WRONG"), ("nobody", "x")], ids=["wrong", "unknown"])
async def test_password_grant_refused(
    make_connector: Callable[..., OIDCConnector], llng_fields: dict[str, Any], user: str, password: str
) -> None:
    conn = make_connector(**llng_fields)
    with pytest.raises(InvalidCredentials) as info:
        await conn.authenticate(Password(user, password))
    assert info.value.provider_code == "invalid_grant"


async def test_bad_client_secret(
    make_connector: Callable[..., OIDCConnector], llng_fields: dict[str, Any]
) -> None:
    conn = make_connector(**{**llng_fields, "client_secret": "wrong-secret"})
    with pytest.raises(ConfigurationError) as info:
        await conn.authenticate(Password("dwho", "dwho"))
    assert info.value.code == "config.invalid_client"


async def test_refresh(make_connector: Callable[..., OIDCConnector], llng_fields: dict[str, Any]) -> None:
    conn = make_connector(**llng_fields)
    result = await conn.authenticate(Password("dwho", "dwho"))
    assert isinstance(result, Authenticated)
    assert result.tokens.refresh_token
    refreshed = await conn.refresh(result.tokens.refresh_token, subject="dwho")
    assert refreshed.access_token is not None
    assert refreshed.id_token is not None


async def test_revoke_not_offered(
    make_connector: Callable[..., OIDCConnector], llng_fields: dict[str, Any]
) -> None:
    conn = make_connector(**llng_fields)
    with pytest.raises(ConfigurationError) as info:
        await conn.revoke("anything")
    assert info.value.code == "config.not_supported"
    assert (await conn.logout_url()).startswith(f"{llng_fields['issuer']}/oauth2/logout?client_id=")


async def test_check(make_connector: Callable[..., OIDCConnector], llng_fields: dict[str, Any]) -> None:
    report = await make_connector(**llng_fields).check()
    assert report.ok, report.as_dict()
    bad = await make_connector(**{**llng_fields, "client_secret": "wrong"}).check()
    assert not bad.ok
    assert [r.name for r in bad.results if not r.ok] == ["client"]
