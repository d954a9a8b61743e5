"""Shared fixtures. Peer fixtures live in tests/peers/*.py and are loaded as plugins here."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins: list[str] = [
    "tests.peers.postgres",
    "tests.peers.redis",
    "tests.peers.oidc_provider",
    "tests.peers.lemonldap",
    "tests.peers.moto",
]


@pytest.fixture(scope="session")
def peer_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Directory for the log files of peers started by this test session."""
    return tmp_path_factory.mktemp("peer-logs")
