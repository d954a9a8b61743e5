"""SimpleSAMLphp 1.19 (Debian) as a real SAML 2.0 IdP on 127.0.0.1 (shared/reference/local-peers.md §10.1).

Served by PHP's built-in server (no Apache) from ``/usr/share/simplesamlphp/www`` with the
configuration in tests/peers/simplesamlphp/ (``SIMPLESAMLPHP_CONFIG_DIR``); keys, sessions and logs
live in a temporary run directory. Users ``alice/alicepass`` and ``bob/bobpass``. The SP is
``http://127.0.0.1:9999/sp`` with ACS ``http://127.0.0.1:9999/acs``, like the LemonLDAP::NG peer.

:func:`start_ssp` starts one instance (signing, encryption and rollover toggles); the session
fixture ``simplesamlphp`` is the default one (signed Response and Assertion).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ._proc import Peer, free_port, http_ready, require_binary, start_peer
from .lemonldap_saml import ACS_URL, SP_ENTITY_ID, KeyPair, make_keypair

TEMPLATES = Path(__file__).parent / "simplesamlphp"
WWW = Path("/usr/share/simplesamlphp/www")


@dataclass
class SSPPeer:
    """A running SimpleSAMLphp IdP."""

    peer: Peer
    port: int
    run: Path
    idp: KeyPair
    sp: KeyPair

    @property
    def metadata_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/saml2/idp/metadata.php"

    def stop(self) -> None:
        self.peer.stop()
        shutil.rmtree(self.run, ignore_errors=True)


def start_ssp(
    run: Path,
    log_dir: Path,
    *,
    sp: KeyPair,
    idp: KeyPair | None = None,
    next_idp: KeyPair | None = None,
    sign_response: bool = True,
    sign_assertion: bool = True,
    encrypt: bool = False,
    encrypt_name_id: bool = False,
    port: int | None = None,
) -> SSPPeer:
    """Start SimpleSAMLphp under ``run`` (``next_idp``: publish a second certificate for rollover)."""
    php = require_binary("php")
    if not (WWW / "module.php").is_file():
        pytest.fail("SimpleSAMLphp is not installed: run `bash tests/peers/install.sh` (nox -s tests does)")
    modules = subprocess.run([php, "-m"], capture_output=True, text=True, check=False).stdout.split()
    if "dom" not in modules:
        pytest.fail("php-xml (DOM) is missing for SimpleSAMLphp: run `bash tests/peers/install.sh`")
    port = port or free_port()
    idp = idp or make_keypair("ssp-idp")
    for d in ("cert", "data", "tmp", "log", "sessions"):
        (run / d).mkdir(parents=True, exist_ok=True)
    (run / "cert" / "idp.key").write_text(idp.key_pem)
    (run / "cert" / "idp.crt").write_text(idp.cert_pem)
    (run / "cert" / "sp.crt").write_text(sp.cert_pem)
    if next_idp is not None:
        (run / "cert" / "new.crt").write_text(next_idp.cert_pem)
    env = {
        "SIMPLESAMLPHP_CONFIG_DIR": str(TEMPLATES / "config"),
        "SSP_TEMPLATES": str(TEMPLATES),
        "SSP_RUN": str(run),
        "SSP_BASEURL": f"http://127.0.0.1:{port}/",
        "SSP_SP_ENTITY": SP_ENTITY_ID,
        "SSP_ACS": ACS_URL,
        "SSP_SIGN_RESPONSE": "1" if sign_response else "0",
        "SSP_SIGN_ASSERTION": "1" if sign_assertion else "0",
        "SSP_ENCRYPT_ASSERTION": "1" if encrypt else "0",
        "SSP_ENCRYPT_NAMEID": "1" if encrypt_name_id else "0",
        "SSP_NEW_CERT": "1" if next_idp is not None else "0",
        "PHP_CLI_SERVER_WORKERS": "2",
    }
    peer = start_peer(
        "simplesamlphp",
        [php, "-S", f"127.0.0.1:{port}", "-t", str(WWW)],
        log_dir=log_dir,
        ready=http_ready(f"http://127.0.0.1:{port}/saml2/idp/metadata.php"),
        port=port,
        cwd=run,
        env=env,
        timeout=30,
    )
    return SSPPeer(peer=peer, port=port, run=run, idp=idp, sp=sp)


@pytest.fixture(scope="session")
def simplesamlphp(peer_logs: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SSPPeer]:
    """The session's SimpleSAMLphp IdP (signed Response and Assertion, no encryption)."""
    peer = start_ssp(tmp_path_factory.mktemp("ssp"), peer_logs, sp=make_keypair("idpbridge-sp"))
    try:
        yield peer
    finally:
        peer.stop()
