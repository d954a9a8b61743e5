"""``idpbridge jit stats`` against a real store file."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from idpbridge.cli import app
from idpbridge.jit import LinkRequiresReauthentication, MigrationPolicy, Migrator, SQLUserStore

from ._helpers import authenticated, identity


async def populate(path: Path) -> None:
    async with await SQLUserStore.open(path) as store:
        migrator = Migrator(store, MigrationPolicy(email_authoritative={"okta", "apple", "entra"}))
        await migrator.migrate(authenticated())
        await migrator.migrate(
            identity(connector="apple", provider="apple", issuer="https://appleid.apple.com")
        )
        await migrator.migrate(identity(connector="entra", provider="entra", issuer="https://e", subject="x"))
        with pytest.raises(LinkRequiresReauthentication):
            await migrator.migrate(identity(connector="google", issuer="https://g", email_verified=None))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "users.db"
    asyncio.run(populate(path))
    return path


def test_stats_json(db: Path) -> None:
    result = CliRunner().invoke(app, ["jit", "stats", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["users"], data["links"]) == (1, 3)
    counts = {(g["connector"], g["action"]): g["count"] for g in data["by_connector_action"]}
    assert counts == {
        ("okta", "created"): 1,
        ("apple", "linked"): 1,
        ("entra", "linked"): 1,
        ("google", "refused"): 1,
    }
    assert data["recent"][0]["code"] == "jit.reauthentication_required"
    assert "eyJ" not in result.output  # no tokens in the audit trail


def test_stats_table(db: Path) -> None:
    result = CliRunner().invoke(app, ["jit", "stats", "--db", f"sqlite:///{db}", "--recent", "2"])
    assert result.exit_code == 0, result.output
    assert "migrations by connector" in result.output
    assert "refused" in result.output
    assert "1 local users, 3 linked identities" in result.output


def test_stats_refuses_a_missing_file_or_schema(tmp_path: Path) -> None:
    missing = CliRunner().invoke(app, ["jit", "stats", "--db", str(tmp_path / "nope.db")])
    assert missing.exit_code == 2
    assert not (tmp_path / "nope.db").exists()
    (tmp_path / "empty.db").touch()
    empty = CliRunner().invoke(app, ["jit", "stats", "--db", str(tmp_path / "empty.db")])
    assert empty.exit_code == 2
    assert "no idpbridge JIT schema" in empty.output


def test_stats_on_postgres(postgres_url: str) -> None:
    async def seed() -> None:
        async with await SQLUserStore.open(postgres_url) as store:
            await Migrator(store).migrate(identity())

    asyncio.run(seed())
    plain = postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    result = CliRunner().invoke(app, ["jit", "stats", "--db", plain, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["by_connector_action"] == [
        {"connector": "okta", "action": "created", "count": 1}
    ]
