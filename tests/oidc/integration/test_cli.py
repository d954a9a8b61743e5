"""``idpbridge check`` and ``idpbridge login`` against the real oidc-provider.

The password login runs the installed console script with the password piped on stdin
(``--password-stdin``) and, in-process, through Typer's runner feeding the hidden prompt. The OIDC
login runs the console script, reads the printed authorization URL, logs in with httpx and lets
the OP's redirect (query) or auto-submitted form (form_post) reach the CLI's loopback receiver.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from idpbridge import ContinuationKeys
from idpbridge.cli import app
from tests.peers import oidc_provider as op

from ._drive import oidc_provider_login

IDPBRIDGE = str(Path(sys.executable).with_name("idpbridge"))


@pytest.fixture
def config(tmp_path: Path, oidc_provider: op.OIDCProviderPeer) -> Path:
    path = tmp_path / "idpbridge.toml"
    path.write_text(
        f"""[settings]
continuation_keys = ["{ContinuationKeys.new_key()}"]

[connectors.local-op]
provider = "oidc"
issuer = "{oidc_provider.issuer}"
client_id = "{op.CLIENT_ID}"
client_secret = "${{OP_CLIENT_SECRET}}"
methods = ["oidc", "password"]
scopes = ["openid", "email", "profile", "groups"]
"""
    )
    return path


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "OP_CLIENT_SECRET": op.CLIENT_SECRET, "COLUMNS": "200"}


def test_check_command(config: Path) -> None:
    run = subprocess.run(
        [IDPBRIDGE, "check", "local-op", "--config", str(config), "--json"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["ok"] is True
    assert [r["name"] for r in report["results"]] == ["configuration", "discovery", "jwks", "client", "clock"]


def test_check_command_reports_failure(config: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(config.read_text().replace("${OP_CLIENT_SECRET}", "wrong-secret"))
    run = subprocess.run(
        [IDPBRIDGE, "check", "local-op", "--config", str(bad)],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    assert run.returncode == 1
    assert "FAIL" in run.stdout
    assert "some probes failed" in run.stdout
    assert "wrong-secret" not in run.stdout + run.stderr


def test_password_login_with_piped_password(config: Path) -> None:
    run = subprocess.run(
        [
            IDPBRIDGE,
            "login",
            "local-op",
            "-c",
            str(config),
            "-m",
            "password",
            "-u",
            "alice",
            "--password-stdin",
            "--json",
        ],
        input="alice-pass\n",
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )
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
    run = subprocess.run(
        [
            IDPBRIDGE,
            "login",
            "local-op",
            "-c",
            str(config),
            "-m",
            "password",
            "-u",
            "alice",
            "--password-stdin",
        ],
        input="Not-The-Password\n",
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    assert run.returncode == 1
    assert "InvalidCredentials" in run.stderr
    assert "Not-The-Password" not in run.stdout + run.stderr


@pytest.mark.parametrize("mode", ["query", "form_post"])
async def test_oidc_login_through_the_loopback_receiver(config: Path, mode: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        IDPBRIDGE,
        *("login", "local-op", "--config", str(config), "--method", "oidc", "--json"),
        *("--response-mode", mode, "--timeout", "60"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_env(),
    )
    assert proc.stdout is not None
    try:
        url = ""
        async with asyncio.timeout(30):
            while not url.startswith("http"):
                line = await proc.stdout.readline()
                assert line, "the CLI exited before printing the URL"
                url = line.decode().strip()
        redirect_uri = httpx.URL(url).params["redirect_uri"]
        assert redirect_uri.startswith("http://127.0.0.1:")
        assert redirect_uri.endswith("/callback")
        callback = await oidc_provider_login(url, "alice", "alice-pass", redirect_prefix=redirect_uri)
        assert callback.mode == mode
        async with httpx.AsyncClient() as browser:
            if mode == "query":
                landing = await browser.get(callback.url)
            else:
                landing = await browser.post(callback.url, data={k: v[0] for k, v in callback.params.items()})
        assert landing.status_code == 200
        assert "You can close this window" in landing.text
        async with asyncio.timeout(30):
            out, err = await proc.communicate()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err.decode()
    identity = json.loads(out)
    assert identity["subject"] == "alice"
    assert identity["method"] == "oidc"
    assert identity["tokens"] == ["access_token", "id_token", "refresh_token"]
