"""``idpbridge check`` and ``idpbridge login`` against the real oidc-provider.

The password login runs the installed console script with the password piped on stdin
(``--password-stdin``) and, in-process, through Typer's runner feeding the hidden prompt. The OIDC
login runs the console script, reads the printed authorization URL, logs in with httpx and lets
the OP's redirect (query) or auto-submitted form (form_post) reach the CLI's loopback receiver.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from idpbridge.cli import app
from tests.peers import oidc_provider as op
from tests.support.providers import cli_password_login, connectors_file, drive_cli_oidc_login, run_cli

SECRET = {"OP_CLIENT_SECRET": op.CLIENT_SECRET}


@pytest.fixture
def config(tmp_path: Path, oidc_provider: op.OIDCProviderPeer) -> Path:
    return connectors_file(
        tmp_path,
        "local-op",
        {
            "provider": "oidc",
            "issuer": oidc_provider.issuer,
            "client_id": op.CLIENT_ID,
            "client_secret": "${OP_CLIENT_SECRET}",
            "methods": ["oidc", "password"],
            "scopes": ["openid", "email", "profile", "groups"],
        },
    )


def test_check_command(config: Path) -> None:
    run = run_cli("check", "local-op", "--config", str(config), "--json", env=SECRET)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["ok"] is True
    assert [r["name"] for r in report["results"]] == ["configuration", "discovery", "jwks", "client", "clock"]


def test_check_command_reports_failure(config: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(config.read_text().replace("${OP_CLIENT_SECRET}", "wrong-secret"))
    run = run_cli("check", "local-op", "--config", str(bad), env=SECRET)
    assert run.returncode == 1
    assert "FAIL" in run.stdout
    assert "some probes failed" in run.stdout
    assert "wrong-secret" not in run.stdout + run.stderr


def test_password_login_with_piped_password(config: Path) -> None:
    run = cli_password_login(config, "local-op", "alice", "alice-pass", env=SECRET)
    assert run.returncode == 0, run.stderr
    identity = json.loads(run.stdout)
    assert identity["subject"] == "alice"
    assert identity["email"] == "alice@example.test"
    assert identity["method"] == "password"
    assert identity["sources"]["groups"] == "userinfo"
    assert "alice-pass" not in run.stdout + run.stderr


def test_password_login_prompts_without_echo(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OP_CLIENT_SECRET", op.CLIENT_SECRET)
    result = CliRunner().invoke(
        app, ["login", "local-op", "--config", str(config), "--method", "password"], input="bob\nbob-pass\n"
    )
    assert result.exit_code == 0, result.output
    assert "Username: bob" in result.output  # the username prompt echoes
    assert "bob-pass" not in result.output  # the password prompt does not
    assert "bob@example.test" in result.output


def test_password_login_failure(config: Path) -> None:
    run = cli_password_login(config, "local-op", "alice", "Not-The-Password", json_output=False, env=SECRET)
    assert run.returncode == 1
    assert "InvalidCredentials" in run.stderr
    assert "Not-The-Password" not in run.stdout + run.stderr


@pytest.mark.parametrize("mode", ["query", "form_post"])
async def test_oidc_login_through_the_loopback_receiver(config: Path, mode: str) -> None:
    login = await drive_cli_oidc_login(
        config, "local-op", "alice", "alice-pass", env=SECRET, response_mode=mode, expect_mode=mode
    )
    assert login.redirect_uri.startswith("http://127.0.0.1:")
    assert login.redirect_uri.endswith("/callback")
    assert login.mode == mode
    assert login.landing.status_code == 200
    assert "You can close this window" in login.landing.text
    identity = login.identity
    assert identity["subject"] == "alice"
    assert identity["method"] == "oidc"
    assert identity["tokens"] == ["access_token", "id_token", "refresh_token"]
