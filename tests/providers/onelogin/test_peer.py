"""The onelogin connector against a real OP: panva/oidc-provider mounted at ``/oidc/2`` (OneLogin's
issuer layout) on loopback: ``test-client`` (registered for HTTP Basic) serves the oidc connector,
``post-client`` (POST body) the password connector. The OP accepts either method for either client,
unlike OneLogin, so the refusal of the other method is tested against a fake in test_connector.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from idpbridge import Authenticated, InvalidCredentials, Password
from idpbridge.providers.onelogin.connector import OneLoginConnector
from tests.peers import oidc_provider as op
from tests.support.providers import cli_oidc_login, code_flow, connectors_file, run_cli

Make = Callable[..., OneLoginConnector]


@pytest.fixture
def ol_op(oidc_provider_variant: op.OPVariant) -> op.OIDCProviderPeer:
    return oidc_provider_variant("onelogin", issuer_path="/oidc/2")


@pytest.fixture
def oidc_fields(ol_op: op.OIDCProviderPeer) -> dict[str, Any]:
    return {"subdomain": None, "base_url": ol_op.base_url, "client_id": "test-client",
            "client_secret": "test-secret", "methods": ["oidc", "token"],
            "scopes": ["openid", "email", "profile", "groups"]}  # fmt: skip


@pytest.fixture
def password_fields(ol_op: op.OIDCProviderPeer) -> dict[str, Any]:
    return {"subdomain": None, "base_url": ol_op.base_url, "client_id": "post-client",
            "client_secret": "post-secret", "methods": ["password"],
            "scopes": ["openid", "email", "profile", "groups"]}  # fmt: skip


async def test_code_flow_with_basic(
    make: Make, oidc_fields: dict[str, Any], ol_op: op.OIDCProviderPeer
) -> None:
    conn = make(**oidc_fields)
    assert conn.config.issuer == ol_op.issuer == f"{ol_op.base_url}/oidc/2"
    result = await code_flow(conn, "alice", "alice-pass")
    ident = result.identity
    assert ident.key == (ol_op.issuer, "alice")
    assert ident.groups == ("staff", "admins")
    assert ident.tenant == "127.0.0.1"
    assert ident.email_verified is None  # OneLogin has no email_verified: never trusted


async def test_password_with_post(
    make: Make, password_fields: dict[str, Any], ol_op: op.OIDCProviderPeer
) -> None:
    result = await make(**password_fields).authenticate(Password("bob", "bob-pass"))
    assert isinstance(result, Authenticated)
    assert result.identity.key == (ol_op.issuer, "bob")


async def test_wrong_password(make: Make, password_fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidCredentials):
        await make(**password_fields).authenticate(Password("bob", "nope"))


async def test_check(make: Make, oidc_fields: dict[str, Any], password_fields: dict[str, Any]) -> None:
    for fields in (oidc_fields, password_fields):
        report = await make(**fields).check()
        assert report.ok, report.as_dict()
    names = [r.name for r in (await make(**password_fields).check()).results]
    assert "password" in names
    wrong = await make(**{**password_fields, "client_secret": "not-the-secret"}).check()
    assert not wrong.ok
    assert "not-the-secret" not in json.dumps(wrong.as_dict())


SECRET = {"OL_TEST_SECRET": "test-secret"}


def _config(tmp_path: Path, oidc_fields: dict[str, Any]) -> Path:
    return connectors_file(
        tmp_path,
        "ol-sso",
        {
            "provider": "onelogin",
            "base_url": oidc_fields["base_url"],
            "client_id": "test-client",
            "client_secret": "${OL_TEST_SECRET}",
            "methods": ["oidc"],
        },
    )


def test_cli_check(tmp_path: Path, oidc_fields: dict[str, Any]) -> None:
    run = run_cli("check", "ol-sso", "--config", str(_config(tmp_path, oidc_fields)), "--json", env=SECRET)
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout)["ok"] is True


async def test_cli_oidc_login(tmp_path: Path, oidc_fields: dict[str, Any]) -> None:
    identity = await cli_oidc_login(
        _config(tmp_path, oidc_fields), "ol-sso", "alice", "alice-pass", env=SECRET
    )
    assert identity["provider"] == "onelogin"
    assert identity["subject"] == "alice"
