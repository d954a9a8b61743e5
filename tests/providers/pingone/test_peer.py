"""The pingone connector against a real OP: panva/oidc-provider mounted at ``/{envId}/as`` (the
PingOne issuer layout) on loopback.

* OIDC: the code flow through the OP's own login page, unmodified.
* Password: PingOne's redirectless Flows API, which oidc-provider lacks, is translated onto the
  OP's interactive login by ``_piflow_adapter.PiFlowAdapter`` (an httpx transport handed to the
  connector); discovery, JWKS and the code exchange (PKCE, nonce, signature) are the OP's.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from idpbridge import Authenticated, InvalidCredentials, Method, MFARequired, Password
from idpbridge.providers.pingone.connector import PingOneConnector
from tests.peers import oidc_provider as op
from tests.support.providers import cli_oidc_login, code_flow, connectors_file, run_cli

from ._piflow_adapter import PiFlowAdapter

ENV = "0e1d2c3b-4a59-4687-8a9b-0c1d2e3f4a5b"
Make = Callable[..., PingOneConnector]


@pytest.fixture
def p1_op(oidc_provider_variant: op.OPVariant) -> op.OIDCProviderPeer:
    return oidc_provider_variant("pingone", issuer_path=f"/{ENV}/as", extra_claims={"alice": {"env": ENV}})


@pytest.fixture
def fields(p1_op: op.OIDCProviderPeer) -> dict[str, Any]:
    return {
        "environment_id": ENV,
        "base_url": f"{p1_op.base_url}/{ENV}",
        "client_id": "test-client",
        "client_secret": "test-secret",
        "password_redirect_uri": op.REDIRECT_URI,
        "methods": ["oidc", "password", "token"],
    }


@pytest.fixture
async def adapter(p1_op: op.OIDCProviderPeer) -> AsyncIterator[PiFlowAdapter]:
    transport = PiFlowAdapter(authorize_url=f"{p1_op.issuer}/auth", env_path=f"/{ENV}")
    yield transport
    await transport.aclose()


@pytest.fixture
async def via_flows(
    make: Make, fields: dict[str, Any], adapter: PiFlowAdapter
) -> AsyncIterator[PingOneConnector]:
    async with httpx.AsyncClient(transport=adapter) as client:
        yield make(**fields, http_client=client)


async def test_issuer_layout(make: Make, fields: dict[str, Any], p1_op: op.OIDCProviderPeer) -> None:
    conn = make(**fields)
    assert conn.config.issuer == p1_op.issuer == f"{p1_op.base_url}/{ENV}/as"
    assert (await conn.metadata()).issuer == p1_op.issuer


async def test_code_flow(make: Make, fields: dict[str, Any], p1_op: op.OIDCProviderPeer) -> None:
    result = await code_flow(make(**fields), "alice", "alice-pass")
    assert result.identity.key == (p1_op.issuer, "alice")
    assert result.identity.tenant == ENV  # the env claim


async def test_password_via_the_flows_api(
    via_flows: PingOneConnector, adapter: PiFlowAdapter, p1_op: op.OIDCProviderPeer
) -> None:
    result = await via_flows.authenticate(Password("alice", "alice-pass"))
    assert isinstance(result, Authenticated)
    assert result.method is Method.PASSWORD
    assert result.identity.key == (p1_op.issuer, "alice")
    assert result.identity.email == "alice@example.test"
    paths = [r.url.path for r in adapter.seen]
    assert f"/{ENV}/as/auth" in paths
    assert any(p.startswith(f"/{ENV}/flows/") for p in paths)
    assert f"/{ENV}/as/resume" in paths
    assert f"/{ENV}/as/token" in paths  # the real OP redeemed the code (PKCE checked there)
    assert not any(r.url.params.get("grant_type") == "password" for r in adapter.seen)


async def test_bob_gets_his_own_identity_after_alice(via_flows: PingOneConnector) -> None:
    first = await via_flows.authenticate(Password("alice", "alice-pass"))
    second = await via_flows.authenticate(Password("bob", "bob-pass"))
    assert isinstance(first, Authenticated)
    assert isinstance(second, Authenticated)
    assert (first.identity.subject, second.identity.subject) == ("alice", "bob")


async def test_wrong_password(via_flows: PingOneConnector) -> None:
    with pytest.raises(InvalidCredentials) as info:
        await via_flows.authenticate(Password("alice", "wrong-one"))
    assert "wrong-one" not in str(info.value)


async def test_totp_user_needs_mfa(via_flows: PingOneConnector) -> None:
    with pytest.raises(MFARequired) as info:
        await via_flows.authenticate(Password("carol", "carol-pass"))
    assert info.value.factors == ("otp",)
    assert info.value.continuation is not None


async def test_check(make: Make, fields: dict[str, Any], via_flows: PingOneConnector) -> None:
    report = await via_flows.check()
    assert report.ok, report.as_dict()
    assert [r.name for r in report.results][-1] == "password"
    oidc_only = await make(**{**fields, "methods": ["oidc"]}).check()
    assert oidc_only.ok, oidc_only.as_dict()
    # Without the adapter the OP knows no pi.flow: the password probe says so, nothing is attempted.
    plain = await make(**fields).check()
    assert not plain.ok
    assert not {r.name: r for r in plain.results}["password"].ok


SECRET = {"P1_TEST_SECRET": "test-secret"}


def _config(tmp_path: Path, fields: dict[str, Any]) -> Path:
    return connectors_file(
        tmp_path,
        "ping",
        {
            "provider": "pingone",
            "environment_id": ENV,
            "base_url": fields["base_url"],
            "client_id": "test-client",
            "client_secret": "${P1_TEST_SECRET}",
            "methods": ["oidc"],
        },
    )


def test_cli_check(tmp_path: Path, fields: dict[str, Any]) -> None:
    run = run_cli("check", "ping", "--config", str(_config(tmp_path, fields)), "--json", env=SECRET)
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout)["ok"] is True


async def test_cli_oidc_login(tmp_path: Path, fields: dict[str, Any]) -> None:
    identity = await cli_oidc_login(_config(tmp_path, fields), "ping", "bob", "bob-pass", env=SECRET)
    assert identity["provider"] == "pingone"
    assert identity["subject"] == "bob"
    assert identity["tenant"] == ENV  # no env claim for bob: the configured environment
