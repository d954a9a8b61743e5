"""The reference migration service (examples/migration-service) as real uvicorn workers."""

from __future__ import annotations

import dataclasses
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from idpbridge.continuation import ContinuationKeys
from idpbridge.sandbox import Sandbox, totp_code
from idpbridge.sandbox.connectors import COGNITO, KEYCLOAK, connectors_toml
from tests.peers._proc import Peer, free_port, http_ready, start_peer

SERVICE_DIR = Path(__file__).resolve().parents[2] / "examples" / "migration-service"
SAML = "sandbox-saml"


@dataclasses.dataclass
class Service:
    """The running service: its URL, the sandbox it signs in against, its database."""

    base_url: str
    sandbox: Sandbox
    database: Path
    peer: Peer
    used_codes: set[str] = dataclasses.field(default_factory=set)

    def totp(self, secret: str) -> str:
        """A TOTP code the sandbox accepts and no earlier test spent (Keycloak refuses a reused code
        for as long as it is valid: the previous, current and next 30 s step)."""
        now = self.sandbox.keycloak.clock()  # type: ignore[union-attr]
        for offset in (0, 30, -30):
            code = totp_code(secret, now + offset)
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code
        pytest.fail("every TOTP code of the accepted window was spent by earlier tests")


def service_config(sandbox: Sandbox, base_url: str, redis_url: str) -> str:
    """The connectors file a deployment would write: shared keys, Redis, an organization."""
    tables = sandbox.connector_tables()
    # Stock Keycloak answers a missing TOTP like a wrong password: ask for the code after either.
    keycloak = {**tables[KEYCLOAK], "totp_step": "after_invalid_credentials"}
    settings = (
        "[settings]\n"
        f'continuation_keys = ["{ContinuationKeys.new_key()}"]\n'
        f'store = "{redis_url}"\n'
        f'store_prefix = "svc-{secrets.token_hex(4)}:"\n\n'
    )
    org = f"""
[connectors.{SAML}]
provider = "saml"
idp_metadata_url = "{sandbox.saml_metadata_url}"
sp_entity_id = "{base_url}/saml/sp"
acs_url = "{base_url}/auth/{SAML}/saml/acs"
name_id_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"

[organizations.globex]
name = "Globex Corporation"
connector = "{SAML}"
domains = ["globex.example"]
verified_domains = ["globex.example"]
"""
    return settings + connectors_toml({KEYCLOAK: keycloak, COGNITO: tables[COGNITO]}) + org


@pytest.fixture(scope="module")
def service(redis_url: str, peer_logs: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """``uvicorn service:app --workers 2`` sharing the session's Redis, on the sandbox IdP."""
    with Sandbox() as sandbox:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        work = tmp_path_factory.mktemp("migration-service")
        config = work / "idpbridge.toml"
        config.write_text(service_config(sandbox, base_url, redis_url))
        database = work / "users.db"
        env = {
            "MIGRATION_CONFIG": str(config),
            "MIGRATION_DATABASE": str(database),
            "MIGRATION_SECRET": ContinuationKeys.new_key(),
            "MIGRATION_INSECURE_HTTP": "1",  # plain http on loopback
        }
        cmd = [sys.executable, "-m", "uvicorn", "service:app", "--app-dir", str(SERVICE_DIR),
               "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
               "--timeout-keep-alive", "60", "--log-level", "warning"]  # fmt: skip
        peer = start_peer(
            "migration-service",
            cmd,
            log_dir=peer_logs,
            ready=http_ready(f"{base_url}/healthz"),
            port=port,
            env=env,
        )
        try:
            yield Service(base_url, sandbox, database, peer)
        finally:
            peer.stop()


@pytest.fixture
def workers(service: Service) -> Iterator[dict[int, httpx.Client]]:
    """One keep-alive client pinned to each of the two workers: ``{pid: client}``.

    A connection stays with the worker that accepted it, so opening connections until both pids
    have answered gives a client per worker.
    """
    pinned: dict[int, httpx.Client] = {}
    spare: list[httpx.Client] = []
    for _ in range(100):
        client = httpx.Client(base_url=service.base_url, follow_redirects=False, timeout=20)
        pid = int(client.get("/healthz").headers["x-served-by"])
        if pid in pinned:
            spare.append(client)
        else:
            pinned[pid] = client
        if len(pinned) == 2:
            break
    for c in spare:
        c.close()
    if len(pinned) != 2:
        pytest.fail(
            f"the service did not answer from two workers: {sorted(pinned)}\n{service.peer.log_tail()}"
        )
    try:
        yield pinned
    finally:
        for c in pinned.values():
            c.close()
