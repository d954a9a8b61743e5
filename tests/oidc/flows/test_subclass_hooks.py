"""The public hooks provider packages build on: ``endpoint``, ``engine.complete``, ``discover``,
the ``endpoint_overrides`` hook and ``pin_issuer`` (providers never reach into the engine's private state)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from idpbridge import (
    Authenticated,
    ClaimSource,
    ConfigurationError,
    ContinuationKeys,
    ExternalToken,
    Identity,
    Method,
    Password,
    TokenValidationError,
)
from idpbridge.kit import EngineHooks
from idpbridge.oidc import OIDCConnector
from idpbridge.oidc.issuer import ExactIssuer

from .conftest import ISSUER, FakeOP


async def test_endpoint_names_the_missing_one(connector: OIDCConnector, fake_op: FakeOP) -> None:
    metadata = await connector.metadata()
    assert connector.endpoint(metadata, "token_endpoint") == f"{ISSUER}/token"
    with pytest.raises(ConfigurationError) as exc:
        connector.endpoint(metadata, "introspection_endpoint")
    assert exc.value.code == "config.not_supported"
    assert "endpoints.introspection_endpoint" in exc.value.message


async def test_complete_builds_the_outcome_of_a_token_response(
    connector: OIDCConnector, fake_op: FakeOP
) -> None:
    metadata = await connector.metadata()
    body = {"access_token": "at-x", "token_type": "Bearer", "id_token": fake_op.mint()}
    result = await connector.engine.complete(metadata, body, method=Method.PASSWORD, nonce=None)
    assert isinstance(result, Authenticated)
    assert result.identity.key == (ISSUER, "user-1")
    assert result.method is Method.PASSWORD
    assert len(fake_op.calls("/userinfo")) == 1
    with pytest.raises(TokenValidationError):  # the nonce a flow sent must be in the ID token
        await connector.engine.complete(metadata, body, method=Method.PASSWORD, nonce="expected-nonce")


class _ExtraKeys(OIDCConnector):
    name: ClassVar[str] = "extra-keys"

    def engine_hooks(self) -> EngineHooks:
        return EngineHooks(endpoint_overrides={"jwks_uri": f"{ISSUER}/app-keys"})


async def test_endpoint_overrides_hook_and_discover(
    connector_factory: Callable[..., OIDCConnector], fake_op: FakeOP
) -> None:
    conn = connector_factory(_ExtraKeys, endpoints={"token_endpoint": f"{ISSUER}/custom-token"})
    discovered = await conn.discover(expected_issuer=None)
    assert discovered.jwks_uri == f"{ISSUER}/app-keys"
    assert discovered.token_endpoint == f"{ISSUER}/custom-token"
    assert (await conn.metadata()).jwks_uri == f"{ISSUER}/app-keys"
    fake_op.discovery["issuer"] = "https://other.example.test"
    conn2 = connector_factory()
    with pytest.raises(ConfigurationError) as exc:
        await conn2.discover(expected_issuer=ISSUER)
    assert exc.value.code == "config.issuer_mismatch"


async def test_pin_issuer_drops_memoized_token_policies(connector: OIDCConnector, fake_op: FakeOP) -> None:
    metadata = await connector.metadata()
    before = connector.token_policy(metadata)
    assert connector.token_policy(metadata) is before  # memoized
    pinned = ExactIssuer("https://pinned.example.test")
    connector.pin_issuer(pinned)
    assert connector.policy is pinned
    after = connector.token_policy(metadata)
    assert after is not before
    assert after.issuer is pinned


async def test_the_password_walk_never_calls_back_into_the_connector(
    connector: OIDCConnector, fake_op: FakeOP, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The router hands a Password to the engine; nothing the engine runs calls the connector."""

    def called_back(*args: object, **kwargs: object) -> None:
        raise AssertionError("the password walk called back into the connector")

    for name in ("metadata", "discover", "oauth", "endpoint", "token_policy", "seal"):
        monkeypatch.setattr(connector, name, called_back)
    result = await connector.authenticate(Password("u", "p"))
    assert isinstance(result, Authenticated)
    assert result.method is Method.PASSWORD


async def test_cached_metadata_is_what_metadata_returns_without_io(fake_op: FakeOP) -> None:
    now = [time.time()]
    conn = _ExtraKeys(
        {"issuer": ISSUER, "client_id": "c", "methods": ["token"], "retries": 1},
        continuation_keys=ContinuationKeys.generate(),
        clock=lambda: now[0],
    )
    try:
        assert conn.engine.cached_metadata() is None  # nothing read yet: the caller awaits metadata()
        metadata = await conn.metadata()
        assert metadata.jwks_uri == f"{ISSUER}/app-keys"  # the overrides applied
        assert conn.engine.cached_metadata() is metadata  # the same object, overrides included
        assert await conn.metadata() is metadata
        fetched = len(fake_op.calls("/.well-known/openid-configuration"))
        now[0] += 2 * 86400  # past any freshness: only a fetch may answer
        assert conn.engine.cached_metadata() is None
        assert (await conn.metadata()).jwks_uri == f"{ISSUER}/app-keys"
        assert len(fake_op.calls("/.well-known/openid-configuration")) == fetched + 1
    finally:
        await conn.aclose()


async def test_an_identity_hook_gets_dicts_the_identity_does_not_share(
    connector_factory: Callable[..., OIDCConnector], fake_op: FakeOP
) -> None:
    def meddle(identity: Identity, claims: dict[str, Any], sources: dict[str, Any]) -> Identity:
        claims["sub"] = "meddled"
        sources.clear()
        return identity

    class _Meddling(OIDCConnector):
        name: ClassVar[str] = "meddling"

        def engine_hooks(self) -> EngineHooks:
            return EngineHooks(identity=meddle)

    for conn in (connector_factory(), connector_factory(_Meddling)):
        result = await conn.authenticate(ExternalToken(fake_op.mint()))
        assert isinstance(result, Authenticated)
        assert result.identity.claims["sub"] == "user-1"  # a hook's change never reaches it
        assert result.identity.sources["sub"] is ClaimSource.EXTERNAL_TOKEN
        assert result.tokens.id_token is not None
        with pytest.raises(TypeError):
            result.identity.claims["x"] = 1  # type: ignore[index]
