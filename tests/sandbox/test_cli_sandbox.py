"""``idpbridge sandbox`` as a person uses it: a running IdP, then ``check`` and ``login`` by hand."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import idpbridge
from idpbridge import Authenticated, CodeSent, StartOTP, VerifyOTP
from tests.peers._proc import Peer, free_port, http_ready, start_peer
from tests.support.providers import cli_password_login, run_cli

from .conftest import IDP_BIN, SEED, seed_password


@pytest.fixture(scope="module")
def running(peer_logs: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Peer, Path]]:
    """``idpbridge sandbox`` in the background, its connectors file written to a temp dir."""
    config = tmp_path_factory.mktemp("sandbox-cli") / "idpbridge.toml"
    port = free_port()
    cmd = [str(IDP_BIN), "sandbox", "--port", str(port), "--write-config", str(config),
           "--write-token", str(config.with_name("admin-token"))]  # fmt: skip
    peer = start_peer(
        "idpbridge-sandbox",
        cmd,
        log_dir=peer_logs,
        ready=http_ready(f"http://127.0.0.1:{port}/_sandbox"),
        port=port,
        timeout=30,
    )
    deadline = time.monotonic() + 10
    while "sandbox ready" not in peer.log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield peer, config
    finally:
        peer.stop()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args)


def test_connectors_file_and_check(running: tuple[Peer, Path]) -> None:
    peer, config = running
    text = config.read_text()
    assert f'server_url = "http://127.0.0.1:{peer.port}"' in text
    for name in ("sandbox-keycloak", "sandbox-oidc", "sandbox-cognito"):
        done = cli("check", name, "-c", str(config), "--json")
        assert done.returncode == 0, done.stdout + done.stderr
        assert json.loads(done.stdout)["ok"] is True


def test_password_login_by_hand(running: tuple[Peer, Path]) -> None:
    _, config = running
    ok = cli_password_login(config, "sandbox-keycloak", "alice", seed_password("alice"))
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["email"] == "alice@acme.example"
    wrong = cli_password_login(config, "sandbox-keycloak", "alice", "Not-Alices-Passw0rd", json_output=False)
    assert wrong.returncode == 1
    assert "InvalidCredentials" in wrong.stderr
    assert "Not-Alices-Passw0rd" not in wrong.stdout + wrong.stderr
    cognito = cli_password_login(
        config, "sandbox-cognito", "dave@acme.example", seed_password("dave@acme.example")
    )
    assert cognito.returncode == 0, cognito.stderr
    assert json.loads(cognito.stdout)["provider"] == "cognito"


async def test_printed_codes_are_the_ones_sent(running: tuple[Peer, Path]) -> None:
    peer, config = running
    async with idpbridge.load(config) as connectors:
        sent = await connectors["sandbox-cognito"].authenticate(StartOTP("frank@acme.example", "sms"))  # type: ignore[arg-type]
        assert isinstance(sent, CodeSent)
        code: Any = None
        deadline = time.monotonic() + 10
        while code is None and time.monotonic() < deadline:
            code = re.search(r"\[SMS\] to \+15555550123: code (\d{6})", peer.log_path.read_text())
            await asyncio.sleep(0.05)
        assert code is not None, peer.log_tail()
        result = await connectors["sandbox-cognito"].authenticate(VerifyOTP(code.group(1), sent.continuation))
        assert isinstance(result, Authenticated)


def test_admin_routes_and_stop(running: tuple[Peer, Path]) -> None:
    peer, config = running
    info = httpx.get(f"{peer.base_url}/_sandbox").json()
    assert info["keycloak"]["issuer"] == f"{peer.base_url}/realms/acme"
    assert "password" not in json.dumps(info).lower()
    rotate = f"{peer.base_url}/_sandbox/rotate-keys"
    before = httpx.get(f"{peer.base_url}/realms/acme/protocol/openid-connect/certs").json()
    assert httpx.post(rotate).status_code == 401  # the admin token is required
    assert httpx.get(f"{peer.base_url}/realms/acme/protocol/openid-connect/certs").json() == before
    token_file = config.with_name("admin-token")
    token = token_file.read_text().strip()
    assert token_file.stat().st_mode & 0o777 == 0o600
    printed = re.search(r"admin token \(this run only\): (\S+)", peer.log_path.read_text())
    assert printed is not None
    assert printed.group(1) == token
    assert f"-H 'Authorization: Bearer {token}'" in peer.log_path.read_text()
    rotated = httpx.post(rotate, headers={"Authorization": f"Bearer {token}"}).json()
    certs = httpx.get(f"{peer.base_url}/realms/acme/protocol/openid-connect/certs").json()
    assert certs["keys"][0]["kid"] == rotated["keycloak"]["acme"]


def test_stops_on_sigterm(peer_logs: Path, tmp_path: Path) -> None:
    port = free_port()
    cmd = [str(IDP_BIN), "sandbox", "--port", str(port), "--write-config", str(tmp_path / "c.toml")]
    peer = start_peer(
        "idpbridge-sandbox-stop",
        cmd,
        log_dir=peer_logs,
        ready=http_ready(f"http://127.0.0.1:{port}/_sandbox"),
    )
    peer.stop()
    assert peer.proc.returncode == 0
    assert "sandbox stopped" in peer.log_path.read_text()


def test_prints_a_connectors_file_and_exits_after_for() -> None:
    done = cli("sandbox", "--for", "0.2")
    assert done.returncode == 0, done.stderr
    toml = done.stdout[done.stdout.index("# idpbridge connectors") : done.stdout.index("try: ")]
    tables = tomllib.loads(toml)["connectors"]
    assert set(tables) == {"sandbox-keycloak", "sandbox-oidc", "sandbox-cognito"}
    assert "sandbox stopped" in done.stdout


def test_port_taken(running: tuple[Peer, Path]) -> None:
    peer, _ = running
    done = cli("sandbox", "--port", str(peer.port), "--for", "0.1")
    assert done.returncode == 2
    assert "cannot listen" in done.stderr


def test_totp_login_by_hand(running: tuple[Peer, Path]) -> None:
    """``--method totp`` prompts for the password and the authenticator code (hidden)."""
    from typer.testing import CliRunner

    from idpbridge.cli import app
    from tests.support import otp
    from tests.support.otp import fresh_step

    _, config = running
    assert SEED.keycloak is not None
    secret = next(u.totp_secret for u in SEED.keycloak.users if u.username == "bob")
    asyncio.run(fresh_step())
    raw = secret.get_secret_value() if hasattr(secret, "get_secret_value") else str(secret)
    typed = f"{seed_password('bob')}\n{otp.code(raw)}\n"
    args = ["login", "sandbox-keycloak", "-c", str(config), "-m", "totp", "-u", "bob", "--json"]
    result = CliRunner().invoke(app, args, input=typed)
    assert result.exit_code == 0, result.output
    identity = json.loads(result.output[result.output.index("{") :])
    assert identity["method"] == "totp"
    assert identity["username"] == "bob"
    assert seed_password("bob") not in result.output
    wrong = CliRunner().invoke(app, args, input=f"{seed_password('bob')}\n000000\n")
    assert wrong.exit_code == 1
    assert "InvalidCredentials" in wrong.output
