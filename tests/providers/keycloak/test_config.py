"""Keycloak configuration: the realm issuer, the legacy /auth prefix, front and back channels."""

from __future__ import annotations

from typing import Any

import pytest

import idpbridge
from idpbridge import ConfigurationError, Method
from idpbridge.providers.keycloak.config import KeycloakConfig
from idpbridge.providers.keycloak.connector import KeycloakConnector

BASE = {"client_id": "app", "client_secret": "very-secret-value-123", "realm": "acme"}


@pytest.mark.parametrize(
    ("server_url", "issuer"),
    [
        ("https://sso.example.com", "https://sso.example.com/realms/acme"),
        ("https://sso.example.com/", "https://sso.example.com/realms/acme"),
        ("https://sso.example.com/auth", "https://sso.example.com/auth/realms/acme"),  # Keycloak <= 16
        ("sso.example.com:8443", "https://sso.example.com:8443/realms/acme"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/realms/acme"),
    ],
)
def test_issuer_rule(server_url: str, issuer: str) -> None:
    config = KeycloakConfig.model_validate({**BASE, "server_url": server_url})
    assert config.issuer == issuer
    assert config.endpoints == {}  # without a back channel, discovery says where everything is


def test_back_channel_endpoints_keep_the_issuer() -> None:
    config = KeycloakConfig.model_validate(
        {**BASE, "server_url": "https://sso.example.com", "backchannel_url": "http://127.0.0.1:8080/auth"}
    )
    assert config.issuer == "https://sso.example.com/realms/acme"
    back = "http://127.0.0.1:8080/auth/realms/acme"
    assert config.endpoints == {
        "discovery": f"{back}/.well-known/openid-configuration",
        "token_endpoint": f"{back}/protocol/openid-connect/token",
        "jwks_uri": f"{back}/protocol/openid-connect/certs",
        "userinfo_endpoint": f"{back}/protocol/openid-connect/userinfo",
        "introspection_endpoint": f"{back}/protocol/openid-connect/token/introspect",
        "revocation_endpoint": f"{back}/protocol/openid-connect/revoke",
        "authorization_endpoint": "https://sso.example.com/realms/acme/protocol/openid-connect/auth",
        "end_session_endpoint": "https://sso.example.com/realms/acme/protocol/openid-connect/logout",
    }


def test_configured_endpoints_win_over_derived_ones() -> None:
    config = KeycloakConfig.model_validate(
        {
            **BASE,
            "server_url": "https://sso.example.com",
            "backchannel_url": "http://127.0.0.1:8080",
            "endpoints": {"token_endpoint": "https://proxy.example.com/token"},
        }
    )
    assert config.endpoints["token_endpoint"] == "https://proxy.example.com/token"
    assert config.endpoints["jwks_uri"].startswith("http://127.0.0.1:8080/realms/acme/")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"server_url": "http://sso.example.com"}, "server_url"),
        ({"server_url": "https://sso.example.com?x=1"}, "server_url"),
        ({"server_url": "https://sso.example.com", "realm": "a/b"}, "realm"),
        ({"server_url": "https://sso.example.com", "realm": "my realm"}, "realm"),
        (
            {"server_url": "https://sso.example.com", "backchannel_url": "http://10.0.0.5:8080"},
            "backchannel_url",
        ),
        (
            {
                "server_url": "https://sso.example.com",
                "token_kind": "access_token",
                "token_audience": "account",
            },
            None,
        ),
        ({"server_url": "https://sso.example.com", "client_roles": [""]}, "client_roles"),
    ],
)
def test_invalid_configuration(fields: dict[str, Any], field: str | None) -> None:
    with pytest.raises(ConfigurationError) as info:
        KeycloakConnector({**BASE, **fields})
    if field is not None:
        assert info.value.field == field
    assert "very-secret-value-123" not in str(info.value)


def test_role_clients_default_to_this_client() -> None:
    config = KeycloakConfig.model_validate({**BASE, "server_url": "https://sso.example.com"})
    assert config.role_clients == ("app",)
    other = KeycloakConfig.model_validate(
        {**BASE, "server_url": "https://s.example.com", "client_roles": ["a", "b"]}
    )
    assert other.role_clients == ("a", "b")


def test_registered_with_its_methods() -> None:
    conn = idpbridge.connect("keycloak", server_url="https://sso.example.com", realm="acme", client_id="app")
    assert isinstance(conn, KeycloakConnector)
    assert conn.enabled_methods == {Method.OIDC, Method.TOKEN}
