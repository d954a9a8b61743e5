"""``idpbridge login`` through the advanced client features against oidc-provider: the code flow
with PAR, a signed request object and ``private_key_jwt``; the password grant with
``client_secret_jwt``. Keys and secrets reach the CLI through ``${ENV}`` references only."""

from __future__ import annotations

import json
from pathlib import Path

from tests.peers import oidc_provider as op
from tests.peers._proc import free_port
from tests.support.providers import cli_password_login, connectors_file, drive_cli_oidc_login, run_cli


def _pkjwt_env() -> dict[str, str]:
    key = op.PKJWT_KEYS["pk-ps256"]
    return {"PKJWT_KEY": json.dumps({**key.as_dict(private=True), "kid": "pk-ps256"})}


async def test_cli_code_flow_with_par_jar_and_private_key_jwt(
    oidc_provider: op.OIDCProviderPeer, tmp_path: Path
) -> None:
    config = connectors_file(
        tmp_path,
        "par",
        {
            "provider": "oidc",
            "issuer": oidc_provider.issuer,
            "client_id": op.PKJWT_CLIENT_ID,
            "client_assertion_key": "${PKJWT_KEY}",
            "client_assertion_alg": "PS256",
            "use_par": True,
            "request_object_signing_alg": "PS256",
            "methods": ["oidc"],
            "scopes": ["openid", "email"],
        },
    )
    env = _pkjwt_env()
    login = await drive_cli_oidc_login(config, "par", "alice", "alice-pass", env=env, port=free_port())
    assert login.identity["subject"] == "alice"
    assert login.identity["email"] == "alice@example.test"
    assert env["PKJWT_KEY"] not in json.dumps(login.identity)


def test_cli_password_login_with_client_secret_jwt(
    oidc_provider: op.OIDCProviderPeer, tmp_path: Path
) -> None:
    config = connectors_file(
        tmp_path,
        "csjwt",
        {
            "provider": "oidc",
            "issuer": oidc_provider.issuer,
            "client_id": op.CSJWT_CLIENT_ID,
            "client_secret": "${CSJWT_SECRET}",
            "token_endpoint_auth_method": "client_secret_jwt",
            "methods": ["password"],
            "scopes": ["openid", "email"],
        },
    )
    run = cli_password_login(config, "csjwt", "bob", "bob-pass", env={"CSJWT_SECRET": op.CSJWT_SECRET})
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["subject"] == "bob"
    assert op.CSJWT_SECRET not in run.stdout + run.stderr


FIELDS = {
    "provider": "oidc",
    "client_id": "ciba-poll",
    "client_secret": "${CIBA_SECRET}",
    "methods": ["device", "ciba", "token"],
    "token_kind": "opaque",
}


def test_check_reports_the_flow_endpoints(oidc_provider: op.OIDCProviderPeer, tmp_path: Path) -> None:
    """`idpbridge check` on a connector with device, CIBA and opaque tokens enabled."""
    config = connectors_file(tmp_path, "flows", {**FIELDS, "issuer": oidc_provider.issuer})
    run = run_cli(
        "check", "flows", "--config", str(config), "--json", env={"CIBA_SECRET": "ciba-secret-0123456789"}
    )
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert report["ok"] is True
