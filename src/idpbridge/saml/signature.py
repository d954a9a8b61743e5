"""XML signature checks with signxml: only what the signature covers comes back.

:func:`verify_enveloped` verifies the ``ds:Signature`` that is a direct child of ``element``
against the IdP's metadata certificates and returns the element re-parsed from the exact bytes
that were signed. The caller uses that copy and nothing else, so content outside the signature
(XML signature wrapping) is never read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from lxml import etree

from ..errors import TokenValidationError
from ._xml import NS, children, parse

__all__ = ["UnknownSigningKey", "allowed_algorithms", "verify_enveloped"]

_SHA1_SIG = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1",
}
_SHA1_DIGEST = {"http://www.w3.org/2000/09/xmldsig#sha1"}
SIGNATURE_METHODS = {
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
}
DIGEST_METHODS = {
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
}


#: Transforms a SAML signature may use: enveloped signature and the canonicalizations (no XPath, no XSLT).
TRANSFORMS = {
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    "http://www.w3.org/2006/12/xml-c14n11",
    "http://www.w3.org/2006/12/xml-c14n11#WithComments",
}


class UnknownSigningKey(TokenValidationError):
    """No metadata certificate verifies the signature (``saml.signature_invalid``); the
    connector refreshes the metadata once (key rollover) before giving up."""

    default_code = "saml.signature_invalid"


def allowed_algorithms(*, allow_sha1: bool) -> tuple[set[str], set[str]]:
    """``(signature methods, digest methods)`` accepted."""
    if allow_sha1:
        return SIGNATURE_METHODS | _SHA1_SIG, DIGEST_METHODS | _SHA1_DIGEST
    return set(SIGNATURE_METHODS), set(DIGEST_METHODS)


def _refuse(message: str, code: str) -> TokenValidationError:
    return TokenValidationError(message, code=code)


def _check_algorithms(signature: etree._Element, *, allow_sha1: bool) -> None:
    sig_methods, digests = allowed_algorithms(allow_sha1=allow_sha1)
    method = signature.find("ds:SignedInfo/ds:SignatureMethod", namespaces=NS)
    if method is None or method.get("Algorithm") not in sig_methods:
        raise _refuse("signature algorithm not allowed", "saml.algorithm_not_allowed")
    refs = signature.findall("ds:SignedInfo/ds:Reference", namespaces=NS)
    if len(refs) != 1:
        raise _refuse("a SAML signature must have exactly one Reference", "saml.signature_invalid")
    digest = refs[0].find("ds:DigestMethod", namespaces=NS)
    if digest is None or digest.get("Algorithm") not in digests:
        raise _refuse("digest algorithm not allowed", "saml.algorithm_not_allowed")
    c14n = signature.find("ds:SignedInfo/ds:CanonicalizationMethod", namespaces=NS)
    transforms = refs[0].findall("ds:Transforms/ds:Transform", namespaces=NS)
    used = [c14n.get("Algorithm") if c14n is not None else None] + [t.get("Algorithm") for t in transforms]
    if any(alg not in TRANSFORMS for alg in used):
        raise _refuse("signature transform not allowed", "saml.algorithm_not_allowed")
    parent = signature.getparent()
    if parent is None or refs[0].get("URI") != "#" + (parent.get("ID") or "\0"):
        raise _refuse("the signature does not reference its parent element", "saml.signature_wrapping")


def _config(cert: x509.Certificate, *, allow_sha1: bool, now: dt.datetime) -> Any:
    from signxml.algorithms import DigestAlgorithm, SignatureMethod
    from signxml.verifier import SignatureConfiguration

    sig_methods, digests = allowed_algorithms(allow_sha1=allow_sha1)
    # The metadata is the trust anchor: certificate validity dates are reported by check(), not
    # enforced per signature (IdPs commonly publish long-expired self-signed certificates).
    when = min(max(now, cert.not_valid_before_utc), cert.not_valid_after_utc)
    return SignatureConfiguration(
        location="./",
        expect_references=1,
        signature_methods=frozenset(m for m in SignatureMethod if m.value in sig_methods),
        digest_algorithms=frozenset(d for d in DigestAlgorithm if d.value in digests),
        verification_time=when,
    )


def verify_enveloped(
    element: etree._Element,
    certs: tuple[x509.Certificate, ...],
    *,
    allow_sha1: bool,
    now: dt.datetime,
) -> etree._Element:
    """Verify ``element``'s own enveloped signature; return the signed copy of ``element``.

    Raises:
        TokenValidationError: ``saml.signature_invalid`` / ``saml.digest_mismatch`` /
            ``saml.algorithm_not_allowed`` / ``saml.signature_wrapping``;
            :class:`UnknownSigningKey` when no certificate matches.
    """
    from signxml.exceptions import InvalidDigest, InvalidInput, InvalidSignature
    from signxml.verifier import XMLVerifier

    sigs = children(element, "ds", "Signature")
    if len(sigs) != 1:
        raise _refuse("expected exactly one enveloped signature", "saml.signature_invalid")
    _check_algorithms(sigs[0], allow_sha1=allow_sha1)
    # A standalone copy: ID look-ups by the verifier cannot reach anything outside the element.
    copy = parse(etree.tostring(element), what="signed element")
    for cert in certs:
        try:
            result = XMLVerifier().verify(
                copy,
                x509_cert=cert,
                expect_config=_config(cert, allow_sha1=allow_sha1, now=now),
                parser=etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False),
            )
        except InvalidDigest:
            raise _refuse(
                "the signed content was altered (digest mismatch)", "saml.digest_mismatch"
            ) from None
        except InvalidInput as exc:
            if "forbidden" in str(exc):
                raise _refuse("signature algorithm not allowed", "saml.algorithm_not_allowed") from None
            if "Ambiguous" in str(exc):
                raise _refuse("the signature reference is ambiguous", "saml.signature_wrapping") from None
            raise _refuse("the signature is malformed", "saml.signature_invalid") from None
        except InvalidSignature:
            continue
        signed = getattr(result, "signed_xml", None)
        if signed is None or signed.tag != element.tag or signed.get("ID") != element.get("ID"):
            raise _refuse("the signature does not cover this element", "saml.signature_wrapping")
        return signed
    raise UnknownSigningKey("no IdP signing certificate verifies this signature")
