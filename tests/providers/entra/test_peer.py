"""The entra connector against a real OP: panva/oidc-provider mounted at ``/{tenant}/v2.0`` (the
Entra issuer layout) on loopback, its users carrying Entra's ``tid``/``oid`` claims.

The connector runs unmodified: only ``instance`` points at the loopback origin instead of
``login.microsoftonline.com``. The OP releases ``email_verified: true`` for alice; Entra's rule
(e-mail is never verified without ``xms_edov``) must still hold.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from idpbridge import Authenticated, InvalidCredentials, Method, Password, TokenValidationError
from idpbridge.providers.entra.connector import EntraConnector
from tests.peers import oidc_provider as op
from tests.support.providers import cli_password_login, code_flow, connectors_file, run_cli

TENANT = "5d3c1e0a-7b2f-4c8e-9a6d-0f1e2d3c4b5a"
OIDS = {"alice": "0a11ce00-0000-4000-8000-000000000001", "carol": "0ca201a0-0000-4000-8000-000000000003"}
Make = Callable[..., EntraConnector]


@pytest.fixture
def entra_op(oidc_provider_variant: op.OPVariant) -> op.OIDCProviderPeer:
    claims = {user: {"tid": TENANT, "oid": oid} for user, oid in OIDS.items()}
    claims["bob"] = {"tid": TENANT}  # no oid: a token the connector must refuse
    return oidc_provider_variant("entra", issuer_path=f"/{TENANT}/v2.0", extra_claims=claims)


@pytest.fixture
def fields(entra_op: op.OIDCProviderPeer) -> dict[str, Any]:
    return {
        "tenant": TENANT,
        "instance": entra_op.base_url,
        "client_id": "post-client",
        "client_secret": "post-secret",  # client_secret_post: Entra's default here
        "methods": ["oidc", "password", "token"],
    }


async def test_issuer_layout(make: Make, fields: dict[str, Any], entra_op: op.OIDCProviderPeer) -> None:
    conn = make(**fields)
    assert entra_op.issuer == f"{entra_op.base_url}/{TENANT}/v2.0"
    metadata = await conn.metadata()
    assert metadata.issuer == entra_op.issuer


async def test_code_flow(make: Make, fields: dict[str, Any], entra_op: op.OIDCProviderPeer) -> None:
    result = await code_flow(make(**fields), "alice", "alice-pass")
    ident = result.identity
    assert ident.key == (entra_op.issuer, OIDS["alice"])
    assert ident.claims["sub"] == "alice"
    assert ident.tenant == TENANT
    assert ident.email == "alice@example.test"
    assert ident.claims["email_verified"] is True  # the OP says so ...
    assert ident.email_verified is None  # ... Entra's rule does not believe it


async def test_password(make: Make, fields: dict[str, Any], entra_op: op.OIDCProviderPeer) -> None:
    result = await make(**fields).authenticate(Password("carol", "carol-pass"))
    assert isinstance(result, Authenticated)
    assert result.method is Method.PASSWORD
    assert result.identity.key == (entra_op.issuer, OIDS["carol"])


async def test_wrong_password(make: Make, fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidCredentials) as info:
        await make(**fields).authenticate(Password("alice", "not-her-password"))
    assert "not-her-password" not in str(info.value)


async def test_token_without_oid(make: Make, fields: dict[str, Any]) -> None:
    with pytest.raises(TokenValidationError) as info:
        await make(**fields).authenticate(Password("bob", "bob-pass"))
    assert info.value.code == "token.claim"


async def test_check(make: Make, fields: dict[str, Any]) -> None:
    report = await make(**fields).check()
    assert report.ok, report.as_dict()
    assert [r.name for r in report.results] == [
        "configuration",
        "discovery",
        "jwks",
        "client",
        "password",
        "clock",
    ]
    bad = await make(**{**fields, "client_secret": "wrong-secret"}).check()
    assert not bad.ok
    assert "wrong-secret" not in json.dumps(bad.as_dict())


SECRET = {"ENTRA_TEST_SECRET": "post-secret"}


def _toml(tmp_path: Path, fields: dict[str, Any]) -> Path:
    table = {key: fields[key] for key in ("tenant", "instance", "client_id")}
    return connectors_file(
        tmp_path,
        "corp",
        {
            "provider": "entra",
            **table,
            "client_secret": "${ENTRA_TEST_SECRET}",
            "methods": ["oidc", "password"],
        },
    )


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=SECRET)


def test_cli_check_and_password_login(tmp_path: Path, fields: dict[str, Any]) -> None:
    config = str(_toml(tmp_path, fields))
    run = _run("check", "corp", "--config", config, "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout)["ok"] is True
    run = cli_password_login(config, "corp", "alice", "alice-pass", env=SECRET)
    assert run.returncode == 0, run.stderr
    identity = json.loads(run.stdout)
    assert identity["subject"] == OIDS["alice"]
    assert identity["provider"] == "entra"
    assert "alice-pass" not in run.stdout + run.stderr
    listed = _run("connectors")
    assert "entra" in listed.stdout
