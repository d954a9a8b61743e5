"""Build and sign the ``<samlp:Response>`` the SAML face POSTs to the SP (signxml, RSA-SHA256)."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric import rsa
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
) -> str:
    """The base64 ``SAMLResponse``: Response and Assertion each carry an enveloped signature."""
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
    response.append(signed_assertion)
    return base64.b64encode(etree.tostring(_sign(response, key, cert_pem))).decode()
