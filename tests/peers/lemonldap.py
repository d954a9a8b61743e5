"""LemonLDAP::NG 2.16 (Debian) portal as a second, independent OpenID Provider on 127.0.0.1.

The portal (which carries the OIDC OP endpoints) is served straight from ``plackup``/Starman with
no web server in front; its configuration is the Debian demo configuration (``Demo``
authentication: users ``dwho/dwho``, ``rtyler/rtyler``, ``msmith/msmith``) patched for a loopback
issuer and one relying party: ``test-client``/``test-secret``, redirect URI
``http://127.0.0.1:8765/callback``, PKCE required, password grant and refresh tokens allowed,
consent bypassed. See shared/reference/local-peers.md §4a. Installed by tests/peers/install.sh.

Fixture: ``lemonldap`` (session).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ._proc import Peer, free_port, http_ready, require_binary, start_peer

DEMO_CONF = Path("/var/lib/lemonldap-ng/conf/lmConf-1.json")
REDIRECT_URI = "http://127.0.0.1:8765/callback"
CLIENT_ID, CLIENT_SECRET = "test-client", "test-secret"
USERS = {"dwho": "dwho", "rtyler": "rtyler", "msmith": "msmith"}

PSGI = """use Plack::Builder;
use Lemonldap::NG::Portal;
my $portal = Lemonldap::NG::Portal->run( {} );
builder {
    enable "Plack::Middleware::Static", path => qr{^/static/},
        root => '/usr/share/lemonldap-ng/portal/htdocs/';
    $portal;
};
"""


@dataclass
class LemonLDAPPeer:
    """A running LemonLDAP::NG portal."""

    peer: Peer
    port: int

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _keys() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def write_config(run: Path, port: int) -> Path:
    """Write lemonldap-ng.ini and conf/lmConf-1.json under ``run``; return the ini path."""
    base = f"http://127.0.0.1:{port}"
    for d in ("conf", "sessions/lock", "psessions/lock", "cache", "notifications"):
        (run / d).mkdir(parents=True, exist_ok=True)
    ini = run / "lemonldap-ng.ini"
    ini.write_text(
        f"""[all]
logLevel = notice
checkTime = 1
[configuration]
type = File
dirName = {run}/conf
prettyPrint = 1
localStorage = Cache::FileCache
localStorageOptions = {{ 'namespace' => 'lemonldap-ng-config', 'default_expires_in' => 600, \
'directory_umask' => '007', 'cache_root' => '{run}/cache', 'cache_depth' => 3 }}
[portal]
staticPrefix = /static
templateDir = /usr/share/lemonldap-ng/portal/templates
languages = en
[handler]
status = 0
useRedirectOnError = 1
"""
    )
    private, public = _keys()
    conf = json.loads(DEMO_CONF.read_text())
    conf.update(
        {
            "cfgNum": 1,
            "portal": base + "/",
            "domain": "127.0.0.1",
            "securedCookie": 0,
            "globalStorageOptions": {
                "Directory": f"{run}/sessions",
                "LockDirectory": f"{run}/sessions/lock",
                "generateModule": "Lemonldap::NG::Common::Apache::Session::Generate::SHA256",
            },
            "persistentStorageOptions": {
                "Directory": f"{run}/psessions",
                "LockDirectory": f"{run}/psessions/lock",
            },
            "localSessionStorageOptions": {
                "cache_depth": 3,
                "cache_root": f"{run}/cache",
                "default_expires_in": 600,
                "directory_umask": "007",
                "namespace": "lemonldap-ng-sessions",
            },
            "notificationStorageOptions": {"dirName": f"{run}/notifications"},
            "locationRules": {"127.0.0.1": {"default": "accept"}},
            "issuerDBOpenIDConnectActivation": 1,
            "issuerDBOpenIDConnectPath": "^/oauth2/",
            "oidcServiceMetaDataIssuer": base,
            "oidcServicePrivateKeySig": private,
            "oidcServicePublicKeySig": public,
            "oidcServiceKeyIdSig": "llng-rs256",
            "oidcServiceAllowAuthorizationCodeFlow": 1,
            "oidcRPMetaDataOptions": {
                "testrp": {
                    "oidcRPMetaDataOptionsClientID": CLIENT_ID,
                    "oidcRPMetaDataOptionsClientSecret": CLIENT_SECRET,
                    "oidcRPMetaDataOptionsRedirectUris": REDIRECT_URI,
                    "oidcRPMetaDataOptionsAllowPasswordGrant": 1,
                    "oidcRPMetaDataOptionsRequirePKCE": 1,
                    "oidcRPMetaDataOptionsBypassConsent": 1,
                    "oidcRPMetaDataOptionsIDTokenSignAlg": "RS256",
                    "oidcRPMetaDataOptionsRefreshToken": 1,
                    "oidcRPMetaDataOptionsAllowOffline": 1,
                    "oidcRPMetaDataOptionsPublic": 0,
                    "oidcRPMetaDataOptionsIDTokenForceClaims": 1,
                }
            },
            "oidcRPMetaDataExportedVars": {
                "testrp": {"email": "mail", "name": "cn", "preferred_username": "uid"}
            },
        }
    )
    (run / "conf" / "lmConf-1.json").write_text(json.dumps(conf, indent=1))
    (run / "portal.psgi").write_text(PSGI)
    return ini


def start_portal(
    name: str, *, plackup: str, run: Path, port: int, ini: Path, log_dir: Path, ready_path: str
) -> Peer:
    """Serve the portal written by :func:`write_config` in ``run`` with Starman on ``port``."""
    return start_peer(
        name,
        [
            plackup,
            "-s",
            "Starman",
            "--workers",
            "2",
            "--listen",
            f"127.0.0.1:{port}",
            str(run / "portal.psgi"),
        ],
        log_dir=log_dir,
        ready=http_ready(f"http://127.0.0.1:{port}{ready_path}"),
        port=port,
        cwd=run,
        env={"LLNG_DEFAULTCONFFILE": str(ini)},
        timeout=60,
    )


@pytest.fixture(scope="session")
def lemonldap(peer_logs: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LemonLDAPPeer]:
    """The session's LemonLDAP::NG OpenID Provider."""
    plackup = require_binary("plackup")
    if (
        not DEMO_CONF.is_file()
        or subprocess.run(
            ["perl", "-MLemonldap::NG::Portal", "-MStarman", "-e1"], capture_output=True, check=False
        ).returncode
    ):
        pytest.fail("LemonLDAP::NG is not installed: run `bash tests/peers/install.sh` (nox -s tests does)")
    run = tmp_path_factory.mktemp("lemonldap")
    port = free_port()
    ini = write_config(run, port)
    peer = start_portal(
        "lemonldap",
        plackup=plackup,
        run=run,
        port=port,
        ini=ini,
        log_dir=peer_logs,
        ready_path="/.well-known/openid-configuration",
    )
    try:
        yield LemonLDAPPeer(peer=peer, port=port)
    finally:
        peer.stop()
        shutil.rmtree(run, ignore_errors=True)
