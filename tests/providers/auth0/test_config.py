"""Auth0 configuration: the trailing-slash issuer, custom domains, realm/connection, audience."""

from __future__ import annotations

from typing import Any

import pytest

import idpbridge
from idpbridge import ConfigurationError, Method
from idpbridge.providers.auth0.config import Auth0Config
from idpbridge.providers.auth0.connector import Auth0Connector

BASE = {"client_id": "abc", "client_secret": "very-secret-value-123"}


@pytest.mark.parametrize(
    ("domain", "issuer"),
    [
        ("acme.us.auth0.com", "https://acme.us.auth0.com/"),
        ("acme.auth0.com", "https://acme.auth0.com/"),
        ("login.acme.example", "https://login.acme.example/"),  # custom domain
        ("https://login.acme.example/", "https://login.acme.example/"),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000/"),
    ],
)
def test_issuer_has_the_trailing_slash(domain: str, issuer: str) -> None:
    assert Auth0Config.model_validate({**BASE, "domain": domain}).issuer == issuer


def test_explicit_issuer_wins() -> None:
    config = Auth0Config.model_validate(
        {**BASE, "domain": "login.acme.example", "issuer": "https://acme.auth0.com/"}
    )
    assert config.issuer == "https://acme.auth0.com/"


def test_realm_has_the_alias_connection() -> None:
    assert Auth0Config.model_validate({**BASE, "domain": "a.auth0.com", "connection": "db"}).realm == "db"
    assert Auth0Config.model_validate({**BASE, "domain": "a.auth0.com", "realm": "db"}).realm == "db"


def test_client_secret_post_by_default() -> None:
    confidential = Auth0Config.model_validate({**BASE, "domain": "a.auth0.com"})
    assert confidential.token_endpoint_auth_method == "client_secret_post"
    basic = Auth0Config.model_validate(
        {**BASE, "domain": "a.auth0.com", "token_endpoint_auth_method": "client_secret_basic"}
    )
    assert basic.token_endpoint_auth_method == "client_secret_basic"
    public = Auth0Config.model_validate({"client_id": "abc", "domain": "a.auth0.com"})
    assert public.token_endpoint_auth_method is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"domain": "http://acme.auth0.com"}, "domain"),
        ({"domain": "https://acme.auth0.com/oauth/token"}, "domain"),
        ({"domain": "acme.auth0.com", "realm": ""}, "realm"),
        ({"domain": "acme.auth0.com", "realm": " db"}, "realm"),
        ({"domain": "acme.auth0.com", "audience": "line\nbreak"}, "audience"),
        ({}, "domain"),
    ],
)
def test_invalid_configuration(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Auth0Connector({**BASE, **fields})
    assert info.value.field == field
    assert "very-secret-value-123" not in str(info.value)


def test_registered_with_its_methods() -> None:
    conn = idpbridge.connect("auth0", domain="acme.auth0.com", client_id="abc", methods=["password"])
    assert isinstance(conn, Auth0Connector)
    assert conn.enabled_methods == {Method.PASSWORD}
    assert "very-secret" not in repr(conn)
