"""A user with only a legacy REST endpoint: connectors file, ``idpbridge check``/``login``, JIT migration."""

from __future__ import annotations

import importlib.metadata as md
import json
import os
import subprocess
import sys
from pathlib import Path

from pydantic import SecretStr

import idpbridge
from idpbridge import Password
from idpbridge.jit import MigrationPolicy, Migrator, SQLUserStore
from idpbridge.registry import ENTRY_POINT_GROUP, Registry

from ._service import LegacyService

ROOT = Path(__file__).resolve().parents[3]
EP = "idpbridge.providers.legacy:PLUGIN"

CONNECTORS = """
[connectors.old-crm]
provider = "legacy"
issuer = "https://crm.acme.example"
methods = ["password", "token"]

[connectors.old-crm.client_auth]
kind = "hmac"
secret = "${{LEGACY_HMAC_SECRET}}"
signature_header = "X-Sig"
timestamp_header = "X-Ts"

[connectors.old-crm.password]
url = "{login}"
body = {{ user = "{{username}}", pass = "{{password}}" }}

[connectors.old-crm.token]
method = "GET"
url = "{validate}"
headers = {{ Authorization = "Bearer {{token}}" }}

[connectors.old-crm.response]
success_path = "ok"
failure_path = "error.code"
failures = {{ BAD_PASSWORD = "invalid_credentials", NO_USER = "user_not_found", LOCKED = "locked" }}
subject = "user.id"
username = "user.login"
email = "user.email"
email_verified = "user.email_verified"
name = "user.display_name"
groups = "user.groups"

[connectors.old-crm.token_response]
success_path = "active"
subject = "sub"
username = "username"
email = "email"
"""


def connectors_file(tmp_path: Path, service: LegacyService) -> Path:
    path = tmp_path / "connectors.toml"
    text = CONNECTORS.format(login=service.url("/hmac/login"), validate=service.url("/token/validate"))
    path.write_text(text)
    return path


def legacy_registered() -> bool:
    return any(ep.name == "legacy" for ep in md.entry_points(group=ENTRY_POINT_GROUP))


def load_connectors(path: Path) -> idpbridge.Connectors:
    """The connectors file loaded as a user would (the ``legacy`` entry point added when missing)."""
    entries = list(md.entry_points(group=ENTRY_POINT_GROUP))
    if not legacy_registered():
        entries.append(md.EntryPoint(name="legacy", value=EP, group=ENTRY_POINT_GROUP))
    return idpbridge.load(
        path, env={"LEGACY_HMAC_SECRET": "hmac-shared-secret"}, registry=Registry(lambda: entries)
    )


def cli_env(tmp_path: Path) -> dict[str, str]:
    """This worktree's code; the ``legacy`` entry point too when the installed metadata predates it."""
    paths = [str(ROOT / "src")]
    if not legacy_registered():
        info = tmp_path / "site" / "idpbridge_legacy_ep-0.dist-info"
        info.mkdir(parents=True, exist_ok=True)
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: idpbridge-legacy-ep\nVersion: 0\n")
        (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nlegacy = {EP}\n")
        paths.insert(0, str(info.parent))
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "LEGACY_HMAC_SECRET": "hmac-shared-secret"}


def cli(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "idpbridge", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=cli_env(tmp_path),
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


def test_check_and_login_from_the_command_line(tmp_path: Path, service: LegacyService) -> None:
    path = connectors_file(tmp_path, service)
    checked = cli(tmp_path, "check", "old-crm", "-c", str(path), "--json")
    assert checked.returncode == 0, checked.stderr
    results = {r["name"]: r for r in json.loads(checked.stdout)["results"]}
    assert results["known_bad_credential"]["ok"]
    assert "user.id" in results["mapping"]["detail"]
    assert "hmac" in results["mapping"]["detail"]

    args = (
        "login",
        "old-crm",
        "-c",
        str(path),
        "-m",
        "password",
        "-u",
        "alice",
        "--password-stdin",
        "--json",
    )
    login = cli(tmp_path, *args, stdin="correct horse\n")
    assert login.returncode == 0, login.stderr
    assert "correct horse" not in login.stdout + login.stderr
    assert "hmac-shared-secret" not in login.stdout + login.stderr
    identity = json.loads(login.stdout)
    assert "1001" in json.dumps(identity)
    refused = cli(tmp_path, *args, stdin="wrong\n")
    assert refused.returncode != 0
    assert "invalid" in refused.stderr.lower()


async def test_jit_migration_of_a_legacy_login(tmp_path: Path, service: LegacyService) -> None:
    path = connectors_file(tmp_path, service)
    connectors = load_connectors(path)
    store = await SQLUserStore.open(tmp_path / "users.db")
    try:
        async with connectors:
            outcome = await connectors["old-crm"].authenticate(Password("alice", SecretStr("correct horse")))
        migrator = Migrator(store, MigrationPolicy(email_authoritative=frozenset({"old-crm"})))
        first = await migrator.migrate(outcome)
        again = await migrator.migrate(outcome)
    finally:
        await store.aclose()
    assert first.action == "created"
    assert again.action == "unchanged"
    assert first.user_id == again.user_id


def test_token_login_from_the_command_line(tmp_path: Path, service: LegacyService) -> None:
    """``idpbridge login -m token``: the token read from stdin or a file, never echoed."""
    path = connectors_file(tmp_path, service)
    base = ("login", "old-crm", "-c", str(path), "-m", "token", "-u", "alice", "--json")
    piped = cli(tmp_path, *base, "--token-file", "-", stdin="tok-alice\n")
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["method"] == "token"
    assert "tok-alice" not in piped.stdout + piped.stderr
    token_file = tmp_path / "token.txt"
    token_file.write_text("tok-alice\n")
    from_file = cli(tmp_path, *base, "--token-file", str(token_file))
    assert from_file.returncode == 0, from_file.stderr
    # the seed rule: the token belongs to bob, the username says alice
    other = cli(tmp_path, *base, "--token-file", "-", stdin="tok-bob\n")
    assert other.returncode != 0
    assert "token.username" in other.stderr
    assert "tok-bob" not in other.stdout + other.stderr
    empty = cli(tmp_path, *base, "--token-file", "-", stdin="\n")
    assert empty.returncode == 2


async def test_migrated_users_show_in_jit_stats(tmp_path: Path, service: LegacyService) -> None:
    """The whole "Done when": connectors file -> login -> JIT migration -> `idpbridge jit stats`."""
    path = connectors_file(tmp_path, service)
    connectors = load_connectors(path)
    store = await SQLUserStore.open(tmp_path / "users.db")
    try:
        async with connectors:
            outcome = await connectors["old-crm"].authenticate(Password("alice", SecretStr("correct horse")))
        await Migrator(store).migrate(outcome)
    finally:
        await store.aclose()
    stats = cli(tmp_path, "jit", "stats", "--db", str(tmp_path / "users.db"), "--json")
    assert stats.returncode == 0, stats.stderr
    report = json.loads(stats.stdout)
    assert report["users"] == 1
    assert "old-crm" in json.dumps(report)
