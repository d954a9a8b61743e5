"""Shared fixtures. Peer fixtures live in tests/peers/*.py and are loaded as plugins here."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest

pytest_plugins: list[str] = [
    "tests.peers.postgres",
    "tests.peers.redis",
    "tests.peers.oidc_provider",
    "tests.peers.lemonldap",
    "tests.peers.moto",
    "tests.peers.chromium",
    "tests.peers.glewlwyd",
    "tests.peers.lemonldap_saml",
    "tests.peers.simplesamlphp",
]


def pytest_configure(config: pytest.Config) -> None:
    """Make the test plugin distributions importable when nox did not install them."""
    from tests.support.plugin_dists import ensure_installed

    ensure_installed()


@pytest.fixture(scope="session")
def peer_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Directory for the log files of peers started by this test session."""
    return tmp_path_factory.mktemp("peer-logs")


_LOOPBACK = {"localhost", "127.0.0.1", "::1", "ip6-localhost"}


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any name lookup of a non-loopback host: the suite talks to peers on 127.0.0.1 only.

    ``nox -s record -- <provider>`` (which sets ``IDPBRIDGE_RECORD``) lifts the guard so a provider's
    cassettes can be re-recorded against its real test tenant.
    """
    if os.environ.get("IDPBRIDGE_RECORD"):
        return
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and name not in _LOOPBACK and not str(name).startswith("127."):
            raise AssertionError(f"test tried to reach {name!r}: only loopback is allowed")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
