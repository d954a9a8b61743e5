"""The Okta connector against the real oidc-provider peer, with no issuer or endpoint override:
the plain peer's issuer ``http://127.0.0.1:{port}`` is what the org-server rule derives from
``domain``, and a peer mounted at ``/oauth2/default`` is a custom authorization server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from idpbridge import (
    Authenticated,
    ClaimSource,
    ExternalToken,
    InvalidCredentials,
    Method,
    Password,
    TokenValidationError,
)
from tests.peers import oidc_provider as op
from tests.support.providers import (
    Connectors,
    cli_check,
    cli_oidc_login,
    cli_password_login,
    code_flow,
    connectors_file,
    drive_code_flow,
    passing_check,
    run_cli,
)

pytestmark = pytest.mark.peer("oidc-provider")


@pytest.fixture
def fields(peer_fields: dict[str, Any]) -> dict[str, Any]:
    return {
        **peer_fields,
        "methods": ["oidc", "password", "token"],
        "scopes": ["openid", "email", "profile", "groups", "offline_access"],
    }


async def test_password(make: Connectors, fields: dict[str, Any], oidc_provider: op.OIDCProviderPeer) -> None:
    conn = make(**fields)
    assert conn.config.issuer == oidc_provider.issuer
    result = await conn.authenticate(Password("alice", "alice-pass"))
    assert isinstance(result, Authenticated)
    ident = result.identity
    assert ident.key == (oidc_provider.issuer, "alice")
    assert ident.provider == "okta"
    assert ident.email_verified is True
    assert ident.groups == ("staff", "admins")
    assert ident.sources["groups"] is ClaimSource.USERINFO
    assert ident.tenant == f"127.0.0.1:{oidc_provider.port}"
    assert result.method is Method.PASSWORD


async def test_wrong_password(make: Connectors, fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidCredentials) as info:
        await make(**fields).authenticate(Password("alice", "Not-Alice-Pass"))
    assert info.value.provider_code == "invalid_grant"
    assert "Not-Alice-Pass" not in str(info.value)


async def test_code_flow(
    make: Connectors, fields: dict[str, Any], oidc_provider: op.OIDCProviderPeer
) -> None:
    flow = await drive_code_flow(make(**fields), "bob", "bob-pass")
    assert flow.result.identity.key == (oidc_provider.issuer, "bob")
    assert flow.result.identity.email_verified is False
    assert parse_qs(urlsplit(flow.start.url).query)["code_challenge_method"] == ["S256"]


async def test_check(make: Connectors, fields: dict[str, Any]) -> None:
    report = await passing_check(make(**fields))
    password = report.results[4]
    assert "password grant enabled" in password.detail


async def test_check_finds_the_password_grant_disabled(make: Connectors, fields: dict[str, Any]) -> None:
    report = await make(**{**fields, "client_id": "code-only", "client_secret": "code-secret"}).check()
    results = {r.name: r for r in report.results}
    assert results["client"].ok
    assert not results["password"].ok
    assert "not enabled" in results["password"].detail
    assert not report.ok


@pytest.fixture
def custom_server(oidc_provider_variant: op.OPVariant) -> op.OIDCProviderPeer:
    return oidc_provider_variant("okta-default", issuer_path="/oauth2/default")


async def test_custom_authorization_server(
    make: Connectors, fields: dict[str, Any], custom_server: op.OIDCProviderPeer
) -> None:
    conn = make(**{**fields, "domain": custom_server.base_url, "authorization_server_id": "default"})
    assert conn.config.issuer == custom_server.issuer == f"{custom_server.base_url}/oauth2/default"
    result = await conn.authenticate(Password("alice", "alice-pass"))
    assert isinstance(result, Authenticated)
    assert result.identity.key == (custom_server.issuer, "alice")
    finished = await code_flow(conn, "bob", "bob-pass")
    assert finished.identity.issuer == custom_server.issuer


async def test_org_server_token_is_refused_by_a_custom_server_config(
    make: Connectors, fields: dict[str, Any], custom_server: op.OIDCProviderPeer
) -> None:
    """rp-conformance 174-okta-as: a token of one authorization server is not valid for another."""
    org = make(**fields)
    signed_in = await org.authenticate(Password("alice", "alice-pass"))
    assert isinstance(signed_in, Authenticated)
    assert signed_in.tokens.id_token is not None
    custom = make(**{**fields, "domain": custom_server.base_url, "authorization_server_id": "default"})
    with pytest.raises(TokenValidationError) as info:
        await custom.authenticate(ExternalToken(signed_in.tokens.id_token))
    assert info.value.code == "token.key_not_found"  # its keys are not that server's keys either


@pytest.fixture
def config(tmp_path: Path, oidc_provider: op.OIDCProviderPeer) -> Path:
    return connectors_file(
        tmp_path,
        "acme-okta",
        {
            "provider": "okta",
            "domain": oidc_provider.issuer,
            "client_id": op.CLIENT_ID,
            "client_secret": "${OKTA_TEST_SECRET}",
            "methods": ["oidc", "password"],
            "scopes": ["openid", "email", "profile", "groups"],
        },
    )


ENV = {"OKTA_TEST_SECRET": op.CLIENT_SECRET}


def test_cli_lists_okta() -> None:
    run = run_cli("connectors", "--json")
    assert run.returncode == 0, run.stderr
    listed = {c["name"]: c for c in json.loads(run.stdout)}
    assert set(listed["okta"]["methods"]) == {"oidc", "password", "token", "totp", "device", "ciba"}


def test_cli_check(config: Path) -> None:
    report = cli_check(config, "acme-okta", env=ENV)
    assert report["ok"] is True
    assert report["provider"] == "okta"


def test_cli_password_login(config: Path) -> None:
    run = cli_password_login(config, "acme-okta", "alice", "alice-pass", env=ENV)
    assert run.returncode == 0, run.stderr
    identity = json.loads(run.stdout)
    assert identity["subject"] == "alice"
    assert identity["provider"] == "okta"
    assert "alice-pass" not in run.stdout + run.stderr


async def test_cli_oidc_login(config: Path) -> None:
    identity = await cli_oidc_login(config, "acme-okta", "alice", "alice-pass", env=ENV)
    assert identity["subject"] == "alice"
    assert identity["method"] == "oidc"
