"""AuthnRequest: build it and encode it for the HTTP-Redirect or HTTP-POST binding."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import zlib
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from ._xml import NS, instant, qn
from .crypto import RSA_SHA256, sign_redirect

__all__ = ["build_authn_request", "new_request_id", "post_fields", "redirect_url"]


def new_request_id() -> str:
    """A fresh request ID (an ``xs:ID``: starts with a letter or underscore)."""
    return "_" + secrets.token_hex(20)


def build_authn_request(
    *,
    request_id: str,
    issue_instant: dt.datetime,
    destination: str,
    sp_entity_id: str,
    acs_url: str,
    name_id_format: str | None,
    force_authn: bool = False,
) -> etree._Element:
    """An ``<samlp:AuthnRequest>`` asking for an HTTP-POST response to ``acs_url``."""
    req = etree.Element(qn("samlp", "AuthnRequest"), nsmap={"samlp": NS["samlp"], "saml": NS["saml"]})
    req.set("ID", request_id)
    req.set("Version", "2.0")
    req.set("IssueInstant", instant(issue_instant))
    req.set("Destination", destination)
    req.set("AssertionConsumerServiceURL", acs_url)
    req.set("ProtocolBinding", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
    if force_authn:
        req.set("ForceAuthn", "true")
    etree.SubElement(req, qn("saml", "Issuer")).text = sp_entity_id
    if name_id_format:
        policy = etree.SubElement(req, qn("samlp", "NameIDPolicy"))
        policy.set("Format", name_id_format)
        policy.set("AllowCreate", "true")
    return req


def redirect_url(
    sso_url: str, request: etree._Element, relay_state: str, *, key: rsa.RSAPrivateKey | None = None
) -> str:
    """The HTTP-Redirect binding URL: raw DEFLATE, base64, URL-encoded; signed over the query if ``key``."""
    xml = etree.tostring(request)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = compressor.compress(xml) + compressor.flush()
    query = "SAMLRequest=" + quote(base64.b64encode(deflated).decode(), safe="")
    query += "&RelayState=" + quote(relay_state, safe="")
    if key is not None:
        query += "&SigAlg=" + quote(RSA_SHA256, safe="")
        query += "&Signature=" + quote(sign_redirect(query, key), safe="")
    sep = "&" if urlsplit(sso_url).query else "?"
    return sso_url + sep + query


def post_fields(
    request: etree._Element,
    relay_state: str,
    *,
    key: rsa.RSAPrivateKey | None = None,
    cert_pem: str | None = None,
) -> dict[str, str]:
    """Form fields of the HTTP-POST binding; an enveloped XML signature when ``key`` is given."""
    if key is not None:
        from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
        from signxml.signer import XMLSigner

        signer = XMLSigner(
            signature_algorithm=SignatureMethod.RSA_SHA256,
            digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
        )
        signer.namespaces = {"ds": NS["ds"]}
        signed = signer.sign(request, key=key, cert=cert_pem, reference_uri=request.get("ID"))
        issuer = signed.find("saml:Issuer", namespaces=NS)
        sig = signed.find("ds:Signature", namespaces=NS)
        if issuer is not None and sig is not None:  # schema order: Issuer, Signature, …
            issuer.addnext(sig)
        request = signed
    encoded = base64.b64encode(etree.tostring(request)).decode()
    return {"SAMLRequest": encoded, "RelayState": relay_state}
