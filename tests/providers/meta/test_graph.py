"""What the Meta connector sends: the code exchange, debug_token, /me and revocation requests
(respx), appsecret_proof, the Graph error table, and that no secret or token is logged."""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from idpbridge import (
    AccountDisabled,
    Authenticated,
    ConfigurationError,
    ExpiredCode,
    InvalidCode,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    UserCancelled,
)
from idpbridge.classify import AUTHORIZATION_CODE, AUTHORIZE, classify
from idpbridge.providers.meta.errors import RULES, graph_error
from idpbridge.providers.meta.graph import appsecret_proof
from tests.support.social import finish, start

from .conftest import APP_ID, APP_SECRET, REDIRECT_URI, USER_ID, Make

GRAPH = "https://graph.facebook.com/v24.0"
TOKEN = "EAAtoken-from-the-exchange"


def test_appsecret_proof_is_hmac_sha256_hex() -> None:
    expected = hmac.new(APP_SECRET.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()
    assert appsecret_proof(TOKEN, APP_SECRET) == expected
    assert len(expected) == 64


def _graph_router(router: respx.MockRouter, *, debug: dict[str, Any] | None = None) -> dict[str, Any]:
    routes = {
        "token": router.post(f"{GRAPH}/oauth/access_token").respond(
            json={"access_token": TOKEN, "token_type": "bearer", "expires_in": 5183944}
        ),
        "debug": router.get(f"{GRAPH}/debug_token").respond(
            json=debug
            or {
                "data": {
                    "app_id": APP_ID,
                    "type": "USER",
                    "is_valid": True,
                    "user_id": USER_ID,
                    "scopes": ["email"],
                }
            }
        ),
        "me": router.get(f"{GRAPH}/me").respond(
            json={"id": USER_ID, "name": "Jane", "email": "j@example.com"}
        ),
    }
    return routes


async def test_request_shapes(make_meta: Make, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="idpbridge")
    conn = make_meta(profile_fields="name,email,picture{url}")
    started, params = await start(conn, REDIRECT_URI)
    with respx.mock(assert_all_called=True) as router:
        routes = _graph_router(router)
        result = await finish(conn, started, params, code="AQDcode")
    assert isinstance(result, Authenticated)

    exchange: httpx.Request = routes["token"].calls[0].request
    form = {k: v[0] for k, v in parse_qs(exchange.content.decode()).items()}
    assert exchange.url.query == b""  # nothing in the URL: the app secret travels in the body
    assert "authorization" not in exchange.headers
    assert form["client_id"] == APP_ID
    assert form["client_secret"] == APP_SECRET
    assert form["code"] == "AQDcode"
    assert form["redirect_uri"] == REDIRECT_URI
    assert len(form["code_verifier"]) >= 43

    debug: httpx.Request = routes["debug"].calls[0].request
    assert debug.headers["authorization"] == f"Bearer {APP_ID}|{APP_SECRET}"  # the app token, not in the URL
    assert dict(debug.url.params) == {"input_token": TOKEN}

    me: httpx.Request = routes["me"].calls[0].request
    assert me.headers["authorization"] == f"Bearer {TOKEN}"
    assert dict(me.url.params) == {
        "fields": "id,name,email,picture{url}",
        "appsecret_proof": appsecret_proof(TOKEN, APP_SECRET),
    }
    assert "access_token" not in str(me.url)

    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("idpbridge"))
    assert "debug_token" in logged
    for secret in (APP_SECRET, TOKEN, "AQDcode", appsecret_proof(TOKEN, APP_SECRET)):
        assert secret not in logged + repr(conn) + repr(conn.config) + repr(result)


