"""Meta configuration: app id, Graph API version, permissions and fields, what is refused."""

from __future__ import annotations

from typing import Any

import pytest

import idpbridge
from idpbridge import ConfigurationError, Method
from idpbridge.oidc.issuer import ExactIssuer

from .conftest import APP_ID, APP_SECRET, Make


def test_defaults(make_meta: Make) -> None:
    conn = make_meta()
    cfg = conn.config
    assert cfg.graph_api_version == "v24.0"
    assert cfg.scopes == ("email", "public_profile")
    assert cfg.profile_fields == ("id", "name", "email", "first_name", "last_name")
    assert cfg.trust_email is False
    assert conn.enabled_methods == {Method.OIDC, Method.TOKEN}
    assert conn.policy == ExactIssuer("https://www.facebook.com")
    md = conn.engine.static_metadata()
    assert md.token_endpoint == "https://graph.facebook.com/v24.0/oauth/access_token"
    assert md.introspection_endpoint == "https://graph.facebook.com/v24.0/debug_token"
    assert md.userinfo_endpoint == "https://graph.facebook.com/v24.0/me"
    assert md.jwks_uri == "https://www.facebook.com/.well-known/oauth/openid/jwks/"


def test_comma_lists_and_id_field(make_meta: Make) -> None:
    conn = make_meta(scopes="email, public_profile,user_birthday", profile_fields="name,email")
    assert conn.config.scopes == ("email", "public_profile", "user_birthday")
    assert conn.config.profile_fields == ("id", "name", "email")  # the id is always read


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"client_id": "my-app"}, "client_id"),
        ({"graph_api_version": "24.0"}, "graph_api_version"),
        ({"graph_api_version": "v24"}, "graph_api_version"),
        ({"profile_fields": ["name", "email&x=1"]}, "profile_fields"),
        ({"client_secret": None}, "client_secret"),
    ],
)
def test_invalid_fields(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        idpbridge.connect("meta", **{"client_id": APP_ID, "client_secret": APP_SECRET, **fields})
    assert err.value.field == field
    assert APP_SECRET not in str(err.value)


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"response_mode": "form_post"}, "query string"),
        ({"client_secret": ""}, "App Secret"),
        ({"issuer": "https://sandbox.example.test"}, "endpoints"),
        ({"allow_symmetric_id_tokens": True}, "RS256"),
        ({"methods": ["password"]}, "not supported"),
    ],
)
def test_refused(fields: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        idpbridge.connect("meta", **{"client_id": APP_ID, "client_secret": APP_SECRET, **fields})
    assert needle in err.value.message


async def test_refresh_is_not_offered(make_meta: Make) -> None:
    with pytest.raises(ConfigurationError) as err:
        await make_meta().refresh("anything")
    assert err.value.code == "config.not_supported"
