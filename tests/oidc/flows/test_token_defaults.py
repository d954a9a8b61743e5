"""Hostile defaults: stale ID tokens, token responses without ``token_type``, missing ID tokens.

* A token fresh from the token endpoint (code, password, refresh) is refused when its ``iat`` is
  older than ``max_token_age`` (300 s) + leeway; an :class:`ExternalToken` has its own limit,
  ``max_external_token_age`` (3600 s) + leeway. Both are configurable within validated ranges.
* Every token response must say ``token_type: Bearer`` (any case).
* A password grant answered without an ``id_token`` is refused unless ``require_id_token`` is
  off (by default it is on when ``openid`` is requested).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from idpbridge import (
    Authenticated,
    ClaimSource,
    ConfigurationError,
    ExternalToken,
    FinishOIDC,
    MalformedResponse,
    Password,
    TokenValidationError,
)
from idpbridge.oidc import OIDCConnector

from .conftest import FakeOP, start

Grant = Callable[[OIDCConnector, FakeOP], Awaitable[Any]]


async def _code(conn: OIDCConnector, op: FakeOP) -> Any:
    outcome, params = await start(conn, op)
    return await conn.authenticate(FinishOIDC({"code": "c", "state": params["state"]}, outcome.continuation))


async def _password(conn: OIDCConnector, op: FakeOP) -> Any:
    return await conn.authenticate(Password("jane", "pw"))


async def _refresh(conn: OIDCConnector, op: FakeOP) -> Any:
    return await conn.refresh("rt-1", subject="user-1")


GRANTS = pytest.mark.parametrize("grant", [_code, _password, _refresh], ids=["code", "password", "refresh"])


def _aged(seconds: int) -> dict[str, int]:
    """``iat`` ``seconds`` ago, with an ``exp`` still well in the future."""
    now = int(time.time())
    return {"iat": now - seconds, "exp": now + 600}


# -- iat age: tokens fresh from the token endpoint ------------------------------------------------


@GRANTS
async def test_flow_refuses_an_id_token_older_than_the_flow_default(
    connector: OIDCConnector, fake_op: FakeOP, grant: Grant
) -> None:
    fake_op.id_claims = _aged(300 + 60 + 120)  # beyond max_token_age + leeway, exp still valid
    with pytest.raises(TokenValidationError) as info:
        await grant(connector, fake_op)
    assert info.value.code == "token.issued_at"
    assert fake_op.calls("/userinfo") == []


@GRANTS
async def test_flow_accepts_an_id_token_within_the_flow_default(
    connector: OIDCConnector, fake_op: FakeOP, grant: Grant
) -> None:
    fake_op.id_claims = _aged(240)
    assert await grant(connector, fake_op) is not None


async def test_week_old_iat_is_refused_even_when_exp_is_valid(
    connector: OIDCConnector, fake_op: FakeOP
) -> None:
    fake_op.id_claims = _aged(7 * 86400)  # OIDF FAPI *-iat-is-week-in-past
    with pytest.raises(TokenValidationError) as info:
        await _password(connector, fake_op)
    assert info.value.code == "token.issued_at"


@GRANTS
async def test_configured_flow_age_is_used(
    connector_factory: Callable[..., OIDCConnector], fake_op: FakeOP, grant: Grant
) -> None:
    fake_op.id_claims = _aged(900)
    assert await grant(connector_factory(max_token_age=1200), fake_op) is not None
    with pytest.raises(TokenValidationError) as info:
        await grant(connector_factory(max_token_age=600), fake_op)
    assert info.value.code == "token.issued_at"


async def test_external_age_setting_does_not_loosen_flows(
    connector_factory: Callable[..., OIDCConnector], fake_op: FakeOP
) -> None:
    conn = connector_factory(max_external_token_age=86400)
    fake_op.id_claims = _aged(900)
    with pytest.raises(TokenValidationError) as info:
        await _password(conn, fake_op)
    assert info.value.code == "token.issued_at"
    assert isinstance(await conn.authenticate(ExternalToken(fake_op.mint())), Authenticated)


# -- iat age: external tokens ---------------------------------------------------------------------


@pytest.mark.parametrize("age", [0, 900, 3600])
async def test_external_token_accepted_within_its_default(
    connector: OIDCConnector, fake_op: FakeOP, age: int
) -> None:
    result = await connector.authenticate(ExternalToken(fake_op.mint(**_aged(age))))
    assert isinstance(result, Authenticated)


async def test_external_token_refused_beyond_its_default(connector: OIDCConnector, fake_op: FakeOP) -> None:
    with pytest.raises(TokenValidationError) as info:
        await connector.authenticate(ExternalToken(fake_op.mint(**_aged(3600 + 60 + 120))))
    assert info.value.code == "token.issued_at"


async def test_configured_external_age_is_used(
    connector_factory: Callable[..., OIDCConnector], fake_op: FakeOP
) -> None:
    old = fake_op.mint(**_aged(7200))
    assert isinstance(
        await connector_factory(max_external_token_age=10800).authenticate(ExternalToken(old)), Authenticated
    )
    with pytest.raises(TokenValidationError) as info:
        await connector_factory(max_external_token_age=600).authenticate(
            ExternalToken(fake_op.mint(**_aged(900)))
        )
    assert info.value.code == "token.issued_at"


async def test_flow_age_setting_does_not_apply_to_external_tokens(
    connector_factory: Callable[..., OIDCConnector], fake_op: FakeOP
) -> None:
    conn = connector_factory(max_token_age=30)
    assert isinstance(await conn.authenticate(ExternalToken(fake_op.mint(**_aged(1800)))), Authenticated)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_token_age", 0),
        ("max_token_age", -5),
        ("max_token_age", 10),
        ("max_token_age", 3601),
        ("max_token_age", 86400),
        ("max_token_age", float("inf")),
        ("max_token_age", float("nan")),
        ("max_token_age", None),
        ("max_token_age", "soon"),
        ("max_external_token_age", 0),
        ("max_external_token_age", 30),
        ("max_external_token_age", 86401),
        ("max_external_token_age", float("inf")),
        ("max_external_token_age", float("nan")),
        ("max_external_token_age", None),
        ("require_id_token", "maybe"),
    ],
)
def test_config_refuses_nonsense(
    connector_factory: Callable[..., OIDCConnector], field: str, value: object
) -> None:
    with pytest.raises(ConfigurationError) as info:
        connector_factory(**{field: value})
    assert field in str(info.value)


def test_config_defaults() -> None:
    cfg = OIDCConnector.Config(issuer="https://op.example.test", client_id="c")
    assert (cfg.max_token_age, cfg.max_external_token_age, cfg.require_id_token) == (300, 3600, None)
    assert cfg.id_token_expected is True


# -- token_type -----------------------------------------------------------------------------------


def _reply_with(fake_op: FakeOP, **changes: Any) -> None:
    """Answer token requests like the fake OP, with ``changes`` applied (None removes a field)."""

    def reply(form: dict[str, str]) -> httpx.Response:
        body: dict[str, Any] = {
            "access_token": "at-" + form["grant_type"],
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": fake_op.mint(
                nonce=fake_op.nonce if form["grant_type"] == "authorization_code" else None
            ),
        }
        body.update(changes)
        return httpx.Response(200, json={k: v for k, v in body.items() if v is not None})

    fake_op.token_reply = reply


@GRANTS
@pytest.mark.parametrize("token_type", [None, "", "mac", "DPoP", "Bearer ", 5, ["Bearer"]])
async def test_token_response_needs_bearer_token_type(
    connector: OIDCConnector, fake_op: FakeOP, grant: Grant, token_type: object
) -> None:
    _reply_with(fake_op, token_type=token_type)
    with pytest.raises(MalformedResponse) as info:
        await grant(connector, fake_op)
    assert info.value.code == "provider.token_type"
    assert fake_op.calls("/userinfo") == []


@GRANTS
@pytest.mark.parametrize("token_type", ["Bearer", "bearer", "BEARER", "bEARER"])
async def test_token_type_bearer_any_case(
    connector: OIDCConnector, fake_op: FakeOP, grant: Grant, token_type: str
) -> None:
    _reply_with(fake_op, token_type=token_type)
    assert await grant(connector, fake_op) is not None


# -- require_id_token -----------------------------------------------------------------------------


async def test_password_without_id_token_refused_by_default(
    connector: OIDCConnector, fake_op: FakeOP
) -> None:
    fake_op.issue_id_token = False
    with pytest.raises(MalformedResponse) as info:
        await _password(connector, fake_op)
    assert info.value.code == "provider.id_token_missing"
    assert fake_op.calls("/userinfo") == []


async def test_password_without_id_token_refused_when_required(
    connector_factory: Callable[..., OIDCConnector], fake_op: FakeOP
) -> None:
    fake_op.issue_id_token = False
    with pytest.raises(MalformedResponse) as info:
        await _password(connector_factory(require_id_token=True), fake_op)
    assert info.value.code == "provider.id_token_missing"
    assert fake_op.calls("/userinfo") == []


@pytest.mark.parametrize(
    "fields",
    [{"require_id_token": False}, {"scopes": ["email", "profile"]}],
    ids=["not-required", "no-openid-scope"],
)
async def test_password_without_id_token_uses_userinfo_when_allowed(
    connector_factory: Callable[..., OIDCConnector], fake_op: FakeOP, fields: dict[str, Any]
) -> None:
    fake_op.issue_id_token = False
    result = await _password(connector_factory(**fields), fake_op)
    assert isinstance(result, Authenticated)
    assert result.identity.subject == "user-1"
    assert set(result.identity.sources.values()) == {ClaimSource.USERINFO}


async def test_code_flow_without_id_token_is_refused_whatever_the_setting(
    connector_factory: Callable[..., OIDCConnector], fake_op: FakeOP
) -> None:
    fake_op.issue_id_token = False
    with pytest.raises(MalformedResponse) as info:
        await _code(connector_factory(require_id_token=False), fake_op)
    assert info.value.code == "provider.id_token_missing"


async def test_refresh_without_id_token_is_fine(connector: OIDCConnector, fake_op: FakeOP) -> None:
    fake_op.issue_id_token = False  # OIDC Core §12.2: a refresh response may omit it
    tokens = await _refresh(connector, fake_op)
    assert tokens.id_token is None


def test_require_id_token_needs_openid(connector_factory: Callable[..., OIDCConnector]) -> None:
    with pytest.raises(ConfigurationError) as info:
        connector_factory(require_id_token=True, scopes=["email"])
    assert "require_id_token" in str(info.value)