async def test_me_for_another_user_is_refused(make_meta: Make) -> None:
    conn = make_meta()
    started, params = await start(conn, REDIRECT_URI)
    with respx.mock() as router:
        routes = _graph_router(router)
        routes["me"].respond(json={"id": "10220000000000001"})
        with pytest.raises(Exception) as err:  # noqa: PT011 - checked below
            await finish(conn, started, params, code="AQDcode")
    assert getattr(err.value, "code", None) == "token.subject"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"app_id": APP_ID, "type": "PAGE", "is_valid": True, "user_id": USER_ID}, "token.type"),
        (
            {"app_id": int(APP_ID), "type": "USER", "is_valid": True, "user_id": USER_ID, "expires_at": 1},
            "token.expired",
        ),
        ({"app_id": APP_ID, "type": "USER", "is_valid": "true", "user_id": USER_ID}, "token.invalid"),
        ({"app_id": APP_ID + "0", "type": "USER", "is_valid": True, "user_id": USER_ID}, "token.audience"),
        ({"type": "USER", "is_valid": True, "user_id": USER_ID}, "token.audience"),
    ],
)
async def test_debug_token_checks(make_meta: Make, data: dict[str, Any], code: str) -> None:
    conn = make_meta()
    started, params = await start(conn, REDIRECT_URI)
    with respx.mock(assert_all_called=False) as router:
        routes = _graph_router(router, debug={"data": data})
        with pytest.raises(Exception) as err:  # noqa: PT011 - checked below
            await finish(conn, started, params, code="AQDcode")
        assert not routes["me"].called  # the profile is never read with a doubtful token
    assert getattr(err.value, "code", None) == code


def _classify(
    body: dict[str, Any], *, context: str | None = AUTHORIZATION_CODE, status: int = 400
) -> Exception:
    info = graph_error(body)
    return classify(
        RULES,
        error=info.error,
        description=info.description,
        provider_code=info.provider_code,
        status=status,
        context=context,
    )


def _envelope(code: int, message: str = "m", sub: int | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "A"}
    if sub is not None:
        err["error_subcode"] = sub
    return {"error": err}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (_envelope(100, "This authorization code has been used.", 36009), ExpiredCode),
        (_envelope(100, "This authorization code has expired.", 36007), ExpiredCode),
        (_envelope(100, "Invalid verification code format."), InvalidCode),
        # Public captures of a redirect_uri mismatch carry no subcode (tests/providers/EVIDENCE.md, M2).
        (
            _envelope(
                100,
                "Error validating verification code. Please make sure your redirect_uri is identical "
                "to the one you used in the OAuth dialog request",
            ),
            ConfigurationError,
        ),
        (_envelope(1, "Error validating client secret."), ConfigurationError),
        (_envelope(101, "Error validating application. Invalid application ID."), ConfigurationError),
        (_envelope(191, "Can't load URL"), ConfigurationError),
        (_envelope(4, "(#4) Application request limit reached"), RateLimited),
        (_envelope(17, "(#17) User request limit reached"), RateLimited),
        (_envelope(32, "(#32) Page request limit reached"), RateLimited),
        (_envelope(613, "(#613) Calls to this api have exceeded the rate limit.", 1996), RateLimited),
        (_envelope(2, "An unexpected error has occurred."), ProviderUnavailable),
        (_envelope(190, "Error validating access token: Session has expired", 463), ProviderError),
        (_envelope(368, "The action attempted has been deemed abusive"), AccountDisabled),
        (_envelope(1, "An unknown error occurred"), ProviderError),  # code 1 is not always the secret
    ],
)
def test_graph_error_table(body: dict[str, Any], expected: type[Exception]) -> None:
    error = _classify(body)
    assert type(error) is expected, error


def test_graph_error_fields() -> None:
    info = graph_error(_envelope(100, "used", 36009))
    assert (info.error, info.provider_code, info.description) == ("100", "100/36009", "used")
    assert graph_error(_envelope(4)).provider_code == "4"
    plain = graph_error({"error": "invalid_grant", "error_description": "x"})
    assert (plain.error, plain.description) == ("invalid_grant", "x")
    odd = graph_error({"error": {"code": "100", "error_subcode": True, "message": 5}})
    assert (odd.error, odd.provider_code, odd.description) == (None, None, None)


def test_callback_errors() -> None:
    assert isinstance(_classify({"error": "access_denied"}, context=AUTHORIZE), UserCancelled)
    denied = classify(RULES, error="200", description="Permissions error", context=AUTHORIZE)
    assert isinstance(denied, UserCancelled)
