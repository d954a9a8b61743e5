"""The onelogin connector against a fake OneLogin (respx): the exact issuer, one auth method per
connector on the wire, identity normalization."""

from __future__ import annotations

import base64
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from idpbridge import (
    Authenticated,
    ConfigurationError,
    FinishOIDC,
    Password,
    RedirectRequired,
    StartOIDC,
    TokenValidationError,
)
from idpbridge.providers.onelogin.connector import OneLoginConnector
from tests.oidc.flows.conftest import FakeOP

from .conftest import CLIENT_ID, CLIENT_SECRET, ISSUER, REDIRECT_URI

Make = Callable[..., OneLoginConnector]


def token_request(op: FakeOP) -> tuple[dict[str, list[str]], str | None]:
    (request,) = op.calls("/oidc/2/token")
    return parse_qs(request.content.decode()), request.headers.get("authorization")


async def test_code_flow_uses_basic(make: Make, onelogin: FakeOP) -> None:
    conn = make(methods=["oidc"])
    start = await conn.authenticate(StartOIDC(REDIRECT_URI))
    assert isinstance(start, RedirectRequired)
    assert start.url.startswith(f"{ISSUER}/auth?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(start.url).query).items()}
    onelogin.nonce = params["nonce"]
    result = await conn.authenticate(
        FinishOIDC({"code": "c-1", "state": params["state"]}, start.continuation)
    )
    assert isinstance(result, Authenticated)
    form, auth = token_request(onelogin)
    assert auth == "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert "client_secret" not in form  # exactly one method (RFC 6749 §2.3)
    ident = result.identity
    assert ident.key == (ISSUER, "81234567")
    assert ident.tenant == "acme"
    assert ident.username == "jane"
    assert ident.groups == ("Engineering",)
    assert ident.email_verified is None


async def test_password_uses_post(make: Make, onelogin: FakeOP) -> None:
    result = await make(methods=["password"]).authenticate(Password("jane", "pw-1"))
    assert isinstance(result, Authenticated)
    form, auth = token_request(onelogin)
    assert auth is None
    assert form["client_id"] == [CLIENT_ID]
    assert form["client_secret"] == [CLIENT_SECRET]
    assert form["grant_type"] == ["password"]
    assert form["scope"] == ["openid email profile"]


async def test_email_is_not_verified_even_if_claimed(make: Make, onelogin: FakeOP) -> None:
    onelogin.id_claims["email_verified"] = True
    result = await make(methods=["password"]).authenticate(Password("jane", "pw-1"))
    assert isinstance(result, Authenticated)
    assert result.identity.email_verified is None


@pytest.mark.parametrize(
    "iss",
    [
        "https://acme.onelogin.com/oidc/2/",
        "https://acme.onelogin.com/oidc",
        "https://openid-connect.onelogin.com/oidc",
        "https://other.onelogin.com/oidc/2",
    ],
)
async def test_issuer_is_exact(make: Make, onelogin: FakeOP, iss: str) -> None:
    onelogin.id_claims["iss"] = iss
    with pytest.raises(TokenValidationError) as info:
        await make(methods=["password"]).authenticate(Password("jane", "pw-1"))
    assert info.value.code == "token.issuer"


async def test_custom_domain_tenant(make: Make, signing_key: object) -> None:
    conn = make(subdomain=None, base_url="https://login.acme.test", methods=["token"])
    assert conn.config.issuer == "https://login.acme.test/oidc/2"
    assert conn.engine.default_tenant == "login.acme.test"


def strict_token_endpoint(op: FakeOP, accepted: str) -> None:
    """OneLogin's exclusive Token Endpoint setting (reference/providers.md §7.3): the other method fails."""

    def token(request: httpx.Request) -> httpx.Response:
        basic = "authorization" in request.headers
        in_body = "client_secret" in parse_qs(request.content.decode())
        if (accepted == "basic" and (not basic or in_body)) or (
            accepted == "post" and (basic or not in_body)
        ):
            return httpx.Response(
                401, json={"error": "invalid_client", "error_description": "client auth failed"}
            )
        form = parse_qs(request.content.decode())
        if form.get("code", [""])[0].startswith("idpbridge-check-"):  # check()'s made-up code
            return httpx.Response(400, json={"error": "invalid_grant", "error_description": "invalid code"})
        if form["grant_type"] == ["password"] and "username" not in form:  # check()'s empty grant
            return httpx.Response(400, json={"error": "invalid_request", "error_description": "no username"})
        return op._token(request)

    assert op.router is not None
    op.router.post("/token").mock(side_effect=token)


async def attempt(conn: OneLoginConnector, methods: list[str]) -> None:
    if methods == ["password"]:
        await conn.authenticate(Password("jane", "pw-1"))
        return
    start = await conn.authenticate(StartOIDC(REDIRECT_URI))
    assert isinstance(start, RedirectRequired)
    state = parse_qs(urlsplit(start.url).query)["state"][0]
    await conn.authenticate(FinishOIDC({"code": "c-1", "state": state}, start.continuation))


@pytest.mark.parametrize(("methods", "app_setting"), [(["password"], "basic"), (["oidc"], "post")])
async def test_an_app_with_the_other_setting_is_a_configuration_error(
    make: Make, onelogin: FakeOP, methods: list[str], app_setting: str
) -> None:
    strict_token_endpoint(onelogin, app_setting)
    conn = make(methods=methods)
    with pytest.raises(ConfigurationError) as info:
        await attempt(conn, methods)
    assert info.value.code == "config.invalid_client"
    assert "Token Endpoint authentication method" in info.value.message


@pytest.mark.parametrize(("methods", "app_setting"), [(["password"], "post"), (["oidc", "token"], "basic")])
async def test_check_passes_with_the_matching_setting(
    make: Make, onelogin: FakeOP, methods: list[str], app_setting: str
) -> None:
    strict_token_endpoint(onelogin, app_setting)
    report = await make(methods=methods).check()
    assert report.ok, report.as_dict()
