"""SP metadata: the ``EntityDescriptor`` an IdP administrator imports."""

from __future__ import annotations

from lxml import etree

from ._xml import NS, qn
from .config import SAMLConfig
from .metadata import BINDING_POST

__all__ = ["sp_metadata"]


def _cert_body(pem: str) -> str:
    lines = [ln.strip() for ln in pem.strip().splitlines() if ln.strip() and not ln.startswith("-----")]
    return "".join(lines)


def sp_metadata(config: SAMLConfig) -> str:
    """The SP metadata XML for ``config`` (entity ID, ACS, NameID format, certificates)."""
    root = etree.Element(qn("md", "EntityDescriptor"), nsmap={"md": NS["md"], "ds": NS["ds"]})
    root.set("entityID", config.sp_entity_id)
    sp = etree.SubElement(root, qn("md", "SPSSODescriptor"))
    sp.set("AuthnRequestsSigned", "true" if config.sign_authn_requests else "false")
    sp.set("WantAssertionsSigned", "true" if config.want_assertions_signed else "false")
    sp.set("protocolSupportEnumeration", "urn:oasis:names:tc:SAML:2.0:protocol")
    for use, pem in (("signing", config.sp_signing_cert), ("encryption", config.sp_encryption_cert)):
        if pem:
            kd = etree.SubElement(sp, qn("md", "KeyDescriptor"), use=use)
            data = etree.SubElement(etree.SubElement(kd, qn("ds", "KeyInfo")), qn("ds", "X509Data"))
            etree.SubElement(data, qn("ds", "X509Certificate")).text = _cert_body(pem)
    if config.name_id_format:
        etree.SubElement(sp, qn("md", "NameIDFormat")).text = config.name_id_format
    acs = etree.SubElement(sp, qn("md", "AssertionConsumerService"))
    acs.set("Binding", BINDING_POST)
    acs.set("Location", config.acs_url)
    acs.set("index", "0")
    acs.set("isDefault", "true")
    return str(etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode())
