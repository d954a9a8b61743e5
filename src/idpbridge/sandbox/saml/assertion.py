"""Build and sign the ``<samlp:Response>`` the SAML face POSTs to the SP (signxml, RSA-SHA256)."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from ...saml._xml import NS, instant, qn

__all__ = ["signed_response"]

_PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
_BASIC = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
_PASSWORD = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"


def _sign(element: etree._Element, key: rsa.RSAPrivateKey, cert_pem: str) -> etree._Element:
    from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
    from signxml.signer import XMLSigner

    signer = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signer.namespaces = {"ds": NS["ds"]}
    signed = signer.sign(element, key=key, cert=cert_pem, reference_uri=element.get("ID"))
    issuer = signed.find("saml:Issuer", namespaces=NS)
    sig = signed.find("ds:Signature", namespaces=NS)
    if issuer is not None and sig is not None:  # schema order: Issuer, Signature, …
        issuer.addnext(sig)
    return signed


_GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
_OAEP = "http://www.w3.org/2009/xmlenc11#rsa-oaep"


def _encrypt(assertion: etree._Element, cert_pem: str) -> etree._Element:
    """``<saml:EncryptedAssertion>``: AES-256-GCM content, the key RSA-OAEP (SHA-256) to ``cert_pem``."""
    public_key = x509.load_pem_x509_certificate(cert_pem.encode()).public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise ValueError("the SP's encryption certificate must hold an RSA key")
    key, nonce = AESGCM.generate_key(bit_length=256), secrets.token_bytes(12)
    data = nonce + AESGCM(key).encrypt(nonce, etree.tostring(assertion), None)
    wrapped = public_key.encrypt(
        key, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    )
    wrapper = etree.Element(qn("saml", "EncryptedAssertion"), nsmap={"saml": NS["saml"]})
    enc_data = _el(wrapper, "xenc", "EncryptedData", Type="http://www.w3.org/2001/04/xmlenc#Element")
    _el(enc_data, "xenc", "EncryptionMethod", Algorithm=_GCM)
    enc_key = _el(_el(enc_data, "ds", "KeyInfo"), "xenc", "EncryptedKey")
    method = _el(enc_key, "xenc", "EncryptionMethod", Algorithm=_OAEP)
    _el(method, "ds", "DigestMethod", Algorithm="http://www.w3.org/2001/04/xmlenc#sha256")
    _el(method, "xenc11", "MGF", Algorithm="http://www.w3.org/2009/xmlenc11#mgf1sha256")
    _el(_el(enc_key, "xenc", "CipherData"), "xenc", "CipherValue", base64.b64encode(wrapped).decode())
    _el(_el(enc_data, "xenc", "CipherData"), "xenc", "CipherValue", base64.b64encode(data).decode())
    return wrapper


def _new_id() -> str:
    return "_" + secrets.token_hex(16)


def _el(
    parent: etree._Element, prefix: str, local: str, text: str | None = None, **attrs: str
) -> etree._Element:
    el = etree.SubElement(parent, qn(prefix, local), attrib=attrs)
    if text is not None:
        el.text = text
    return el


def signed_response(
    *,
    issuer: str,
    audience: str,
    acs_url: str,
    in_response_to: str,
    name_id: str,
    attributes: Sequence[tuple[str, Sequence[str]]],
    now: dt.datetime,
    lifetime: dt.timedelta,
    key: rsa.RSAPrivateKey,
    cert_pem: str,
    encrypt_to: str | None = None,
) -> str:
    """The base64 ``SAMLResponse``: Response and Assertion each carry an enveloped signature; the
    signed Assertion is encrypted to the certificate ``encrypt_to`` (PEM) when given."""
    nsmap = {"samlp": NS["samlp"], "saml": NS["saml"]}
    until = instant(now + lifetime)
    assertion = etree.Element(qn("saml", "Assertion"), nsmap={"saml": NS["saml"]})
    assertion.attrib.update({"ID": _new_id(), "Version": "2.0", "IssueInstant": instant(now)})
    _el(assertion, "saml", "Issuer", issuer)
    subject = _el(assertion, "saml", "Subject")
    _el(
        subject, "saml", "NameID", name_id, Format=_PERSISTENT, NameQualifier=issuer, SPNameQualifier=audience
    )
    conf = _el(subject, "saml", "SubjectConfirmation", Method="urn:oasis:names:tc:SAML:2.0:cm:bearer")
    _el(
        conf,
        "saml",
        "SubjectConfirmationData",
        InResponseTo=in_response_to,
        NotOnOrAfter=until,
        Recipient=acs_url,
    )
    conditions = _el(assertion, "saml", "Conditions", NotBefore=instant(now), NotOnOrAfter=until)
    _el(_el(conditions, "saml", "AudienceRestriction"), "saml", "Audience", audience)
    authn = _el(assertion, "saml", "AuthnStatement", AuthnInstant=instant(now), SessionIndex=_new_id())
    _el(_el(authn, "saml", "AuthnContext"), "saml", "AuthnContextClassRef", _PASSWORD)
    statement = _el(assertion, "saml", "AttributeStatement")
    for name, values in attributes:
        attr = _el(statement, "saml", "Attribute", Name=name, NameFormat=_BASIC)
        for value in values:
            _el(attr, "saml", "AttributeValue", value)
    signed_assertion = _sign(assertion, key, cert_pem)

    response = etree.Element(qn("samlp", "Response"), nsmap=nsmap)
    response.attrib.update(
        {
            "ID": _new_id(),
            "Version": "2.0",
            "IssueInstant": instant(now),
            "Destination": acs_url,
            "InResponseTo": in_response_to,
        }
    )
    _el(response, "saml", "Issuer", issuer)
    _el(_el(response, "samlp", "Status"), "samlp", "StatusCode", Value=_SUCCESS)
    response.append(signed_assertion if encrypt_to is None else _encrypt(signed_assertion, encrypt_to))
    return base64.b64encode(etree.tostring(_sign(response, key, cert_pem))).decode()
