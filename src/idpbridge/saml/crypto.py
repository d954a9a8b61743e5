"""SP-side cryptography: decrypting ``EncryptedAssertion`` and signing HTTP-Redirect requests.

Key transport: RSA-OAEP (``rsa-oaep-mgf1p`` and XML Encryption 1.1 ``rsa-oaep``); content:
AES-CBC and AES-GCM (128/192/256). RSA-1.5 key transport is refused (Bleichenbacher oracle).
"""

from __future__ import annotations

import base64

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree
from pydantic import SecretStr

from ..errors import ConfigurationError, MalformedResponse, TokenValidationError
from ._xml import NS, child, parse, qn

__all__ = ["decrypt_assertion", "decrypt_element", "load_certificate", "load_private_key", "sign_redirect"]

_XENC = NS["xenc"]
_CBC = {f"{_XENC}aes128-cbc": 16, f"{_XENC}aes192-cbc": 24, f"{_XENC}aes256-cbc": 32}
_GCM = {
    "http://www.w3.org/2009/xmlenc11#aes128-gcm": 16,
    "http://www.w3.org/2009/xmlenc11#aes192-gcm": 24,
    "http://www.w3.org/2009/xmlenc11#aes256-gcm": 32,
}
_OAEP = {f"{_XENC}rsa-oaep-mgf1p", "http://www.w3.org/2009/xmlenc11#rsa-oaep"}
_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "http://www.w3.org/2000/09/xmldsig#sha1": hashes.SHA1,
    f"{_XENC}sha256": hashes.SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#sha384": hashes.SHA384,
    f"{_XENC}sha512": hashes.SHA512,
}
_MGF = {
    "http://www.w3.org/2009/xmlenc11#mgf1sha1": hashes.SHA1,
    "http://www.w3.org/2009/xmlenc11#mgf1sha256": hashes.SHA256,
    "http://www.w3.org/2009/xmlenc11#mgf1sha384": hashes.SHA384,
    "http://www.w3.org/2009/xmlenc11#mgf1sha512": hashes.SHA512,
}
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"


def load_certificate(pem: str, *, what: str) -> x509.Certificate:
    """An X.509 certificate from PEM text."""
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        raise ConfigurationError(f"{what} is not a PEM certificate", code="saml.key_invalid") from None


def load_private_key(secret: SecretStr, *, what: str) -> rsa.RSAPrivateKey:
    """An RSA private key from PEM text (never echoed in errors)."""
    try:
        key = serialization.load_pem_private_key(secret.get_secret_value().encode(), password=None)
    except (ValueError, TypeError):
        raise ConfigurationError(f"{what} is not a PEM private key", code="saml.key_invalid") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigurationError(f"{what} must be an RSA key", code="saml.key_invalid")
    return key


def _fail(message: str) -> TokenValidationError:
    return TokenValidationError(message, code="saml.decrypt_failed")


def _b64(element: etree._Element | None) -> bytes:
    if element is None:
        raise _fail("encrypted data is missing a CipherValue")
    try:
        return base64.b64decode("".join((element.text or "").split()), validate=True)
    except ValueError:
        raise _fail("encrypted data has a CipherValue that is not base64") from None


def _encrypted_key(enc_assertion: etree._Element, enc_data: etree._Element) -> etree._Element:
    found = enc_data.findall("ds:KeyInfo/xenc:EncryptedKey", namespaces=NS)
    found += [c for c in enc_assertion if c.tag == qn("xenc", "EncryptedKey")]
    if len(found) != 1:
        raise _fail("expected exactly one EncryptedKey")
    return found[0]


def _unwrap_key(key_el: etree._Element, private_key: rsa.RSAPrivateKey) -> bytes:
    method = child(key_el, "xenc", "EncryptionMethod")
    alg = method.get("Algorithm") if method is not None else None
    if alg not in _OAEP or method is None:
        raise _fail("key transport algorithm not allowed (RSA-OAEP only)")
    dm = method.find("ds:DigestMethod", namespaces=NS)
    digest: type[hashes.HashAlgorithm] | None = (
        _DIGESTS.get(dm.get("Algorithm") or "") if dm is not None else hashes.SHA1
    )
    mgf_el = method.find("xenc11:MGF", namespaces=NS)
    mgf: type[hashes.HashAlgorithm] | None = (
        hashes.SHA1 if mgf_el is None else _MGF.get(mgf_el.get("Algorithm") or "")
    )
    if digest is None or mgf is None:
        raise _fail("unknown OAEP digest")
    if alg.endswith("rsa-oaep-mgf1p"):
        mgf = hashes.SHA1
    cipher = _b64(key_el.find("xenc:CipherData/xenc:CipherValue", namespaces=NS))
    try:
        return private_key.decrypt(
            cipher,
            padding.OAEP(mgf=padding.MGF1(mgf()), algorithm=digest(), label=None),
        )
    except ValueError:
        raise _fail("could not decrypt the assertion") from None  # same text as a content failure


def _decrypt_content(alg: str, key: bytes, data: bytes) -> bytes:
    if alg in _CBC:
        if len(key) != _CBC[alg] or len(data) < 32 or len(data) % 16:
            raise _fail("encrypted data has a bad length")
        dec = Cipher(algorithms.AES(key), modes.CBC(data[:16])).decryptor()
        plain = dec.update(data[16:]) + dec.finalize()
        pad = plain[-1]
        if not 1 <= pad <= 16:
            raise _fail("encrypted data has bad padding")
        return plain[:-pad]
    if alg in _GCM:
        if len(key) != _GCM[alg] or len(data) < 28:
            raise _fail("encrypted data has a bad length")
        try:
            return AESGCM(key).decrypt(data[:12], data[12:], None)
        except Exception:  # cryptography's InvalidTag
            raise _fail("encrypted data failed authentication") from None
    raise _fail("content encryption algorithm not allowed")


def decrypt_assertion(enc_assertion: etree._Element, private_key: rsa.RSAPrivateKey) -> etree._Element:
    """Decrypt ``<saml:EncryptedAssertion>`` into its ``<saml:Assertion>`` (parsed like any input)."""
    return decrypt_element(enc_assertion, private_key, expected=qn("saml", "Assertion"))


def decrypt_element(
    enc_assertion: etree._Element, private_key: rsa.RSAPrivateKey, *, expected: str
) -> etree._Element:
    """Decrypt an ``EncryptedAssertion`` / ``EncryptedID`` wrapper into the element ``expected``."""
    enc_data = child(enc_assertion, "xenc", "EncryptedData")
    if enc_data is None:
        raise _fail("the encrypted element has no EncryptedData")
    method = child(enc_data, "xenc", "EncryptionMethod")
    alg = (method.get("Algorithm") if method is not None else None) or ""
    key = _unwrap_key(_encrypted_key(enc_assertion, enc_data), private_key)
    data = _b64(enc_data.find("xenc:CipherData/xenc:CipherValue", namespaces=NS))
    # One error for every failure after the key is unwrapped (padding, XML, element): distinct
    # errors would be a decryption oracle (Jager & Somorovsky, "How to break XML encryption").
    try:
        assertion = parse(_decrypt_content(alg, key, data), what="decrypted assertion")
    except (TokenValidationError, MalformedResponse):
        assertion = None
    if assertion is None or assertion.tag != expected:
        raise _fail("could not decrypt the assertion")
    return assertion


def sign_redirect(query: str, key: rsa.RSAPrivateKey) -> str:
    """Signature (base64) over the HTTP-Redirect query ``SAMLRequest=…&RelayState=…&SigAlg=…``."""
    return base64.b64encode(key.sign(query.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
