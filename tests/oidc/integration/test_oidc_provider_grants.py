"""Password grant, refresh, revocation, client authentication, check() and logout against
panva/oidc-provider over real sockets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from idpbridge import (
    Authenticated,
    ClaimSource,
    ConfigurationError,
    ExpiredCode,
    InvalidCredentials,
    Method,
    Password,
)
from idpbridge.oidc import OIDCConnector
from tests.peers import oidc_provider as op

from .conftest import RequestLog


async def test_password_grant(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    conn = make_connector(**op_fields)
    result = await conn.authenticate(Password("alice", "alice-pass"))
    assert isinstance(result, Authenticated)
    assert result.method is Method.PASSWORD
    ident = result.identity
    assert ident.key == (op_fields["issuer"], "alice")
    assert ident.email == "alice@example.test"
    assert ident.email_verified is True
    assert ident.groups == ("staff", "admins")
    assert ident.sources["groups"] is ClaimSource.USERINFO
    assert "nonce" not in ident.claims  # none was sent, none may come back
    assert result.tokens.refresh_token is not None


@pytest.mark.parametrize(
    ("user", "password"), [("alice", "WRONG"), ("mallory", "x")], ids=["wrong", "unknown"]
)
async def test_password_grant_refused(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any], user: str, password: str
) -> None:
    conn = make_connector(**op_fields)
    with pytest.raises(InvalidCredentials) as info:
        await conn.authenticate(Password(user, password))
    err = info.value
    assert err.code == "invalid_credentials"
    assert err.provider_code == "invalid_grant"
    assert err.connector == "oidc"
    assert password not in str(err)
    assert password not in repr(err)


async def test_password_method_is_opt_in(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    fields = {k: v for k, v in op_fields.items() if k != "methods"}
    conn = make_connector(**fields)
    assert conn.enabled_methods == {Method.OIDC, Method.TOKEN}
    with pytest.raises(ConfigurationError) as info:
        await conn.authenticate(Password("alice", "alice-pass"))
    assert info.value.code == "config.method_not_enabled"


async def test_grant_disabled_at_the_idp(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    conn = make_connector(**{**op_fields, "client_id": "code-only", "client_secret": "code-secret"})
    with pytest.raises(ConfigurationError) as info:
        await conn.authenticate(Password("alice", "alice-pass"))
    assert info.value.code == "config.grant_disabled"


async def test_bad_client_secret(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    conn = make_connector(**{**op_fields, "client_secret": "not-the-secret"})
    with pytest.raises(ConfigurationError) as info:
        await conn.authenticate(Password("alice", "alice-pass"))
    assert info.value.code == "config.invalid_client"
    assert "not-the-secret" not in str(info.value)


@pytest.mark.parametrize(
    ("configured", "expect_header"),
    [(None, True), ("client_secret_basic", True), ("client_secret_post", False)],
)
async def test_exactly_one_client_auth_method(
    make_connector: Callable[..., OIDCConnector],
    op_fields: dict[str, Any],
    configured: str | None,
    expect_header: bool,
) -> None:
    log = RequestLog()
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        fields = {**op_fields, "client_id": "post-client", "client_secret": "post-secret"}
        if configured:
            fields["token_endpoint_auth_method"] = configured
        conn = make_connector(**fields, http_client=client)
        assert isinstance(await conn.authenticate(Password("alice", "alice-pass")), Authenticated)
    (token_request,) = [r for r in log.requests if r.url.path == "/token"]
    body = parse_qs(token_request.content.decode())
    assert ("authorization" in token_request.headers) is expect_header
    assert ("client_secret" in body) is not expect_header
    assert token_request.headers.get("authorization", "").startswith("Basic ") is expect_header


async def test_the_op_refuses_two_auth_methods_at_once(oidc_provider: op.OIDCProviderPeer) -> None:
    """Why exactly one method matters: this OP rejects a request carrying both."""
    async with httpx.AsyncClient() as client:
        r = await client.post(
            f"{oidc_provider.issuer}/token",
            auth=(op.CLIENT_ID, op.CLIENT_SECRET),
            data={
                "grant_type": "password",
                "username": "alice",
                "password": "alice-pass",
                "client_id": op.CLIENT_ID,
                "client_secret": op.CLIENT_SECRET,
            },
        )
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"


async def test_refresh_then_revoke(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    conn = make_connector(**op_fields)
    result = await conn.authenticate(Password("alice", "alice-pass"))
    assert isinstance(result, Authenticated)
    assert result.tokens.refresh_token
    rt = result.tokens.refresh_token
    refreshed = await conn.refresh(rt, subject="alice")
    assert refreshed.access_token is not None
    assert refreshed.access_token.get_secret_value() != result.tokens.access_token.get_secret_value()  # type: ignore[union-attr]
    assert refreshed.refresh_token is not None  # kept (or rotated)
    await conn.revoke(refreshed.refresh_token, token_type_hint="refresh_token")
    with pytest.raises(ExpiredCode) as info:
        await conn.refresh(refreshed.refresh_token)
    assert info.value.provider_code == "invalid_grant"


async def test_refresh_for_another_subject_is_refused(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    from idpbridge import TokenValidationError

    conn = make_connector(**op_fields)
    result = await conn.authenticate(Password("bob", "bob-pass"))
    assert isinstance(result, Authenticated)
    assert result.tokens.refresh_token
    with pytest.raises(TokenValidationError) as info:
        await conn.refresh(result.tokens.refresh_token, subject="alice")
    assert info.value.code == "token.subject"


async def test_check_reports_every_probe(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    report = await make_connector(**op_fields).check()
    names = [r.name for r in report.results]
    assert names == ["configuration", "discovery", "jwks", "client", "clock"]
    assert report.ok, report.as_dict()
    assert "session-key-1" in next(r.detail for r in report.results if r.name == "jwks")
    assert "invalid_grant" in next(r.detail for r in report.results if r.name == "client")


async def test_check_finds_a_bad_secret_without_raising(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    report = await make_connector(**{**op_fields, "client_secret": "nope-nope"}).check()
    assert not report.ok
    by_name = {r.name: r for r in report.results}
    assert not by_name["client"].ok
    assert "rejected" in by_name["client"].detail
    assert by_name["discovery"].ok
    assert by_name["jwks"].ok
    assert by_name["clock"].ok
    assert "nope-nope" not in str(report.as_dict())


async def test_check_unreachable_idp_does_not_raise(make_connector: Callable[..., OIDCConnector]) -> None:
    from tests.peers._proc import free_port

    conn = make_connector(
        issuer=f"http://127.0.0.1:{free_port()}", client_id="x", client_secret="y", retries=1
    )
    report = await conn.check()
    assert not report.ok
    assert [r.ok for r in report.results] == [True, False, False, False, False]


async def test_logout_url(make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]) -> None:
    conn = make_connector(**op_fields)
    url = await conn.logout_url(post_logout_redirect_uri="http://127.0.0.1:8765/logged-out", state="s1")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{op_fields['issuer']}/session/end"
    assert parse_qs(parts.query) == {
        "client_id": [op.CLIENT_ID],
        "post_logout_redirect_uri": ["http://127.0.0.1:8765/logged-out"],
        "state": ["s1"],
    }
    async with httpx.AsyncClient() as browser:
        page = await browser.get(url)
    assert page.status_code == 200  # the OP's logout confirmation accepts our client and redirect URI
