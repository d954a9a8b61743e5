"""The public hooks provider packages build on: ``endpoint``, ``engine.complete``, ``discover``,
the ``endpoint_overrides`` hook and ``pin_issuer`` (providers never reach into the engine's private state)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import pytest

from idpbridge import Authenticated, ConfigurationError, Method, Password, TokenValidationError
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
