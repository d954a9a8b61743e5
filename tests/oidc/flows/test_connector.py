"""The generic connector's flows against a scripted OP (respx): what it sends, what it refuses,
and that a refusal makes no further request."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from idpbridge import (
    AccountLocked,
    Authenticated,
    ClaimSource,
    ConfigurationError,
    FinishOIDC,
    FlowError,
    InvalidCredentials,
    MalformedResponse,
    Password,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    TokenValidationError,
    UserCancelled,
)
from idpbridge.classify import PASSWORD, STANDARD_OAUTH_RULES, ErrorRule
from idpbridge.kit import EngineHooks, ProviderSheet
from idpbridge.oidc import ClaimMap, OIDCConnector
from idpbridge.oidc.client import ErrorInfo, oauth_error

from .conftest import CLIENT_ID, ISSUER, REDIRECT_URI, FakeOP, discovery_doc, start


async def test_code_flow_request_shape(connector: OIDCConnector, fake_op: FakeOP) -> None:
    outcome, params = await start(connector, fake_op)
    result = await connector.authenticate(
        FinishOIDC({"code": "the-code", "state": params["state"]}, outcome.continuation)
    )
    assert isinstance(result, Authenticated)
    (token_request,) = fake_op.calls("/token")
    form = {k: v[0] for k, v in parse_qs(token_request.content.decode()).items()}
    assert form["grant_type"] == "authorization_code"
    assert form["code"] == "the-code"
    assert form["redirect_uri"] == REDIRECT_URI
    challenge = base64.urlsafe_b64encode(hashlib.sha256(form["code_verifier"].encode()).digest()).rstrip(b"=")
    assert challenge.decode() == params["code_challenge"]  # the verifier of this very flow
    assert token_request.headers["authorization"].startswith("Basic ")
    (userinfo_request,) = fake_op.calls("/userinfo")
    assert userinfo_request.headers["authorization"] == "Bearer at-authorization_code"
    assert "at-authorization_code" not in str(userinfo_request.url)
    ident = result.identity
    assert ident.key == (ISSUER, "user-1")
    assert ident.email_verified is True
    assert ident.groups == ("g1",)
    assert ident.sources["groups"] is ClaimSource.USERINFO


@pytest.mark.parametrize(
    ("callback", "error"),
    [
        ({"error": "access_denied"}, UserCancelled),
        ({"code": "c", "state": "forged"}, FlowError),
        ({"code": "c", "iss": "https://evil.example"}, FlowError),
    ],
)
async def test_rejected_callback_makes_no_token_request(
    connector: OIDCConnector, fake_op: FakeOP, callback: dict[str, str], error: type[Exception]
) -> None:
    outcome, params = await start(connector, fake_op)
    callback = {"state": params["state"], **callback}
    with pytest.raises(error):
        await connector.authenticate(FinishOIDC(callback, outcome.continuation))
    assert fake_op.calls("/token") == []


async def test_iss_param_required_when_advertised(connector: OIDCConnector, fake_op: FakeOP) -> None:
    fake_op.discovery = discovery_doc(authorization_response_iss_parameter_supported=True)
    outcome, params = await start(connector, fake_op)
    with pytest.raises(FlowError) as info:
        await connector.authenticate(
            FinishOIDC({"code": "c", "state": params["state"]}, outcome.continuation)
        )
    assert info.value.code == "flow.issuer_mismatch"
    assert fake_op.calls("/token") == []


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"nonce": "not-the-nonce"}, "token.nonce"),
        ({"aud": "someone-else"}, "token.audience"),
        ({"iss": ISSUER + "/"}, "token.issuer"),
    ],
)
async def test_bad_id_token_stops_before_userinfo(
    connector: OIDCConnector, fake_op: FakeOP, claims: dict[str, Any], code: str
) -> None:
    outcome, params = await start(connector, fake_op)
    fake_op.id_claims = claims
    with pytest.raises(TokenValidationError) as info:
        await connector.authenticate(
            FinishOIDC({"code": "c", "state": params["state"]}, outcome.continuation)
        )
    assert info.value.code == code
    assert fake_op.calls("/userinfo") == []


async def test_missing_id_token_in_code_flow(connector: OIDCConnector, fake_op: FakeOP) -> None:
    outcome, params = await start(connector, fake_op)
    fake_op.issue_id_token = False
    with pytest.raises(MalformedResponse):
        await connector.authenticate(
            FinishOIDC({"code": "c", "state": params["state"]}, outcome.continuation)
        )


async def test_userinfo_sub_mismatch(connector: OIDCConnector, fake_op: FakeOP) -> None:
    fake_op.userinfo = {"sub": "user-2", "email": "attacker@example.test"}
    with pytest.raises(TokenValidationError) as info:
        await connector.authenticate(Password("u", "p"))
    assert info.value.code == "token.subject"


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (httpx.Response(401, json={"error": "invalid_token"}), ProviderError),
        (httpx.Response(200, text="<html>", headers={"content-type": "text/html"}), MalformedResponse),
        (httpx.Response(200, text="eyJ.x.y", headers={"content-type": "application/jwt"}), MalformedResponse),
        (httpx.Response(200, json={"email": "no-sub@example.test"}), MalformedResponse),
    ],
)
async def test_userinfo_failures(
    connector: OIDCConnector, fake_op: FakeOP, reply: httpx.Response, error: type[Exception]
) -> None:
    fake_op.userinfo_reply = reply
    with pytest.raises(error):
        await connector.authenticate(Password("u", "p"))


async def test_userinfo_can_be_skipped(
    connector_factory: Callable[..., OIDCConnector], fake_op: FakeOP
) -> None:
    conn = connector_factory(fetch_userinfo=False)
    result = await conn.authenticate(Password("u", "p"))
    assert isinstance(result, Authenticated)
    assert result.userinfo is None
    assert fake_op.calls("/userinfo") == []


async def test_userinfo_refreshes_profile_claims_but_not_protected_ones(
    connector: OIDCConnector, fake_op: FakeOP
) -> None:
    fake_op.userinfo = {
        "sub": "user-1",
        "email": "new@example.test",
        "amr": ["forged"],
        "aud": "x",
        "name": "N",
    }
    result = await connector.authenticate(Password("u", "p"))
    assert isinstance(result, Authenticated)
    ident = result.identity
    assert ident.email == "new@example.test"
    assert ident.sources["email"] is ClaimSource.USERINFO
    assert ident.amr == ("pwd",)
    assert ident.sources["amr"] is ClaimSource.ID_TOKEN
    assert ident.claims["aud"] == CLIENT_ID


async def test_password_grant_sends_no_nonce_and_refuses_one(
    connector: OIDCConnector, fake_op: FakeOP
) -> None:
    result = await connector.authenticate(Password("jane", "pw"))
    assert isinstance(result, Authenticated)
    form = parse_qs(fake_op.calls("/token")[0].content.decode())
    assert form["username"] == ["jane"]
    assert form["password"] == ["pw"]
    assert form["grant_type"] == ["password"]
    assert form["scope"] == ["openid email profile"]
    fake_op.id_claims = {"nonce": "replayed-from-elsewhere"}
    with pytest.raises(TokenValidationError) as info:
        await connector.authenticate(Password("jane", "pw"))
    assert info.value.code == "token.nonce"


async def test_empty_password_is_refused_locally(connector: OIDCConnector, fake_op: FakeOP) -> None:
    with pytest.raises(InvalidCredentials):
        await connector.authenticate(Password("jane", ""))
    assert fake_op.calls("/token") == []


@pytest.mark.parametrize(
    ("reply", "error", "calls"),
    [
        (httpx.Response(400, json={"error": "invalid_grant"}), InvalidCredentials, 1),
        (httpx.Response(200, json={"error": "invalid_grant"}), InvalidCredentials, 1),
        (httpx.Response(400, json={"error": "unauthorized_client"}), ConfigurationError, 1),
        (httpx.Response(401, json={"error": "invalid_client"}), ConfigurationError, 1),
        (httpx.Response(429, json={"error": "slow"}), RateLimited, 1),
        (httpx.Response(500, text="boom"), ProviderUnavailable, 1),
        (httpx.Response(502, text="bad gateway"), ProviderUnavailable, 1),
    ],
)
async def test_password_grant_errors(
    connector: OIDCConnector, fake_op: FakeOP, reply: httpx.Response, error: type[Exception], calls: int
) -> None:
    fake_op.token_reply = lambda form: reply
    with pytest.raises(error):
        await connector.authenticate(Password("jane", "pw"))
    assert len(fake_op.calls("/token")) == calls  # a password is never resubmitted


async def test_pkce_s256_must_be_available(connector: OIDCConnector, fake_op: FakeOP) -> None:
    fake_op.discovery = discovery_doc(code_challenge_methods_supported=["plain"])
    with pytest.raises(ConfigurationError) as info:
        await start(connector, fake_op)
    assert info.value.code == "config.pkce_unsupported"


async def test_response_mode_must_be_supported(connector: OIDCConnector, fake_op: FakeOP) -> None:
    fake_op.discovery = discovery_doc(response_modes_supported=["query"])
    with pytest.raises(ConfigurationError):
        await start(connector, fake_op, response_mode="form_post")


async def test_openid_scope_is_always_requested(connector: OIDCConnector, fake_op: FakeOP) -> None:
    _, params = await start(connector, fake_op, scopes=("email",))
    assert params["scope"] == "openid email"


async def test_max_age_enforces_auth_time(
    connector_factory: Callable[..., OIDCConnector], fake_op: FakeOP
) -> None:
    conn = connector_factory(authorize_params={"max_age": "60"})
    outcome, params = await start(conn, fake_op)
    assert params["max_age"] == "60"
    fake_op.id_claims = {"auth_time": int(__import__("time").time()) - 3600}
    with pytest.raises(TokenValidationError):
        await conn.authenticate(FinishOIDC({"code": "c", "state": params["state"]}, outcome.continuation))


async def test_refresh_keeps_refresh_token_and_checks_subject(
    connector: OIDCConnector, fake_op: FakeOP
) -> None:
    tokens = await connector.refresh("rt-old", subject="user-1")
    assert tokens.refresh_token is not None
    assert tokens.refresh_token.get_secret_value() == "rt-old"
    with pytest.raises(TokenValidationError):
        await connector.refresh("rt-old", subject="user-2")


async def test_revoke_and_logout_url(connector: OIDCConnector, fake_op: FakeOP) -> None:
    await connector.revoke("rt-1", token_type_hint="refresh_token")
    assert parse_qs(fake_op.calls("/revoke")[0].content.decode())["token"] == ["rt-1"]
    url = await connector.logout_url(post_logout_redirect_uri="https://rp/bye", state="s")
    assert (
        url
        == f"{ISSUER}/logout?client_id={CLIENT_ID}&post_logout_redirect_uri=https%3A%2F%2Frp%2Fbye&state=s"
    )


async def test_endpoint_overrides(connector_factory: Callable[..., OIDCConnector], fake_op: FakeOP) -> None:
    assert fake_op.router is not None
    route = fake_op.router.post("/custom-token").mock(side_effect=fake_op._token)
    conn = connector_factory(endpoints={"token_endpoint": f"{ISSUER}/custom-token"})
    assert isinstance(await conn.authenticate(Password("u", "p")), Authenticated)
    assert route.call_count == 1
    assert fake_op.calls("/token") == []


def test_unknown_endpoint_override_is_a_config_error(connector_factory: Callable[..., OIDCConnector]) -> None:
    with pytest.raises(ConfigurationError):
        connector_factory(endpoints={"bogus": f"{ISSUER}/x"})
    with pytest.raises(ConfigurationError):
        connector_factory(issuer="http://op.example.test")  # plain http only for loopback


def _acme_error(body: Any) -> ErrorInfo:
    info = oauth_error(body)
    code = body.get("errorCode")
    return ErrorInfo(info.error, info.description, code if isinstance(code, str) else None)


class AcmeConnector(OIDCConnector):
    """What a provider connector looks like: a sheet, hooks over the config, request data."""

    sheet = ProviderSheet(
        name="acme",
        title="Acme",
        methods=OIDCConnector.methods,
        error_rules=(
            ErrorRule(
                error="invalid_grant", description_contains="blocked", context=PASSWORD, raises=AccountLocked
            ),
            ErrorRule(provider_code="E0000004", raises=InvalidCredentials),
            *STANDARD_OAUTH_RULES,
        ),
        claims=ClaimMap(username="email", groups="realm_access.roles", string_booleans=True),
    )

    def engine_hooks(self) -> EngineHooks:
        return EngineHooks(parse_error=_acme_error)

    def password_params(self, request: Password) -> dict[str, str]:
        return {"realm": "Users"}


async def test_provider_subclass_overrides_data(
    connector_factory: Callable[..., OIDCConnector], fake_op: FakeOP
) -> None:
    conn = connector_factory(AcmeConnector)
    fake_op.id_claims = {"email_verified": "true", "realm_access": {"roles": ["r1", "r2"]}}
    result = await conn.authenticate(Password("u", "p"))
    assert isinstance(result, Authenticated)
    ident = result.identity
    assert (ident.provider, ident.username, ident.roles) == ("acme", "u1@example.test", ())
    assert ident.groups == ("r1", "r2")
    assert ident.email_verified is True
    assert parse_qs(fake_op.calls("/token")[0].content.decode())["realm"] == ["Users"]

    fake_op.token_reply = lambda form: httpx.Response(
        400, json={"error": "invalid_grant", "error_description": "user is blocked"}
    )
    with pytest.raises(AccountLocked):
        await conn.authenticate(Password("u", "p"))
    fake_op.token_reply = lambda form: httpx.Response(400, json={"error": "weird", "errorCode": "E0000004"})
    with pytest.raises(InvalidCredentials) as info:
        await conn.authenticate(Password("u", "p"))
    assert info.value.provider_code == "E0000004"


async def test_string_booleans_need_opt_in(
    connector_factory: Callable[..., OIDCConnector], fake_op: FakeOP
) -> None:
    fake_op.id_claims = {"email_verified": "true", "phone_number_verified": "false"}
    plain = await connector_factory().authenticate(Password("u", "p"))
    assert isinstance(plain, Authenticated)
    assert plain.identity.email_verified is None
    conn = connector_factory(claim_mapping={"string_booleans": True, "username": "email", "groups": None})
    opted = await conn.authenticate(Password("u", "p"))
    assert isinstance(opted, Authenticated)
    assert opted.identity.email_verified is True
    assert opted.identity.phone_number_verified is False
    assert opted.identity.username == "u1@example.test"
    assert opted.identity.groups == ()


def test_bad_claim_mapping(connector_factory: Callable[..., OIDCConnector]) -> None:
    with pytest.raises(ConfigurationError):
        connector_factory(claim_mapping={"shoe_size": "x"})
