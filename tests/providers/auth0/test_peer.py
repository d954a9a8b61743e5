"""The Auth0 connector against the real oidc-provider peer.

The peer's issuer has no trailing slash, which Auth0's rule (``https://{domain}/``) always adds, so
these tests set ``issuer`` explicitly (the override meant for custom domains) and otherwise run
Auth0's wire dialect: ``client_secret_post`` by default, the ``password`` grant (the peer has no
``password-realm``), ``audience`` on every request.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from idpbridge import (
    Authenticated,
    InvalidCredentials,
    Password,
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
def fields(oidc_provider: op.OIDCProviderPeer) -> dict[str, Any]:
    return {
        "domain": oidc_provider.issuer,
        "issuer": oidc_provider.issuer,
        "client_id": "post-client",  # client_secret_post, Auth0's default here
        "client_secret": "post-secret",
        "audience": "https://api.acme.example",
        "methods": ["oidc", "password", "token"],
        "scopes": ["openid", "email", "profile", "groups"],
    }


async def test_password(make: Connectors, fields: dict[str, Any], oidc_provider: op.OIDCProviderPeer) -> None:
    conn = make(**fields)
    assert conn.config.token_endpoint_auth_method == "client_secret_post"
    result = await conn.authenticate(Password("alice", "alice-pass"))
    assert isinstance(result, Authenticated)
    assert result.identity.key == (oidc_provider.issuer, "alice")
    assert result.identity.provider == "auth0"
    assert result.identity.groups == ("staff", "admins")


async def test_wrong_password(make: Connectors, fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidCredentials):
        await make(**fields).authenticate(Password("mallory", "nope"))


async def test_code_flow(
    make: Connectors, fields: dict[str, Any], oidc_provider: op.OIDCProviderPeer
) -> None:
    flow = await drive_code_flow(make(**fields), "alice", "alice-pass")
    assert "audience=https%3A%2F%2Fapi.acme.example" in flow.start.url
    assert flow.result.identity.key == (oidc_provider.issuer, "alice")


async def test_check(make: Connectors, fields: dict[str, Any]) -> None:
    await passing_check(make(**fields))


async def test_check_reports_a_wrong_secret(make: Connectors, fields: dict[str, Any]) -> None:
    report = await make(**{**fields, "client_secret": "wrong-secret"}).check()
    results = {r.name: r for r in report.results}
    assert not results["client"].ok
    assert not results["password"].ok
    assert "wrong-secret" not in json.dumps(report.as_dict())


@pytest.fixture
def config(tmp_path: Path, oidc_provider: op.OIDCProviderPeer) -> Path:
    return connectors_file(
        tmp_path,
        "acme-auth0",
        {
            "provider": "auth0",
            "domain": oidc_provider.issuer,
            "issuer": oidc_provider.issuer,
            "client_id": "post-client",
            "client_secret": "${AUTH0_TEST_SECRET}",
            "methods": ["oidc", "password"],
            "scopes": ["openid", "email", "profile"],
        },
    )


ENV = {"AUTH0_TEST_SECRET": "post-secret"}


def test_cli_check(config: Path) -> None:
    assert cli_check(config, "acme-auth0", env=ENV)["provider"] == "auth0"


def test_cli_password_login(config: Path) -> None:
    run = cli_password_login(config, "acme-auth0", "bob", "bob-pass", env=ENV)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["subject"] == "bob"


async def test_cli_oidc_login(config: Path) -> None:
    identity = await cli_oidc_login(config, "acme-auth0", "bob", "bob-pass", env=ENV)
    assert identity["subject"] == "bob"
