"""CognitoConfig: required fields per method, derived URLs, validation messages."""

from __future__ import annotations

import pytest

from idpbridge import ConfigurationError, Method
from idpbridge.config import build_config
from idpbridge.providers.cognito.config import API_METHODS, CognitoConfig

BASE = {
    "region": "eu-west-1",
    "user_pool_id": "eu-west-1_AbCdEf123",
    "client_id": "3n4b5urk1ft4fl3mg5e62d9ado",
}


def build(**fields: object) -> CognitoConfig:
    return build_config(CognitoConfig, {**BASE, **fields}, connector="cognito")


def test_defaults_and_derived_urls() -> None:
    cfg = build()
    assert cfg.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
    assert cfg.jwks_uri == cfg.issuer + "/.well-known/jwks.json"
    assert cfg.discovery_url == cfg.issuer + "/.well-known/openid-configuration"
    assert cfg.enabled_methods == API_METHODS  # no Hosted UI domain: oidc is left out by default
    assert cfg.prevent_user_existence_errors is True


def test_endpoint_url_moves_the_key_documents_but_not_the_issuer() -> None:
    cfg = build(endpoint_url="http://127.0.0.1:5055/")
    assert cfg.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
    assert cfg.jwks_uri == "http://127.0.0.1:5055/eu-west-1_AbCdEf123/.well-known/jwks.json"
    assert (
        build(endpoints={"jwks_uri": "https://keys.example.com/k.json"}).jwks_uri
        == "https://keys.example.com/k.json"
    )


def test_hosted_ui_domain_enables_oidc_and_is_normalized() -> None:
    cfg = build(hosted_ui_domain="acme.auth.eu-west-1.amazoncognito.com")
    assert cfg.hosted_ui_domain == "https://acme.auth.eu-west-1.amazoncognito.com"
    assert Method.OIDC in cfg.enabled_methods
    assert build(hosted_ui_domain="https://auth.example.com/").hosted_ui_domain == "https://auth.example.com"


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"methods": ["oidc"]}, "(config)", "hosted_ui_domain is required when the oidc method is enabled"),
        ({"region": None}, "region", "region"),
        ({"user_pool_id": "not a pool"}, "user_pool_id", "not a user pool id"),
        ({"user_pool_id": "us-east-1_AbC"}, "(config)", "belongs to region us-east-1"),
        ({"client_id": "bad id!"}, "client_id", "app client id"),
        ({"client_secret": ""}, "client_secret", "must not be empty"),
        ({"endpoint_url": "http://cognito.example.com"}, "endpoint_url", "https"),
        ({"hosted_ui_domain": "http://auth.example.com"}, "hosted_ui_domain", "https"),
        ({"methods": ["totp"]}, "methods", "not supported"),
        ({"allow_symmetric_id_tokens": True, "client_secret": "x" * 40}, "(config)", "RS256 only"),
    ],
)
def test_invalid_configurations_name_the_field(fields: dict[str, object], field: str, text: str) -> None:
    data = {**BASE, **fields}
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(ConfigurationError) as info:
        build_config(CognitoConfig, data, connector="cognito")
    assert info.value.field == field
    assert text in info.value.message


def test_missing_required_fields_are_all_named() -> None:
    with pytest.raises(ConfigurationError) as info:
        build_config(CognitoConfig, {"client_id": "x"}, connector="pool1")
    assert "region is required" in info.value.message
    assert "user_pool_id is required" in info.value.message
    assert "'pool1'" in info.value.message
