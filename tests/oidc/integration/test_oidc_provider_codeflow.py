"""Authorization code + PKCE + nonce against panva/oidc-provider over real sockets."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from idpbridge import (
    Authenticated,
    ClaimSource,
    ConsentRequired,
    FinishOIDC,
    FlowError,
    Method,
    RedirectRequired,
    StartOIDC,
    UserCancelled,
)
from idpbridge.oidc import OIDCConnector
from idpbridge.replay import MemoryReplayStore
from tests.peers import oidc_provider as op

from ._drive import Callback, LoginFailed, oidc_provider_login
from .conftest import REDIRECT_URI


async def _start(conn: OIDCConnector, **kw: Any) -> RedirectRequired:
    outcome = await conn.authenticate(StartOIDC(REDIRECT_URI, **kw))
    assert isinstance(outcome, RedirectRequired)
    return outcome


async def _login(conn: OIDCConnector, user: str = "alice", **kw: Any) -> tuple[RedirectRequired, Callback]:
    start = await _start(conn, **{k: v for k, v in kw.items() if k != "otp_secret"})
    callback = await oidc_provider_login(
        start.url, user, op.USERS[user], redirect_prefix=REDIRECT_URI, otp_secret=kw.get("otp_secret")
    )
    return start, callback


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


async def test_code_flow_query_mode(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    conn = make_connector(**op_fields)
    start, callback = await _login(conn)
    q = _query(start.url)
    assert q["code_challenge_method"] == ["S256"]
    assert len(q["code_challenge"][0]) == 43
    assert q["state"][0]
    assert q["nonce"][0]
    assert q["state"] != q["nonce"]
    assert "code_verifier" not in q
    assert callback.mode == "query"
    assert callback.params["iss"] == [op_fields["issuer"]]  # RFC 9207 from the OP

    result = await conn.authenticate(FinishOIDC(callback.params, start.continuation))
    assert isinstance(result, Authenticated)
    assert result.method is Method.OIDC
    ident = result.identity
    assert ident.key == (op_fields["issuer"], "alice")
    assert (ident.provider, ident.connector) == ("oidc", "oidc")
    assert ident.email == "alice@example.test"
    assert ident.email_verified is True
    assert ident.username == "alice.example"
    assert (ident.given_name, ident.family_name, ident.name) == ("Alice", "Example", "Alice Example")
    assert ident.phone_number == "+15550100"
    assert ident.phone_number_verified is False
    assert ident.amr == ("pwd",)
    assert ident.auth_time is not None
    # groups is released by UserInfo only; the nonce only by the ID token.
    assert ident.groups == ("staff", "admins")
    assert ident.sources["groups"] is ClaimSource.USERINFO
    assert ident.sources["nonce"] is ClaimSource.ID_TOKEN
    assert ident.sources["sub"] is ClaimSource.ID_TOKEN
    assert ident.claims["nonce"] == q["nonce"][0]
    assert result.userinfo is not None
    assert result.userinfo["sub"] == "alice"
    assert result.tokens.id_token
    assert result.tokens.access_token
    assert result.tokens.refresh_token


async def test_code_flow_form_post(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    conn = make_connector(**op_fields)
    start, callback = await _login(conn, "bob", response_mode="form_post")
    assert _query(start.url)["response_mode"] == ["form_post"]
    assert callback.mode == "form_post"
    assert callback.url == REDIRECT_URI
    assert set(callback.params) >= {"code", "state", "iss"}
    result = await conn.authenticate(FinishOIDC(callback.params, start.continuation))
    assert isinstance(result, Authenticated)
    assert result.identity.subject == "bob"
    assert result.identity.email_verified is False  # JSON false stays false, not None
    assert result.identity.groups == ()


async def test_form_post_from_config(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    conn = make_connector(**op_fields, response_mode="form_post")
    start, callback = await _login(conn)
    assert callback.mode == "form_post"
    assert isinstance(await conn.authenticate(FinishOIDC(callback.params, start.continuation)), Authenticated)


async def test_totp_user_and_request_options(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    conn = make_connector(**op_fields)
    claims = {"id_token": {"email": {"essential": True}}}
    start, callback = await _login(
        conn,
        "carol",
        otp_secret=op.TOTP_SECRET,
        prompt="login",
        login_hint="carol",
        acr_values=("mfa",),
        claims=claims,
        extra_params={"ui_locales": "en"},
    )
    q = _query(start.url)
    assert q["prompt"] == ["login"]
    assert q["login_hint"] == ["carol"]
    assert q["acr_values"] == ["mfa"]
    assert json.loads(q["claims"][0]) == claims
    assert q["ui_locales"] == ["en"]
    result = await conn.authenticate(FinishOIDC(callback.params, start.continuation))
    assert isinstance(result, Authenticated)
    assert result.identity.amr == ("pwd", "otp")
    assert result.identity.claims["acr"] == "mfa"


async def test_wrong_password_stays_at_the_op(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    conn = make_connector(**op_fields)
    start = await _start(conn)
    with pytest.raises(LoginFailed, match="invalid username or password"):
        await oidc_provider_login(start.url, "alice", "WRONG", redirect_prefix=REDIRECT_URI)
    with pytest.raises(LoginFailed):
        await oidc_provider_login(start.url, "mallory", "x", redirect_prefix=REDIRECT_URI)


async def test_user_cancel_is_user_cancelled(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    conn = make_connector(**op_fields)
    start = await _start(conn)
    callback = await oidc_provider_login(start.url, "alice", "", redirect_prefix=REDIRECT_URI, cancel=True)
    assert callback.params["error"] == ["access_denied"]
    with pytest.raises(UserCancelled) as info:
        await conn.authenticate(FinishOIDC(callback.params, start.continuation))
    assert info.value.provider_code == "access_denied"


async def test_prompt_none_without_session_is_consent_required(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    conn = make_connector(**op_fields)
    start = await _start(conn, prompt="none")
    async with httpx.AsyncClient(follow_redirects=False) as browser:
        r = await browser.get(start.url)
    location = r.headers["location"]
    assert location.startswith(REDIRECT_URI)
    params = _query(location)
    assert params["error"] == ["login_required"]
    with pytest.raises(ConsentRequired):
        await conn.authenticate(FinishOIDC(params, start.continuation))


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        (lambda p: {**p, "iss": [p["iss"][0] + "1"]}, "flow.issuer_mismatch"),
        (lambda p: {k: v for k, v in p.items() if k != "iss"}, "flow.issuer_mismatch"),
        (lambda p: {**p, "state": [p["state"][0] + "1"]}, "flow.state_mismatch"),
        (lambda p: {k: v for k, v in p.items() if k != "state"}, "flow.state_mismatch"),
        (lambda p: {**p, "code": [p["code"][0], p["code"][0]]}, "flow.malformed"),
    ],
    ids=["iss-wrong", "iss-missing", "state-wrong", "state-missing", "code-twice"],
)
async def test_bad_callback_rejected_before_token_request(
    make_connector: Callable[..., OIDCConnector],
    op_fields: dict[str, Any],
    keys: Any,
    tamper: Callable[[dict[str, list[str]]], dict[str, list[str]]],
    code: str,
) -> None:
    conn = make_connector(**op_fields)
    start, callback = await _login(conn)
    with pytest.raises(FlowError) as info:
        await conn.authenticate(FinishOIDC(tamper(callback.params), start.continuation))
    assert info.value.code == code
    # The code was never sent to the token endpoint: a worker with the same keys but a replay
    # store of its own (this process's default one has the step as used) can still redeem it.
    # oidc-provider would have burnt it otherwise.
    other = make_connector(**op_fields, replay_store=MemoryReplayStore())
    result = await other.authenticate(FinishOIDC(callback.params, start.continuation))
    assert isinstance(result, Authenticated)


async def test_callback_replay_is_refused(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    conn = make_connector(**op_fields)
    start, callback = await _login(conn)
    assert isinstance(await conn.authenticate(FinishOIDC(callback.params, start.continuation)), Authenticated)
    with pytest.raises(FlowError) as info:
        await conn.authenticate(FinishOIDC(callback.params, start.continuation))
    assert info.value.code == "flow.reused"


async def test_continuation_of_another_flow_is_refused(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    conn = make_connector(**op_fields)
    _, callback = await _login(conn)
    other = await _start(conn)  # a second flow in another browser
    with pytest.raises(FlowError) as info:
        await conn.authenticate(FinishOIDC(callback.params, other.continuation))
    assert info.value.code == "flow.state_mismatch"
