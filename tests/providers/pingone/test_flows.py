"""The pingone password method (redirectless pi.flow) against the fake PingOne: the four steps on
the wire, every flow status, platform errors, cookies kept per flow, and no handle leaking."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from urllib.parse import parse_qs

import httpx
import pytest

from idpbridge import (
    AccountLocked,
    Authenticated,
    ConfigurationError,
    ConsentRequired,
    ExpiredCode,
    FlowError,
    IdpBridgeError,
    InvalidCredentials,
    MalformedResponse,
    Method,
    MFARequired,
    Password,
    PasswordChangeRequired,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    TokenValidationError,
    UserNotConfirmed,
)
from idpbridge.providers.pingone.connector import PingOneConnector
from idpbridge.providers.pingone.flows import CHECK_MEDIA_TYPE

from .conftest import BASE, CLIENT_ID, CLIENT_SECRET, ENV, ISSUER, PASSWORD, FakePingOne, platform_error

Make = Callable[..., PingOneConnector]


def by_path(fake: FakePingOne, suffix: str) -> list[httpx.Request]:
    return [r for r in fake.requests if r.url.path.endswith(suffix) or f"/flows/{suffix}" in r.url.path]


async def test_password_via_flows(make: Make, pingone: FakePingOne) -> None:
    result = await make().authenticate(Password("jane", PASSWORD))
    assert isinstance(result, Authenticated)
    assert result.method is Method.PASSWORD
    ident = result.identity
    assert ident.key == (ISSUER, "5a7b9c1d-0000-4000-8000-00000000a11c")
    assert ident.tenant == ENV
    assert ident.username == "jane"

    authorize, check, resume, token = pingone.requests
    params = dict(authorize.url.params)
    assert authorize.url.path == f"/{ENV}/as/authorize"
    assert params["response_mode"] == "pi.flow"
    assert params["code_challenge_method"] == "S256"
    assert params["scope"] == "openid email profile"
    assert "redirect_uri" not in params  # pi.flow needs none
    assert "cookie" not in authorize.headers  # never another flow's (or user's) session
    assert check.method == "POST"
    assert check.headers["content-type"] == CHECK_MEDIA_TYPE
    assert json.loads(check.content) == {"username": "jane", "password": PASSWORD}
    assert "interactionId=" in check.headers["cookie"]
    assert "ST=" in resume.headers["cookie"]  # the session cookie the check set
    assert resume.url.params["flowId"] == check.url.path.rsplit("/", 1)[-1]
    form = parse_qs(token.content.decode())
    assert form["grant_type"] == ["authorization_code"]
    assert "code_verifier" in form
    assert "password" not in form
    assert token.headers["authorization"].startswith("Basic ")  # discovery lists Basic first


async def test_code_inline_in_the_check_answer_skips_resume(make: Make, pingone: FakePingOne) -> None:
    pingone.inline_code = True
    result = await make().authenticate(Password("jane", PASSWORD))
    assert isinstance(result, Authenticated)
    assert [r.url.path.rsplit("/", 1)[-1] for r in pingone.requests][-1] == "token"
    assert not any(r.url.path.endswith("/as/resume") for r in pingone.requests)


async def test_password_redirect_uri_is_sent_in_both_requests(make: Make, pingone: FakePingOne) -> None:
    conn = make(password_redirect_uri="https://rp.example.test/cb")
    assert isinstance(await conn.authenticate(Password("jane", PASSWORD)), Authenticated)
    authorize, *_, token = pingone.requests
    assert authorize.url.params["redirect_uri"] == "https://rp.example.test/cb"
    assert parse_qs(token.content.decode())["redirect_uri"] == ["https://rp.example.test/cb"]


async def test_nonce_is_checked(make: Make, pingone: FakePingOne) -> None:
    pingone.op.id_claims["nonce"] = "not-the-flow-nonce"
    with pytest.raises(TokenValidationError) as info:
        await make().authenticate(Password("jane", PASSWORD))
    assert info.value.code == "token.nonce"


async def test_state_from_another_flow_is_refused(make: Make, pingone: FakePingOne) -> None:
    pingone.resume_state = "someone-elses-state"
    with pytest.raises(FlowError) as info:
        await make().authenticate(Password("jane", PASSWORD))
    assert info.value.code == "flow.state_mismatch"
    assert not any(r.url.path.endswith("/as/token") for r in pingone.requests)


@pytest.mark.parametrize(
    ("status", "expected", "code"),
    [
        ("PASSWORD_EXPIRED", PasswordChangeRequired, "password_change_required"),
        ("MUST_CHANGE_PASSWORD", PasswordChangeRequired, "password_change_required"),
        ("OTP_REQUIRED", MFARequired, "mfa_required"),
        ("DEVICE_SELECTION_REQUIRED", MFARequired, "mfa_required"),
        ("PUSH_CONFIRMATION_REQUIRED", MFARequired, "mfa_required"),
        ("VERIFICATION_CODE_REQUIRED", UserNotConfirmed, "user_not_confirmed"),
        ("PROFILE_DATA_REQUIRED", ConsentRequired, "consent_required"),
        ("USERNAME_PASSWORD_REQUIRED", InvalidCredentials, "invalid_credentials"),
        ("SOMETHING_NEW", MalformedResponse, "provider.flow_status"),
    ],
)
async def test_flow_statuses(
    make: Make, pingone: FakePingOne, status: str, expected: type[IdpBridgeError], code: str
) -> None:
    pingone.users["jane"] = (PASSWORD, status)
    with pytest.raises(IdpBridgeError) as info:
        await make().authenticate(Password("jane", PASSWORD))
    err = info.value
    assert type(err) is expected
    assert err.code == code
    assert not any(r.url.path.endswith(("/as/resume", "/as/token")) for r in pingone.requests)


async def test_mfa_continuation_seals_the_flow(make: Make, pingone: FakePingOne) -> None:
    pingone.users["jane"] = (PASSWORD, "DEVICE_SELECTION_REQUIRED")
    conn = make()
    with pytest.raises(MFARequired) as info:
        await conn.authenticate(Password("jane", PASSWORD))
    err = info.value
    assert err.factors == ("sms", "totp")
    assert err.continuation is not None
    sealed = err.continuation.get_secret_value()
    flow_id = next(iter(pingone.flows))
    flow = pingone.flows[flow_id]
    assert flow_id not in sealed
    assert flow.interaction not in sealed
    opened = conn.continuations.open(sealed, method="totp")
    assert opened.data["pingone_flow"] == flow_id
    assert opened.data["cookies"]["interactionId"] == flow.interaction
    assert opened.data["username"] == "jane"
    assert flow_id not in repr(err)
    assert flow_id not in str(err)


async def test_otp_required_factors(make: Make, pingone: FakePingOne) -> None:
    pingone.users["jane"] = (PASSWORD, "OTP_REQUIRED")
    with pytest.raises(MFARequired) as info:
        await make().authenticate(Password("jane", PASSWORD))
    assert info.value.factors == ("otp",)


async def test_wrong_password(make: Make, pingone: FakePingOne) -> None:
    with pytest.raises(InvalidCredentials) as info:
        await make().authenticate(Password("jane", "not-it"))
    err = info.value
    assert err.message == "invalid username or password"
    assert err.provider_code == "INVALID_VALUE"
    assert "not-it" not in str(err)


async def test_unknown_user(make: Make, pingone: FakePingOne) -> None:
    with pytest.raises(InvalidCredentials):
        await make().authenticate(Password("nobody", PASSWORD))


@pytest.mark.parametrize(
    ("reply", "expected", "code"),
    [
        (platform_error(400, "INVALID_DATA", "locked", {"code": "PASSWORD_LOCKED_OUT"}), AccountLocked,
         "account_locked"),
        (platform_error(404, "NOT_FOUND", "The flow was not found"), ExpiredCode, "expired_code"),
        (platform_error(401, "INVALID_TOKEN", "missing"), ProviderError, "provider.flow_session"),
        (platform_error(400, "INVALID_REQUEST", "media type"), ConfigurationError, "config.invalid_request"),
        (httpx.Response(429, headers={"retry-after": "5"}, json={"code": "REQUEST_LIMITED"}), RateLimited,
         "provider.rate_limited"),
        (httpx.Response(503, text="<html>down</html>"), ProviderUnavailable, "provider.unavailable"),
        (httpx.Response(400, text="<html>bad</html>", headers={"content-type": "text/html"}),
         MalformedResponse, "provider.malformed_response"),
        (httpx.Response(200, json={"id": "x"}), MalformedResponse, "provider.malformed_response"),
    ],
)  # fmt: skip
async def test_check_errors(
    make: Make, pingone: FakePingOne, reply: httpx.Response, expected: type[IdpBridgeError], code: str
) -> None:
    pingone.check_reply = lambda request: reply
    with pytest.raises(IdpBridgeError) as info:
        await make().authenticate(Password("jane", PASSWORD))
    err = info.value
    assert type(err) is expected
    assert err.code == code
    if isinstance(err, RateLimited):
        assert err.retry_after == 5
    flow_id = next(iter(pingone.flows))
    assert flow_id not in str(err)
    assert flow_id not in repr(err)


async def test_check_is_never_retried(make: Make, pingone: FakePingOne) -> None:
    pingone.check_reply = lambda request: httpx.Response(503, text="down")
    with pytest.raises(ProviderUnavailable):
        await make(retries=3).authenticate(Password("jane", PASSWORD))
    assert len([r for r in pingone.requests if "/flows/" in r.url.path]) == 1


async def test_unknown_application(make: Make, pingone: FakePingOne) -> None:
    with pytest.raises(ConfigurationError) as info:
        await make(client_id="6c2f0a1b-0000-4000-8000-0000000000ff").authenticate(Password("jane", PASSWORD))
    assert info.value.code == "config.unknown_client"


async def test_policy_without_a_password_step(make: Make, pingone: FakePingOne) -> None:
    original = pingone.authorize

    def identifier_first(request: httpx.Request) -> httpx.Response:
        response = original(request)
        body = json.loads(response.content)
        body["status"] = "IDENTIFIER_REQUIRED"
        body["_links"] = {"user.lookup": {"href": "x"}}
        return httpx.Response(200, json=body, headers=response.headers)

    pingone.authorize = identifier_first  # type: ignore[method-assign]
    assert pingone.op.router is not None
    pingone.op.router.get(f"{ISSUER}/authorize").mock(side_effect=identifier_first)
    with pytest.raises(ConfigurationError) as info:
        await make().authenticate(Password("jane", PASSWORD))
    assert info.value.code == "config.sign_on_policy"
    assert not any("/flows/" in r.url.path for r in pingone.requests)


async def test_empty_credentials_send_nothing(make: Make, pingone: FakePingOne) -> None:
    with pytest.raises(InvalidCredentials):
        await make().authenticate(Password("jane", ""))
    assert pingone.requests == []


async def test_concurrent_users_never_share_cookies(make: Make, pingone: FakePingOne) -> None:
    pingone.users["joe"] = (PASSWORD, "COMPLETED")
    conn = make()
    for _ in range(3):
        results = await asyncio.gather(
            conn.authenticate(Password("jane", PASSWORD)), conn.authenticate(Password("joe", PASSWORD))
        )
        assert all(isinstance(r, Authenticated) for r in results)
    for request in pingone.requests:
        if request.url.path.endswith("/as/authorize") or request.url.path.endswith("/as/token"):
            assert "cookie" not in request.headers
    sessions = {f.session for f in pingone.flows.values()}
    for request in pingone.requests:
        if "/flows/" in request.url.path:
            assert not any(f"ST={s}" in request.headers["cookie"] for s in sessions)
        if request.url.path.endswith("/as/resume"):
            flow = pingone.flows[request.url.params["flowId"]]
            assert f"ST={flow.session}" in request.headers["cookie"]
            assert request.headers["cookie"].count("ST=") == 1


async def test_handles_never_reach_the_logs(
    make: Make, pingone: FakePingOne, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="idpbridge")
    assert isinstance(await make().authenticate(Password("jane", PASSWORD)), Authenticated)
    pingone.check_reply = lambda request: httpx.Response(503, text="down")
    with pytest.raises(ProviderUnavailable):
        await make().authenticate(Password("jane", PASSWORD))
    text = caplog.text
    assert "/flows/<flow>" in text
    for flow in pingone.flows.values():
        assert flow.id not in text
        assert flow.interaction not in text
        assert flow.session is None or flow.session not in text
    assert PASSWORD not in text
    assert CLIENT_SECRET not in text


async def test_oidc_code_flow_still_works(make: Make, pingone: FakePingOne) -> None:
    from idpbridge import FinishOIDC, RedirectRequired, StartOIDC

    conn = make()
    start = await conn.authenticate(StartOIDC("https://rp.example.test/callback"))
    assert isinstance(start, RedirectRequired)
    assert start.url.startswith(f"{BASE}/as/authorize?")
    params = {k: v[0] for k, v in parse_qs(start.url.split("?", 1)[1]).items()}
    assert "response_mode" not in params
    pingone.op.nonce = params["nonce"]
    result = await conn.authenticate(FinishOIDC({"code": "c", "state": params["state"]}, start.continuation))
    assert isinstance(result, Authenticated)
    assert result.method is Method.OIDC
    assert result.identity.claims["aud"] == CLIENT_ID


async def test_check_probes_the_flow_without_credentials(make: Make, pingone: FakePingOne) -> None:
    def token(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "invalid_grant", "error_description": "bad code"})

    assert pingone.op.router is not None
    pingone.op.router.post(f"{ISSUER}/token").mock(side_effect=token)
    report = await make().check()
    assert report.ok, report.as_dict()
    assert [r.name for r in report.results] == [
        "configuration",
        "discovery",
        "jwks",
        "client",
        "clock",
        "password",
    ]
    assert not any("/flows/" in r.url.path for r in pingone.requests)  # no credentials were sent

    def refused(request: httpx.Request) -> httpx.Response:
        return platform_error(403, "ACCESS_FAILED", "response_mode not allowed")

    pingone.op.router.get(f"{ISSUER}/authorize").mock(side_effect=refused)
    report = await make().check()
    password = {r.name: r for r in report.results}["password"]
    assert not password.ok
    assert "redirectless" in password.detail


async def test_reprs_leak_nothing(make: Make, pingone: FakePingOne) -> None:
    conn = make()
    result = await conn.authenticate(Password("jane", PASSWORD))
    assert isinstance(result, Authenticated)
    tokens = [t.get_secret_value() for t in (result.tokens.access_token, result.tokens.id_token) if t]
    for text in (repr(conn), repr(conn.config), str(conn.config), repr(result), repr(result.tokens)):
        for secret in (PASSWORD, CLIENT_SECRET, *tokens):
            assert secret not in text


async def test_the_password_walk_never_calls_back_into_the_connector(
    make: Make, pingone: FakePingOne, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The redirectless flow runs on the engine alone (flows.py is given the engine and config)."""
    conn = make()

    def called_back(*args: object, **kwargs: object) -> None:
        raise AssertionError("the password walk called back into the connector")

    for name in ("metadata", "discover", "oauth", "endpoint", "token_policy", "seal"):
        monkeypatch.setattr(conn, name, called_back)
    result = await conn.authenticate(Password("jane", PASSWORD))
    assert isinstance(result, Authenticated)
    assert result.method is Method.PASSWORD
