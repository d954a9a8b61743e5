"""LemonLDAP::NG 2.16 (Debian) as a real SAML 2.0 IdP on 127.0.0.1 (shared/reference/local-peers.md §10.2).

The portal runs under Starman with the Debian demo configuration patched for loopback and its
SAML issuer enabled (Lasso, ``liblasso-perl`` + ``libxml-simple-perl`` from tests/peers/install.sh).
Keys and certificates are generated at start with ``cryptography``. One SP is registered: entity
``http://127.0.0.1:9999/sp``, ACS ``http://127.0.0.1:9999/acs``. Users ``dwho/dwho``, ``rtyler/rtyler``.

:func:`start_llng_saml` starts one instance (``encrypt`` asks for EncryptedAssertion; ``idp_key``
re-keys the IdP for a rollover test); the session fixture ``lemonldap_saml`` is the default one.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ._proc import Peer, free_port, require_binary
from .lemonldap import start_portal, write_config

SP_ENTITY_ID = "http://127.0.0.1:9999/sp"
ACS_URL = "http://127.0.0.1:9999/acs"
BASIC = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"


@dataclass(frozen=True)
class KeyPair:
    """A PEM private key and its self-signed certificate."""

    key_pem: str
    cert_pem: str

    @property
    def cert_b64(self) -> str:
        return "".join(self.cert_pem.strip().splitlines()[1:-1])


def make_keypair(cn: str) -> KeyPair:
    """A fresh RSA-2048 key with a self-signed certificate valid for a year."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return KeyPair(key_pem, cert.public_bytes(serialization.Encoding.PEM).decode())


def sp_metadata(sp: KeyPair) -> str:
    kd = (
        '<md:KeyDescriptor use="{use}"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
        "<ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
        "</md:KeyDescriptor>"
    )
    keys = kd.format(use="signing", cert=sp.cert_b64) + kd.format(use="encryption", cert=sp.cert_b64)
    return (
        f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{SP_ENTITY_ID}">'
        '<md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true" '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f"{keys}"
        "<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>"
        '<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
        f'Location="{ACS_URL}" index="0" isDefault="true"/>'
        "</md:SPSSODescriptor></md:EntityDescriptor>"
    )


@dataclass
class LLNGSAMLPeer:
    """A running LemonLDAP::NG SAML IdP."""

    peer: Peer
    port: int
    run: Path
    idp: KeyPair
    sp: KeyPair

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def metadata_url(self) -> str:
        return self.base + "/saml/metadata"

    def stop(self) -> None:
        self.peer.stop()
        shutil.rmtree(self.run, ignore_errors=True)


def _require_installed() -> None:
    probe = ["perl", "-MLemonldap::NG::Portal", "-MStarman", "-MLasso", "-MXML::Simple", "-e1"]
    if subprocess.run(probe, capture_output=True, check=False).returncode:
        pytest.fail(
            "LemonLDAP::NG SAML (liblasso-perl, libxml-simple-perl) is not installed: "
            "run `bash tests/peers/install.sh` (nox -s tests does)"
        )


def start_llng_saml(
    run: Path,
    log_dir: Path,
    *,
    sp: KeyPair,
    idp: KeyPair | None = None,
    encrypt: bool = False,
    sign_response: bool = True,
    check_request_signature: bool = False,
    port: int | None = None,
) -> LLNGSAMLPeer:
    """Start a LemonLDAP::NG SAML IdP under ``run`` (fails the test if it cannot come up)."""
    plackup = require_binary("plackup")
    _require_installed()
    port = port or free_port()
    idp = idp or make_keypair("llng-idp")
    ini = write_config(run, port)
    conf_path = run / "conf" / "lmConf-1.json"
    conf = json.loads(conf_path.read_text())
    attrs = {
        "uid": f"1;uid;{BASIC}",
        "mail": f"0;mail;{BASIC}",
        "cn": f"0;cn;{BASIC}",
        "groups": f"0;groups;{BASIC}",
    }
    conf.update(
        {
            "issuerDBSAMLActivation": 1,
            "samlServicePrivateKeySig": idp.key_pem,
            "samlServicePublicKeySig": idp.cert_pem,
            "samlServiceSignatureMethod": "RSA_SHA256",
            "samlSPMetaDataXML": {"sp1": {"samlSPMetaDataXML": sp_metadata(sp)}},
            "samlSPMetaDataOptions": {
                "sp1": {
                    "samlSPMetaDataOptionsNameIDFormat": "persistent",
                    "samlSPMetaDataOptionsNameIDSessionKey": "uid",
                    "samlSPMetaDataOptionsCheckSSOMessageSignature": 1 if check_request_signature else 0,
                    "samlSPMetaDataOptionsSignSSOMessage": 1 if sign_response else 0,
                    "samlSPMetaDataOptionsEncryptionMode": "assertion" if encrypt else "none",
                    "samlSPMetaDataOptionsSignatureMethod": "RSA_SHA256",
                }
            },
            "samlSPMetaDataExportedAttributes": {"sp1": attrs},
        }
    )
    conf_path.write_text(json.dumps(conf, indent=1))
    peer = start_portal(
        "lemonldap-saml",
        plackup=plackup,
        run=run,
        port=port,
        ini=ini,
        log_dir=log_dir,
        ready_path="/saml/metadata",
    )
    return LLNGSAMLPeer(peer=peer, port=port, run=run, idp=idp, sp=sp)


@pytest.fixture(scope="session")
def lemonldap_saml(peer_logs: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LLNGSAMLPeer]:
    """The session's LemonLDAP::NG SAML IdP (signed Response and Assertion, no encryption)."""
    peer = start_llng_saml(tmp_path_factory.mktemp("llng-saml"), peer_logs, sp=make_keypair("idpbridge-sp"))
    try:
        yield peer
    finally:
        peer.stop()
