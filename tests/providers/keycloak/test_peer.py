"""The Keycloak connector against the real oidc-provider peer, mounted at ``/realms/acme`` so the
realm issuer ``{server_url}/realms/acme`` is derived exactly as for Keycloak (no override).

The peer's users carry Keycloak's claims (``typ``, ``realm_access``, ``resource_access``). Its
endpoints are its own (``/realms/acme/token``, not ``/protocol/openid-connect/token``): they come
from its discovery document, which is what the connector uses without ``backchannel_url``; the
back-channel layout is covered by the cassettes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from idpbridge import (
    Authenticated,
    ConfigurationError,
    InvalidCredentials,
    Password,
    TokenValidationError,
)
from tests.peers import oidc_provider as op
from tests.support.providers import (
    Connectors,
    cli_check,
    cli_oidc_login,
    cli_password_login,
    connectors_file,
    drive_code_flow,
    passing_check,
)

pytestmark = pytest.mark.peer("oidc-provider")


@pytest.fixture
def fields(peer_fields: dict[str, Any]) -> dict[str, Any]:
    return {
        **peer_fields,
        "methods": ["oidc", "password", "token"],
        "scopes": ["openid", "email", "profile", "groups"],
    }


async def test_password(make: Connectors, fields: dict[str, Any], realm: op.OIDCProviderPeer) -> None:
    conn = make(**fields)
    assert conn.config.issuer == realm.issuer == f"{realm.base_url}/realms/acme"
    result = await conn.authenticate(Password("alice", "alice-pass"))
    assert isinstance(result, Authenticated)
    ident = result.identity
    assert ident.key == (realm.issuer, "alice")
    assert ident.provider == "keycloak"
    assert ident.tenant == "acme"
    assert ident.groups == ("staff", "admins")
    assert ident.roles == ("default-roles-acme", "offline_access", f"{op.CLIENT_ID}:migrator")


async def test_a_bearer_typed_token_is_not_an_id_token(make: Connectors, fields: dict[str, Any]) -> None:
    """bob's tokens say typ Bearer (what a Keycloak access token says): refused as an ID token."""
    with pytest.raises(TokenValidationError) as info:
        await make(**fields).authenticate(Password("bob", "bob-pass"))
    assert info.value.code == "token.type"


async def test_wrong_password(make: Connectors, fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidCredentials):
        await make(**fields).authenticate(Password("alice", "wrong"))


async def test_direct_grant_disabled(make: Connectors, fields: dict[str, Any]) -> None:
    conn = make(**{**fields, "client_id": "code-only", "client_secret": "code-secret"})
    with pytest.raises(ConfigurationError) as info:
        await conn.authenticate(Password("alice", "alice-pass"))
    assert info.value.code == "config.grant_disabled"


async def test_code_flow(make: Connectors, fields: dict[str, Any], realm: op.OIDCProviderPeer) -> None:
    conn = make(**fields)
    flow = await drive_code_flow(
        conn, "alice", "alice-pass", expect_mode="form_post", response_mode="form_post"
    )
    assert flow.result.identity.key == (realm.issuer, "alice")


async def test_check(make: Connectors, fields: dict[str, Any]) -> None:
    await passing_check(make(**fields))


async def test_check_without_password_has_no_password_probe(make: Connectors, fields: dict[str, Any]) -> None:
    report = await make(**{**fields, "methods": ["oidc"]}).check()
    assert "password" not in [r.name for r in report.results]
    assert report.ok


async def test_another_issuer_is_refused(
    make: Connectors, fields: dict[str, Any], oidc_provider: op.OIDCProviderPeer
) -> None:
    """A server reached at an address it does not name itself by (here the plain peer, whose issuer
    has no /realms/acme): a clear configuration error, never a rewritten issuer."""
    conn = make(
        **{**fields, "server_url": oidc_provider.issuer},
        endpoints={"discovery": oidc_provider.discovery_url},
    )
    with pytest.raises(ConfigurationError) as info:
        await conn.authenticate(Password("alice", "alice-pass"))
    assert info.value.code == "config.issuer_mismatch"
    assert "/realms/acme" in info.value.message
    assert "hostname" in info.value.message


@pytest.fixture
def config(tmp_path: Path, realm: op.OIDCProviderPeer) -> Path:
    return connectors_file(
        tmp_path,
        "acme-keycloak",
        {
            "provider": "keycloak",
            "server_url": realm.base_url,
            "realm": "acme",
            "client_id": op.CLIENT_ID,
            "client_secret": "${KEYCLOAK_TEST_SECRET}",
            "methods": ["oidc", "password"],
        },
    )


ENV = {"KEYCLOAK_TEST_SECRET": op.CLIENT_SECRET}


def test_cli_check(config: Path) -> None:
    assert cli_check(config, "acme-keycloak", env=ENV)["provider"] == "keycloak"


def test_cli_password_login(config: Path) -> None:
    run = cli_password_login(config, "acme-keycloak", "alice", "alice-pass", env=ENV)
    assert run.returncode == 0, run.stderr
    identity = json.loads(run.stdout)
    assert identity["subject"] == "alice"
    assert identity["tenant"] == "acme"


async def test_cli_oidc_login(config: Path) -> None:
    identity = await cli_oidc_login(config, "acme-keycloak", "alice", "alice-pass", env=ENV)
    assert identity["subject"] == "alice"
