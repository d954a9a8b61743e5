"""Okta configuration: the issuer rule (org vs custom authorization server), domains, secrets."""

from __future__ import annotations

from typing import Any

import pytest

import idpbridge
from idpbridge import ConfigurationError, Method
from idpbridge.providers.okta.config import OktaConfig
from idpbridge.providers.okta.connector import OktaConnector

BASE = {"client_id": "0oa1", "client_secret": "very-secret-value-123"}


@pytest.mark.parametrize(
    ("fields", "issuer"),
    [
        ({"domain": "acme.okta.com"}, "https://acme.okta.com"),
        ({"domain": "acme.okta.com", "authorization_server_id": ""}, "https://acme.okta.com"),
        (
            {"domain": "acme.okta.com", "authorization_server_id": "default"},
            "https://acme.okta.com/oauth2/default",
        ),
        (
            {"domain": "login.acme.example", "authorization_server_id": "aus1a2b3c4D5e6F7g8h9"},
            "https://login.acme.example/oauth2/aus1a2b3c4D5e6F7g8h9",
        ),
        ({"domain": "https://acme.okta.com/"}, "https://acme.okta.com"),
        ({"domain": "http://127.0.0.1:8080"}, "http://127.0.0.1:8080"),
        (  # an explicit issuer (custom URL domain whose server issues as the okta.com domain) wins
            {"domain": "login.acme.example", "issuer": "https://acme.okta.com/oauth2/default"},
            "https://acme.okta.com/oauth2/default",
        ),
    ],
)
def test_issuer_rule(fields: dict[str, Any], issuer: str) -> None:
    config = OktaConfig.model_validate({**BASE, **fields})
    assert config.issuer == issuer
    assert not config.issuer.endswith("/")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"domain": "http://acme.okta.com"}, "domain"),  # plain http only for loopback
        ({"domain": "acme.okta.com/oauth2/default"}, "domain"),
        ({"domain": "https://acme.okta.com/oauth2/default"}, "domain"),  # the path is the server id
        ({"domain": "https://acme.okta.com?x=1"}, "domain"),
        ({"domain": "https://user:pw@acme.okta.com"}, "domain"),
        ({"domain": "not a host"}, "domain"),
        ({"domain": "acme.okta.com", "authorization_server_id": "../oauth2/evil"}, "authorization_server_id"),
        ({"domain": "acme.okta.com", "authorization_server_id": "default/v1"}, "authorization_server_id"),
        ({}, "domain"),
    ],
)
def test_invalid_configuration(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        OktaConnector({**BASE, **fields})
    assert info.value.field == field
    assert "very-secret-value-123" not in str(info.value)
    assert "pw@" not in str(info.value)


def test_registered_with_its_methods() -> None:
    conn = idpbridge.connect("okta", domain="acme.okta.com", client_id="0oa1", methods=["password", "oidc"])
    assert isinstance(conn, OktaConnector)
    assert conn.enabled_methods == {Method.PASSWORD, Method.OIDC}
    assert OktaConnector.methods == {
        Method.OIDC,
        Method.PASSWORD,
        Method.TOKEN,
        Method.TOTP,
        Method.DEVICE,
        Method.CIBA,
    }


def test_password_is_opt_in() -> None:
    conn = OktaConnector(domain="acme.okta.com", client_id="0oa1")
    assert Method.PASSWORD not in conn.enabled_methods


def test_secret_stays_out_of_repr() -> None:
    conn = OktaConnector({**BASE, "domain": "acme.okta.com"})
    assert "very-secret-value-123" not in repr(conn.config)
    assert "very-secret-value-123" not in repr(conn)
    assert conn.config.org_host == "acme.okta.com"
