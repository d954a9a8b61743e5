"""PingOneConfig: regions -> hosts, the environment base, the derived issuer."""

from __future__ import annotations

from typing import Any

import pytest

from idpbridge import ConfigurationError, Method
from idpbridge.config import build_config
from idpbridge.providers.pingone.config import PingOneConfig
from idpbridge.providers.pingone.sheet import REGION_TLDS

from .conftest import CLIENT_ID, ENV


def cfg(**fields: Any) -> PingOneConfig:
    return build_config(
        PingOneConfig, {"environment_id": ENV, "client_id": CLIENT_ID, **fields}, connector="p1"
    )


def refused(**fields: Any) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as info:
        cfg(**fields)
    return info.value


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("NA", "auth.pingone.com"),
        ("CA", "auth.pingone.ca"),
        ("EU", "auth.pingone.eu"),
        ("AU", "auth.pingone.com.au"),
        ("SG", "auth.pingone.sg"),
        ("AP", "auth.pingone.asia"),
        ("eu", "auth.pingone.eu"),
    ],
)
def test_regions(region: str, host: str) -> None:
    c = cfg(region=region)
    assert c.environment_base == f"https://{host}/{ENV}"
    assert c.issuer == f"https://{host}/{ENV}/as"


def test_region_table_is_complete() -> None:
    assert set(REGION_TLDS) == {"NA", "CA", "EU", "AU", "SG", "AP"}
    assert refused(region="US").field == "region"


def test_environment_id_must_be_a_uuid() -> None:
    assert refused(environment_id="my-env").field == "environment_id"
    assert cfg(environment_id=ENV.upper()).issuer == f"https://auth.pingone.com/{ENV}/as"


def test_base_url_for_custom_domains_and_sandboxes() -> None:
    assert cfg(base_url="https://login.acme.test").issuer == "https://login.acme.test/as"
    assert cfg(base_url="login.acme.test").issuer == "https://login.acme.test/as"  # the core's base_url rule
    assert refused(base_url="https://user@login.acme.test").field == "base_url"
    assert cfg(base_url=f"http://127.0.0.1:9/{ENV}/").issuer == f"http://127.0.0.1:9/{ENV}/as"
    assert refused(base_url="http://login.acme.test").field == "base_url"
    assert refused(base_url=f"https://auth.pingone.com/{ENV}/as").field == "base_url"


def test_issuer_cannot_be_set() -> None:
    assert "derived" in refused(issuer=f"https://auth.pingone.com/{ENV}/as").message


def test_password_redirect_uri() -> None:
    assert cfg(password_redirect_uri="https://rp.example.test/cb").password_redirect_uri
    assert refused(password_redirect_uri="/cb").field == "password_redirect_uri"


def test_methods() -> None:
    assert cfg().enabled_methods == {Method.OIDC, Method.TOKEN}
    assert Method.PASSWORD in cfg(methods=["password"]).enabled_methods
