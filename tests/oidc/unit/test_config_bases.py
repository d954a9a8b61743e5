"""The shared provider-config bases: derived issuers (Entra, OneLogin, PingOne) are refused when
given; fixed issuers (Google, Apple, Meta) default and accept another only with sandbox endpoints."""

from __future__ import annotations

from typing import Any

import pytest

from idpbridge import ConfigurationError, Method
from idpbridge.config import build_config as _build
from idpbridge.oidc.config import ENDPOINT_NAMES
from idpbridge.oidc.metadata import ENDPOINT_FIELDS
from idpbridge.providers.entra.config import EntraConfig
from idpbridge.providers.google.config import GoogleConfig
from idpbridge.providers.meta.config import MetaConfig
from idpbridge.providers.onelogin.config import OneLoginConfig
from idpbridge.providers.pingone.config import PingOneConfig

ENV = "0f3b4f6e-9c1a-4d1e-8a55-1c2d3e4f5a6b"
SANDBOX = "http://127.0.0.1:9"


def build_config(cls: type[Any], fields: dict[str, Any]) -> Any:
    return _build(cls, fields, connector="c1")


def is_derived(cls: type[Any]) -> bool:
    rule = cls.sheet.issuer
    return rule is not None and rule.kind in ("derived", "tenant")


def fixed_rule(cls: type[Any]) -> tuple[str, tuple[str, ...]]:
    """``(issuer, sandbox endpoints)`` of a fixed-issuer config (the sheet's rule)."""
    rule = cls.sheet.issuer
    assert rule is not None
    assert rule.kind == "fixed"
    return rule.template, rule.sandbox_endpoints


def refused(cls: type[Any], **fields: Any) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as exc:
        build_config(cls, fields)
    return exc.value


@pytest.mark.parametrize(
    ("cls", "fields", "source"),
    [
        (EntraConfig, {"tenant": "contoso.onmicrosoft.com"}, "tenant and instance"),
        (OneLoginConfig, {"subdomain": "acme"}, "subdomain (or base_url)"),
        (PingOneConfig, {"environment_id": ENV}, "region and environment_id (or base_url)"),
    ],
)
def test_a_derived_issuer_cannot_be_given(cls: type[Any], fields: dict[str, Any], source: str) -> None:
    assert is_derived(cls)
    config = build_config(cls, {**fields, "client_id": "c"})
    assert config.issuer.startswith("https://")
    err = refused(cls, **fields, client_id="c", issuer=config.issuer)
    assert f"issuer is derived from {source}; do not set it" in err.message


@pytest.mark.parametrize(
    ("cls", "extra", "needed"),
    [
        (GoogleConfig, {}, "endpoints.authorization_endpoint, token_endpoint and jwks_uri"),
        (
            MetaConfig,
            {"client_id": "123", "client_secret": "s"},
            "endpoints.authorization_endpoint and token_endpoint",
        ),
    ],
)
def test_a_fixed_issuer_defaults_and_a_sandbox_needs_its_endpoints(
    cls: type[Any], extra: dict[str, Any], needed: str
) -> None:
    issuer, sandbox_endpoints = fixed_rule(cls)
    fields = {"client_id": "c", **extra}
    config = build_config(cls, fields)
    assert config.issuer == issuer
    assert config.username_claim == "email"
    assert config.enabled_methods == {Method.OIDC, Method.TOKEN}
    err = refused(cls, **fields, issuer=SANDBOX)
    assert f"issuer: set only for a sandbox, together with {needed}" in err.message
    endpoints = {name: f"{SANDBOX}/{name}" for name in sandbox_endpoints}
    assert build_config(cls, {**fields, "issuer": SANDBOX, "endpoints": endpoints}).issuer == SANDBOX


def test_endpoint_names_are_the_metadata_endpoints_plus_discovery() -> None:
    assert {"discovery", *ENDPOINT_FIELDS} == ENDPOINT_NAMES
    assert "token_endpoint" in ENDPOINT_FIELDS
