"""Hardened XML parsing and small helpers shared by the SAML modules.

Every document from the outside is parsed by :func:`parse`: no DTD (a ``DOCTYPE`` is refused
outright, so neither external entities (XXE) nor entity expansion bombs can run), no network,
no huge trees, and a size cap checked before parsing.
"""

from __future__ import annotations

import datetime as dt
import re

from lxml import etree

from ..errors import MalformedResponse

__all__ = ["NS", "child", "children", "parse", "parse_instant", "qn", "text_of"]

NS = {
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "xenc": "http://www.w3.org/2001/04/xmlenc#",
    "xenc11": "http://www.w3.org/2009/xmlenc11#",
}

MAX_BYTES = 1024 * 1024
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def qn(prefix: str, local: str) -> str:
    """Clark notation ``{namespace}local`` for ``prefix:local``."""
    return f"{{{NS[prefix]}}}{local}"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        dtd_validation=False,
        load_dtd=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=False,
        collect_ids=False,
    )


def parse(data: bytes, *, what: str = "SAML message", limit: int = MAX_BYTES) -> etree._Element:
    """Parse ``data`` safely; refuse DTDs, entities, oversized or broken XML.

    Raises:
        MalformedResponse: code ``saml.xml_too_large``, ``saml.xml_dtd`` or ``saml.xml_invalid``.
    """
    if len(data) > limit:
        raise MalformedResponse(f"{what} is larger than {limit} bytes", code="saml.xml_too_large")
    if _DOCTYPE.search(data):
        raise MalformedResponse(f"{what} has a DTD or entity declaration; refused", code="saml.xml_dtd")
    try:
        root = etree.fromstring(data, parser=_parser())
    except (etree.XMLSyntaxError, ValueError):
        raise MalformedResponse(f"{what} is not well-formed XML", code="saml.xml_invalid") from None
    if root is None or root.getroottree().docinfo.doctype:
        raise MalformedResponse(f"{what} has a DTD; refused", code="saml.xml_dtd")
    return root


def children(element: etree._Element, prefix: str, local: str) -> list[etree._Element]:
    """Direct children named ``prefix:local``."""
    return [c for c in element if isinstance(c.tag, str) and c.tag == qn(prefix, local)]


def child(element: etree._Element, prefix: str, local: str) -> etree._Element | None:
    """The single direct child ``prefix:local`` (``None`` if absent; refused if repeated)."""
    found = children(element, prefix, local)
    if len(found) > 1:
        raise MalformedResponse(f"more than one <{local}> element", code="saml.xml_invalid")
    return found[0] if found else None


def text_of(element: etree._Element, *, what: str) -> str:
    """The whole text of a simple-content element.

    Child elements, comments and processing instructions are refused (``saml.xml_invalid``):
    a comment splitting ``admin@evil.example<!---->.victim.example`` must never shorten a value.
    """
    if len(element):
        raise MalformedResponse(f"{what} must hold plain text only", code="saml.xml_invalid")
    return (element.text or "").strip()


_INSTANT = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]00:00)$")


def parse_instant(value: str | None, *, what: str) -> dt.datetime:
    """An ``xs:dateTime`` in UTC (SAML requires UTC) as an aware datetime."""
    m = _INSTANT.match(value or "")
    if m is None:
        raise MalformedResponse(f"{what} is not a UTC xs:dateTime", code="saml.xml_invalid")
    try:
        base = dt.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.UTC)
    except ValueError:
        raise MalformedResponse(f"{what} is not a valid date", code="saml.xml_invalid") from None
    frac = m.group(2)
    if frac:
        base += dt.timedelta(microseconds=int((frac[1:] + "000000")[:6]))
    return base


def instant(moment: dt.datetime) -> str:
    """``moment`` as a SAML instant (UTC, seconds precision)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
