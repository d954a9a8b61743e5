"""OneLoginConfig: the issuer rule, hosts, and one token-endpoint auth method per connector."""

from __future__ import annotations

from typing import Any

import pytest

from idpbridge import ConfigurationError, Method
from idpbridge.config import build_config
from idpbridge.providers.onelogin.config import LEGACY_V1_HOSTS, REGION_HOSTS, OneLoginConfig

from .conftest import CLIENT_ID, CLIENT_SECRET


def cfg(**fields: Any) -> OneLoginConfig:
    base = {"subdomain": "acme", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    return build_config(OneLoginConfig, {**base, **fields}, connector="ol-test")


def refused(**fields: Any) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as info:
        cfg(**fields)
    return info.value


@pytest.mark.parametrize(
    ("fields", "issuer"),
    [
        ({}, "https://acme.onelogin.com/oidc/2"),
        ({"subdomain": "Acme-Corp"}, "https://acme-corp.onelogin.com/oidc/2"),
        ({"region": "eu"}, "https://acme.onelogin.com/oidc/2"),
        ({"subdomain": None, "base_url": "https://login.acme.test/"}, "https://login.acme.test/oidc/2"),
        ({"subdomain": None, "base_url": "http://127.0.0.1:9"}, "http://127.0.0.1:9/oidc/2"),
    ],
)
def test_issuer(fields: dict[str, Any], issuer: str) -> None:
    assert cfg(**fields).issuer == issuer


def test_region_table() -> None:
    assert set(REGION_HOSTS) == {"us", "eu"}
    assert refused(region="apac").field == "region"


@pytest.mark.parametrize("bad", ["acme.onelogin.com", "https://acme", "-acme", "ac me", ""])
def test_bad_subdomain(bad: str) -> None:
    assert refused(subdomain=bad).field == "subdomain"


@pytest.mark.parametrize("host", sorted(LEGACY_V1_HOSTS))
def test_legacy_v1_hosts_are_refused(host: str) -> None:
    err = refused(subdomain=None, base_url=f"https://{host}")
    assert "2021-04-20" in err.message
    assert "subdomain" in err.message


@pytest.mark.parametrize(
    "bad", ["http://login.acme.test", "https://login.acme.test/oidc/2", "https://login.acme.test/?x=1"]
)
def test_bad_base_url(bad: str) -> None:
    assert refused(subdomain=None, base_url=bad).field == "base_url"


def test_exactly_one_of_subdomain_and_base_url() -> None:
    assert "exactly one" in refused(base_url="https://login.acme.test").message
    assert "exactly one" in refused(subdomain=None).message


def test_issuer_cannot_be_set() -> None:
    assert "derived" in refused(issuer="https://openid-connect.onelogin.com/oidc").message


def test_both_methods_on_one_connector_are_refused() -> None:
    err = refused(methods=["oidc", "password"])
    assert "two connectors" in err.message
    assert "Basic" in err.message
    assert "POST" in err.message
    assert CLIENT_SECRET not in str(err)


@pytest.mark.parametrize(
    ("methods", "auth"),
    [
        (["oidc"], "client_secret_basic"),
        (["oidc", "token"], "client_secret_basic"),
        (["password"], "client_secret_post"),
        ("password, token", "client_secret_post"),
        (None, None),  # default methods: discovery decides (Basic when listed)
    ],
)
def test_auth_method_follows_the_method(methods: Any, auth: str | None) -> None:
    fields = {} if methods is None else {"methods": methods}
    assert cfg(**fields).token_endpoint_auth_method == auth


def test_explicit_auth_method_wins() -> None:
    c = cfg(methods=["password"], token_endpoint_auth_method="client_secret_basic")
    assert c.token_endpoint_auth_method == "client_secret_basic"


def test_public_client_has_no_auth_method() -> None:
    c = cfg(client_secret=None, methods=["oidc"])
    assert c.token_endpoint_auth_method is None


def test_default_methods_are_oidc_and_token() -> None:
    assert cfg().enabled_methods == {Method.OIDC, Method.TOKEN}
