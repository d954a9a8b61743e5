"""moto peer: ``moto_server`` (moto 5.2.5, Cognito IdP) on a free loopback port.

Serves the Cognito user-pools API (pools, clients, users, ``USER_PASSWORD_AUTH``,
``REFRESH_TOKEN_AUTH``, ``NEW_PASSWORD_REQUIRED``, ``SOFTWARE_TOKEN_MFA`` with real RFC 6238
checks thanks to ``MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP``) and each pool's JWKS. Started with
the test interpreter (``python -m moto.server``), so the ``test`` extra is all it needs.

Fixtures: ``moto_server`` (session), ``moto_endpoint`` (its base URL) and ``moto_admin``
(a boto3 cognito-idp client for provisioning, with dummy credentials moto ignores).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ._proc import Peer, free_port, http_ready, start_peer

#: moto serves unsigned operations from us-east-1 only (reference/local-peers.md §3.5).
MOTO_REGION = "us-east-1"


@pytest.fixture(scope="session")
def moto_server(peer_logs: Path) -> Iterator[Peer]:
    """A running moto_server; fails the session (never skips) if it cannot start."""
    port = free_port()
    cmd = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    env = {
        "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true",
        # moto must never find real credentials or a real endpoint in the environment.
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": MOTO_REGION,
    }
    ready = http_ready(f"http://127.0.0.1:{port}/moto-api/")
    peer = start_peer("moto", cmd, log_dir=peer_logs, ready=ready, port=port, env=env, timeout=60)
    try:
        yield peer
    finally:
        peer.stop()


@pytest.fixture(scope="session")
def moto_endpoint(moto_server: Peer) -> str:
    """``http://127.0.0.1:<port>`` of the session's moto server."""
    return moto_server.base_url


@pytest.fixture(scope="session")
def moto_admin(moto_endpoint: str) -> Any:
    """A boto3 cognito-idp client pointed at moto, for provisioning pools and users."""
    import boto3.session

    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=MOTO_REGION
    )
    return session.client("cognito-idp", endpoint_url=moto_endpoint)
