"""The Keycloak connector against the real oidc-provider peer.

oidc-provider cannot reproduce Keycloak's ``/realms/{realm}/protocol/openid-connect/*`` layout,
so these tests set ``issuer`` explicitly (discovery then comes from the peer's own document) and
otherwise run the Keycloak connector unchanged: its error table, ``typ`` check (the peer's ID
tokens carry no ``typ``, which is accepted), realm tenant and the password probe. The layout and
the back channel are covered by the cassettes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from idpbridge import (
    Authenticated,
    ConfigurationError,
    ContinuationKeys,
    FinishOIDC,
    InvalidCredentials,
    Password,
    RedirectRequired,
    StartOIDC,
)
from tests.oidc.integration._drive import oidc_provider_login
from tests.peers import oidc_provider as op
from tests.support.providers import Connectors, cli_oidc_login, run_cli

pytestmark = pytest.mark.peer("oidc-provider")


@pytest.fixture
def fields(oidc_provider: op.OIDCProviderPeer) -> dict[str, Any]:
    return {
        "server_url": oidc_provider.issuer,
        "realm": "acme",
        "issuer": oidc_provider.issuer,
        "client_id": op.CLIENT_ID,
        "client_secret": op.CLIENT_SECRET,
        "methods": ["oidc", "password", "token"],
        "scopes": ["openid", "email", "profile", "groups"],
    }


async def test_password(make: Connectors, fields: dict[str, Any], oidc_provider: op.OIDCProviderPeer) -> None:
    result = await make(**fields).authenticate(Password("alice", "alice-pass"))
    assert isinstance(result, Authenticated)
    ident = result.identity
    assert ident.key == (oidc_provider.issuer, "alice")
    assert ident.provider == "keycloak"
    assert ident.tenant == "acme"
    assert ident.groups == ("staff", "admins")


async def test_wrong_password(make: Connectors, fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidCredentials):
        await make(**fields).authenticate(Password("alice", "wrong"))


async def test_direct_grant_disabled(make: Connectors, fields: dict[str, Any]) -> None:
    conn = make(**{**fields, "client_id": "code-only", "client_secret": "code-secret"})
    with pytest.raises(ConfigurationError) as info:
        await conn.authenticate(Password("alice", "alice-pass"))
    assert info.value.code == "config.grant_disabled"


async def test_code_flow(
    make: Connectors, fields: dict[str, Any], oidc_provider: op.OIDCProviderPeer
) -> None:
    conn = make(**fields)
    start = await conn.authenticate(StartOIDC(op.REDIRECT_URI, response_mode="form_post"))
    assert isinstance(start, RedirectRequired)
    callback = await oidc_provider_login(start.url, "alice", "alice-pass", redirect_prefix=op.REDIRECT_URI)
    assert callback.mode == "form_post"
    result = await conn.authenticate(FinishOIDC(callback.params, start.continuation))
    assert isinstance(result, Authenticated)
    assert result.identity.key == (oidc_provider.issuer, "alice")


async def test_check(make: Connectors, fields: dict[str, Any]) -> None:
    report = await make(**fields).check()
    assert [r.name for r in report.results] == [
        "configuration",
        "discovery",
        "jwks",
        "client",
        "password",
        "clock",
    ]
    assert report.ok, report.as_dict()


async def test_check_without_password_has_no_password_probe(make: Connectors, fields: dict[str, Any]) -> None:
    report = await make(**{**fields, "methods": ["oidc"]}).check()
    assert "password" not in [r.name for r in report.results]
    assert report.ok


async def test_derived_issuer_does_not_match_the_peer(make: Connectors, fields: dict[str, Any]) -> None:
    """Without the override the realm issuer is derived and compared exactly: a clear error."""
    conn = make(
        **{k: v for k, v in fields.items() if k != "issuer"},
        endpoints={"discovery": fields["issuer"] + "/.well-known/openid-configuration"},
    )
    with pytest.raises(ConfigurationError) as info:
        await conn.authenticate(Password("alice", "alice-pass"))
    assert info.value.code == "config.issuer_mismatch"
    assert "/realms/acme" in info.value.message


@pytest.fixture
def config(tmp_path: Path, oidc_provider: op.OIDCProviderPeer) -> Path:
    path = tmp_path / "idpbridge.toml"
    path.write_text(
        f"""[settings]
continuation_keys = ["{ContinuationKeys.new_key()}"]

[connectors.acme-keycloak]
provider = "keycloak"
server_url = "{oidc_provider.issuer}"
realm = "acme"
issuer = "{oidc_provider.issuer}"
client_id = "{op.CLIENT_ID}"
client_secret = "${{KEYCLOAK_TEST_SECRET}}"
methods = ["oidc", "password"]
"""
    )
    return path


ENV = {"KEYCLOAK_TEST_SECRET": op.CLIENT_SECRET}


def test_cli_check(config: Path) -> None:
    run = run_cli("check", "acme-keycloak", "--config", str(config), "--json", env=ENV)
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout)["provider"] == "keycloak"


def test_cli_password_login(config: Path) -> None:
    run = run_cli(
        *(
            "login",
            "acme-keycloak",
            "-c",
            str(config),
            "-m",
            "password",
            "-u",
            "alice",
            "--password-stdin",
            "--json",
        ),
        env=ENV,
        stdin="alice-pass\n",
    )
    assert run.returncode == 0, run.stderr
    identity = json.loads(run.stdout)
    assert identity["subject"] == "alice"
    assert identity["tenant"] == "acme"


async def test_cli_oidc_login(config: Path) -> None:
    identity = await cli_oidc_login(config, "acme-keycloak", "alice", "alice-pass", env=ENV)
    assert identity["subject"] == "alice"
