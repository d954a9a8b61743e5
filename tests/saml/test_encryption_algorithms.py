"""Encryption algorithms the IdPs in the suite do not use by default (AES-GCM, OAEP with SHA-256,
RSA 1.5), applied to a REAL signed assertion captured from LemonLDAP::NG."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from lxml import etree

from idpbridge.errors import TokenValidationError
from tests.peers.lemonldap_saml import LLNGSAMLPeer

from .test_hostile import NS, Capture

pytestmark = pytest.mark.peer("lemonldap")

XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
DS = NS["ds"]


@pytest.fixture(scope="module")
def llng(lemonldap_saml: LLNGSAMLPeer) -> Capture:
    return Capture(lemonldap_saml, {"user": "dwho", "password": "dwho"}, "dwho")


def _encrypt(cap: Capture, content_alg: str, key_alg: str, *, oaep_sha256: bool = False) -> bytes:
    root = etree.fromstring(cap.xml)
    root.remove(root.find("ds:Signature", NS))
    assertion = root.find("saml:Assertion", NS)
    plain = etree.tostring(assertion)
    size = 32 if "256" in content_alg else 16
    key = os.urandom(size)
    if "gcm" in content_alg:
        iv = os.urandom(12)
        data = iv + AESGCM(key).encrypt(iv, plain, None)
    else:
        iv = os.urandom(16)
        pad = 16 - len(plain) % 16
        enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        data = iv + enc.update(plain + bytes([pad]) * pad) + enc.finalize()
    sp_cert = x509.load_pem_x509_certificate(cap.peer.sp.cert_pem.encode())
    if key_alg.endswith("rsa-1_5"):
        wrapped = sp_cert.public_key().encrypt(key, padding.PKCS1v15())  # type: ignore[union-attr]
    else:
        h = hashes.SHA256() if oaep_sha256 else hashes.SHA1()  # noqa: S303 - rsa-oaep-mgf1p is SHA-1 by spec
        wrapped = sp_cert.public_key().encrypt(  # type: ignore[union-attr]
            key, padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None)
        )
    ea = etree.Element(f"{{{NS['saml']}}}EncryptedAssertion")
    ed = etree.SubElement(ea, f"{{{XENC}}}EncryptedData", Type=XENC + "Element")
    etree.SubElement(ed, f"{{{XENC}}}EncryptionMethod", Algorithm=content_alg)
    ek = etree.SubElement(etree.SubElement(ed, f"{{{DS}}}KeyInfo"), f"{{{XENC}}}EncryptedKey")
    em = etree.SubElement(ek, f"{{{XENC}}}EncryptionMethod", Algorithm=key_alg)
    if oaep_sha256:
        etree.SubElement(em, f"{{{DS}}}DigestMethod", Algorithm=XENC + "sha256")
        etree.SubElement(em, f"{{{XENC11}}}MGF", Algorithm=XENC11 + "mgf1sha256")
    cd = etree.SubElement(etree.SubElement(ek, f"{{{XENC}}}CipherData"), f"{{{XENC}}}CipherValue")
    cd.text = base64.b64encode(wrapped).decode()
    cv = etree.SubElement(etree.SubElement(ed, f"{{{XENC}}}CipherData"), f"{{{XENC}}}CipherValue")
    cv.text = base64.b64encode(data).decode()
    root.replace(assertion, ea)
    return etree.tostring(root)


def _key(cap: Capture) -> object:
    return load_pem_private_key(cap.peer.sp.key_pem.encode(), None)


@pytest.mark.parametrize(
    ("content", "transport", "sha256"),
    [
        (XENC11 + "aes128-gcm", XENC + "rsa-oaep-mgf1p", False),
        (XENC11 + "aes256-gcm", XENC11 + "rsa-oaep", True),
        (XENC + "aes256-cbc", XENC11 + "rsa-oaep", True),
    ],
)
def test_accepted_algorithms(llng: Capture, content: str, transport: str, sha256: bool) -> None:
    doc = _encrypt(llng, content, transport, oaep_sha256=sha256)
    result = llng.validate(doc, decryption_key=_key(llng))
    assert result.encrypted
    assert result.name_id == "dwho"


def test_rsa_1_5_key_transport_is_refused(llng: Capture) -> None:
    doc = _encrypt(llng, XENC + "aes128-cbc", XENC + "rsa-1_5")
    with pytest.raises(TokenValidationError) as info:
        llng.validate(doc, decryption_key=_key(llng))
    assert info.value.code == "saml.decrypt_failed"


def test_wrong_decryption_key_is_refused(llng: Capture) -> None:
    from tests.peers.lemonldap_saml import make_keypair

    other = load_pem_private_key(make_keypair("other").key_pem.encode(), None)
    doc = _encrypt(llng, XENC11 + "aes128-gcm", XENC + "rsa-oaep-mgf1p")
    with pytest.raises(TokenValidationError) as info:
        llng.validate(doc, decryption_key=other)
    assert info.value.code == "saml.decrypt_failed"


def test_decryption_failures_look_alike(llng: Capture) -> None:
    """Bad padding, broken XML and a wrong key give one error: no decryption oracle."""
    doc = etree.fromstring(_encrypt(llng, XENC + "aes128-cbc", XENC + "rsa-oaep-mgf1p"))
    value = doc.find(f".//{{{XENC}}}EncryptedData/{{{XENC}}}CipherData/{{{XENC}}}CipherValue")
    raw = bytearray(base64.b64decode(value.text))
    seen = set()
    for position in (len(raw) - 1, 40):  # the padding byte's block, then a block of the XML
        broken = bytearray(raw)
        broken[position - 16] ^= 0x41
        value.text = base64.b64encode(bytes(broken)).decode()
        with pytest.raises(TokenValidationError) as info:
            llng.validate(etree.tostring(doc), decryption_key=_key(llng))
        seen.add((info.value.code, info.value.message))
    from tests.peers.lemonldap_saml import make_keypair

    value.text = base64.b64encode(bytes(raw)).decode()
    other = load_pem_private_key(make_keypair("x").key_pem.encode(), None)
    with pytest.raises(TokenValidationError) as info:
        llng.validate(etree.tostring(doc), decryption_key=other)
    seen.add((info.value.code, info.value.message))
    assert seen == {("saml.decrypt_failed", "could not decrypt the assertion")}
