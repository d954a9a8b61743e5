"""Validate a ``<samlp:Response>`` of the Web Browser SSO profile, strictly.

Order: parse (hardened) → status → Response signature (if present; then only the signed copy is
read) → exactly one assertion, decrypted if needed → assertion signature (then only the signed
copy is read) → signature policy → Issuer, Destination, InResponseTo, bearer
SubjectConfirmation, Conditions (time window, audience) → AuthnStatement → NameID and attributes.
Every refusal is a typed error with a ``saml.*`` code; nothing outside a verified signature is used.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt

from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from ..errors import (
    AuthenticationFailed,
    ConsentRequired,
    FlowError,
    InvalidCredentials,
    MalformedResponse,
    ProviderError,
    TokenValidationError,
    UserCancelled,
    UserNotFound,
)
from ._xml import MAX_BYTES, NS, child, children, parse, parse_instant, qn, text_of
from .crypto import decrypt_assertion, decrypt_element
from .metadata import IdPMetadata
from .signature import verify_enveloped

__all__ = ["Expected", "SAMLAssertion", "validate_response"]

BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
_STATUS = "urn:oasis:names:tc:SAML:2.0:status:"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Expected:
    """What the response must match: the sealed request and the SP's settings."""

    request_id: str
    acs_url: str
    sp_entity_id: str
    now: dt.datetime
    skew: dt.timedelta = dt.timedelta(seconds=120)
    want_assertions_signed: bool = True
    want_response_signed: bool = False
    allow_sha1: bool = False
    decryption_key: rsa.RSAPrivateKey | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SAMLAssertion:
    """The facts of a validated assertion."""

    assertion_id: str
    issuer: str
    name_id: str
    name_id_format: str | None
    name_qualifier: str | None
    sp_name_qualifier: str | None
    attributes: dict[str, list[str]]
    friendly_names: dict[str, str]
    not_on_or_after: dt.datetime
    authn_instant: dt.datetime | None
    authn_context: str | None
    session_index: str | None
    response_signed: bool
    assertion_signed: bool
    encrypted: bool


def _bad(message: str, code: str) -> TokenValidationError:
    return TokenValidationError(message, code=code)


def decode_response(saml_response: str) -> bytes:
    """The XML bytes of a POSTed ``SAMLResponse`` (base64), refused before decoding when too long."""
    if len(saml_response) > (MAX_BYTES * 4) // 3 + 4096:
        raise MalformedResponse("SAMLResponse is too large", code="saml.xml_too_large")
    try:
        return base64.b64decode("".join(saml_response.split()), validate=True)
    except (binascii.Error, ValueError):
        raise MalformedResponse("SAMLResponse is not base64", code="saml.response_invalid") from None


def _status(root: etree._Element) -> None:
    status = child(root, "samlp", "Status")
    code_el = status.find("samlp:StatusCode", namespaces=NS) if status is not None else None
    top = code_el.get("Value") if code_el is not None else None
    if top == _STATUS + "Success":
        return
    sub_el = code_el.find("samlp:StatusCode", namespaces=NS) if code_el is not None else None
    sub = (sub_el.get("Value") or "") if sub_el is not None else ""
    short = (sub or top or "missing").rsplit(":", 1)[-1]
    message = f"the IdP refused the sign-in ({short})"
    mapping: dict[str, type[AuthenticationFailed]] = {
        "AuthnFailed": InvalidCredentials,
        "RequestDenied": UserCancelled,
        "NoPassive": ConsentRequired,
        "UnknownPrincipal": UserNotFound,
    }
    if short in mapping:
        raise mapping[short](message, code=f"saml.status.{short}", provider_code=short)
    if sub in ("", _STATUS + "NoAuthnContext", _STATUS + "NoAvailableIDP") and top == _STATUS + "Responder":
        raise ProviderError(message, code=f"saml.status.{short}", provider_code=short)
    raise AuthenticationFailed(message, code=f"saml.status.{short}", provider_code=short)


def _issuer(el: etree._Element, meta: IdPMetadata, *, required: bool) -> None:
    issuer = child(el, "saml", "Issuer")
    if issuer is None:
        if required:
            raise _bad("the assertion has no Issuer", "saml.issuer_mismatch")
        return
    fmt = issuer.get("Format")
    if fmt not in (None, "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"):
        raise _bad("the Issuer is not an entity", "saml.issuer_mismatch")
    if text_of(issuer, what="Issuer") != meta.entity_id:
        raise _bad("the Issuer is not the IdP of the metadata", "saml.issuer_mismatch")


def _check_ids_unique(root: etree._Element) -> None:
    seen: set[str] = set()
    for el in root.iter():
        value = el.get("ID") if isinstance(el.tag, str) else None
        if value is not None:
            if value in seen:
                raise _bad("duplicate ID attributes (signature wrapping?)", "saml.signature_wrapping")
            seen.add(value)


def _response_root(xml: bytes, meta: IdPMetadata, exp: Expected) -> tuple[etree._Element, bool]:
    root = parse(xml, what="SAMLResponse")
    if root.tag != qn("samlp", "Response") or root.get("Version") != "2.0":
        raise MalformedResponse("not a SAML 2.0 Response", code="saml.response_invalid")
    _check_ids_unique(root)
    signed = bool(children(root, "ds", "Signature"))
    if signed:  # from here on only the signed copy is read
        root = verify_enveloped(root, meta.signing_certs, allow_sha1=exp.allow_sha1, now=exp.now)
    elif exp.want_response_signed:
        raise _bad("the Response is not signed", "saml.response_unsigned")
    if root.get("InResponseTo") != exp.request_id:
        raise FlowError("the response does not answer this sign-in request", code="saml.in_response_to")
    _status(root)
    _issuer(root, meta, required=False)
    destination = root.get("Destination")
    if destination != exp.acs_url and (destination is not None or signed):
        raise _bad("the response Destination is not this ACS URL", "saml.destination_mismatch")
    return root, signed


def _one_assertion(root: etree._Element, exp: Expected) -> tuple[etree._Element, bool]:
    plain = children(root, "saml", "Assertion")
    enc = children(root, "saml", "EncryptedAssertion")
    everywhere = list(root.iter(qn("saml", "Assertion"), qn("saml", "EncryptedAssertion")))
    if len(plain) + len(enc) != 1 or len(everywhere) != 1:
        raise _bad("the response must hold exactly one assertion", "saml.assertion_count")
    if plain:
        return plain[0], False
    if exp.decryption_key is None:
        raise _bad("the assertion is encrypted but no decryption key is configured", "saml.decrypt_failed")
    assertion = decrypt_assertion(enc[0], exp.decryption_key)
    if sum(1 for _ in assertion.iter(qn("saml", "Assertion"))) != 1:
        raise _bad("the encrypted assertion holds nested assertions", "saml.assertion_count")
    _check_ids_unique(assertion)
    return assertion, True


def _bearer(subject: etree._Element, exp: Expected) -> None:
    for sc in children(subject, "saml", "SubjectConfirmation"):
        if sc.get("Method") != BEARER:
            continue
        data = child(sc, "saml", "SubjectConfirmationData")
        if data is None or data.get("Recipient") != exp.acs_url:
            continue
        if data.get("InResponseTo") != exp.request_id:  # signed binding to this request (SP-initiated only)
            continue
        not_after = parse_instant(data.get("NotOnOrAfter"), what="SubjectConfirmationData NotOnOrAfter")
        if exp.now - exp.skew >= not_after:
            continue
        if data.get("NotBefore") is not None:
            continue  # the bearer profile forbids NotBefore here
        return
    raise _bad(
        "no bearer SubjectConfirmation for this ACS URL and request is valid now", "saml.subject_confirmation"
    )


def _conditions(assertion: etree._Element, exp: Expected) -> dt.datetime:
    cond = child(assertion, "saml", "Conditions")
    if cond is None:
        raise _bad("the assertion has no Conditions", "saml.conditions")
    not_before, not_after = cond.get("NotBefore"), cond.get("NotOnOrAfter")
    if not_before is not None and exp.now + exp.skew < parse_instant(not_before, what="NotBefore"):
        raise _bad("the assertion is not valid yet", "saml.not_yet_valid")
    if not_after is None:
        raise _bad("the assertion has no NotOnOrAfter", "saml.conditions")
    end = parse_instant(not_after, what="NotOnOrAfter")
    if exp.now - exp.skew >= end:
        raise _bad("the assertion has expired", "saml.expired")
    restrictions = children(cond, "saml", "AudienceRestriction")
    if not restrictions:
        raise _bad("the assertion has no AudienceRestriction", "saml.audience_mismatch")
    for r in restrictions:
        audiences = [text_of(a, what="Audience") for a in children(r, "saml", "Audience")]
        if exp.sp_entity_id not in audiences:
            raise _bad("the assertion is meant for another audience", "saml.audience_mismatch")
    return end


def _name_id(subject: etree._Element, exp: Expected) -> tuple[str, etree._Element]:
    encrypted = children(subject, "saml", "EncryptedID")
    if encrypted:  # inside the signed assertion: the signature covers the ciphertext
        if exp.decryption_key is None or len(encrypted) != 1 or child(subject, "saml", "NameID") is not None:
            raise _bad("cannot use this encrypted NameID", "saml.nameid_invalid")
        el: etree._Element | None = decrypt_element(
            encrypted[0], exp.decryption_key, expected=qn("saml", "NameID")
        )
    else:
        el = child(subject, "saml", "NameID")
    if el is None:
        raise _bad("the assertion has no NameID", "saml.nameid_invalid")
    if len(el):  # comments / PIs / elements inside NameID: refused, never truncated
        raise _bad("the NameID holds markup (comment injection?)", "saml.nameid_invalid")
    value = (el.text or "").strip()
    if not value:
        raise _bad("the NameID is empty", "saml.nameid_invalid")
    return value, el


def _attributes(assertion: etree._Element) -> tuple[dict[str, list[str]], dict[str, str]]:
    values: dict[str, list[str]] = {}
    friendly: dict[str, str] = {}
    for stmt in children(assertion, "saml", "AttributeStatement"):
        for attr in children(stmt, "saml", "Attribute"):
            name = attr.get("Name")
            if not name:
                continue
            if attr.get("FriendlyName"):
                friendly[name] = attr.get("FriendlyName") or ""
            bucket = values.setdefault(name, [])
            for v in children(attr, "saml", "AttributeValue"):
                if len(v):
                    raise _bad(f"attribute {name[:60]!r} holds markup", "saml.attribute_invalid")
                if v.text and v.text.strip():
                    bucket.append(v.text.strip())
    return values, friendly


def validate_response(saml_response: str, meta: IdPMetadata, exp: Expected) -> SAMLAssertion:
    """Validate a POSTed ``SAMLResponse``; return the assertion's facts.

    Raises:
        TokenValidationError / FlowError / MalformedResponse with ``saml.*`` codes, or the
        :class:`~idpbridge.AuthenticationFailed` subclass mapped from a non-success status.
    """
    root, response_signed = _response_root(decode_response(saml_response), meta, exp)
    assertion, encrypted = _one_assertion(root, exp)
    for name_id in assertion.iter(qn("saml", "NameID")):  # before any canonicalization drops comments
        if len(name_id):
            raise _bad("the NameID holds markup (comment injection?)", "saml.nameid_invalid")
    assertion_signed = bool(children(assertion, "ds", "Signature"))
    if assertion_signed:
        assertion = verify_enveloped(assertion, meta.signing_certs, allow_sha1=exp.allow_sha1, now=exp.now)
    elif exp.want_assertions_signed:
        raise _bad("the assertion is not signed", "saml.assertion_unsigned")
    elif not response_signed:
        raise _bad("neither the response nor the assertion is signed", "saml.unsigned")
    if assertion.get("Version") != "2.0" or not assertion.get("ID"):
        raise MalformedResponse("not a SAML 2.0 assertion", code="saml.response_invalid")
    _issuer(assertion, meta, required=True)
    subject = child(assertion, "saml", "Subject")
    if subject is None:
        raise _bad("the assertion has no Subject", "saml.subject_confirmation")
    name_id, name_el = _name_id(subject, exp)
    _bearer(subject, exp)
    end = _conditions(assertion, exp)
    authn = children(assertion, "saml", "AuthnStatement")
    if not authn:
        raise _bad("the assertion has no AuthnStatement", "saml.authn_statement")
    session_end = authn[0].get("SessionNotOnOrAfter")
    if session_end is not None and exp.now - exp.skew >= parse_instant(
        session_end, what="SessionNotOnOrAfter"
    ):
        raise _bad("the IdP session has ended", "saml.expired")
    instant = authn[0].get("AuthnInstant")
    ref = authn[0].find("saml:AuthnContext/saml:AuthnContextClassRef", namespaces=NS)
    attrs, friendly = _attributes(assertion)
    return SAMLAssertion(
        assertion_id=assertion.get("ID") or "",
        issuer=meta.entity_id,
        name_id=name_id,
        name_id_format=name_el.get("Format"),
        name_qualifier=name_el.get("NameQualifier"),
        sp_name_qualifier=name_el.get("SPNameQualifier"),
        attributes=attrs,
        friendly_names=friendly,
        not_on_or_after=end,
        authn_instant=parse_instant(instant, what="AuthnInstant") if instant else None,
        authn_context=text_of(ref, what="AuthnContextClassRef") if ref is not None else None,
        session_index=authn[0].get("SessionIndex"),
        response_signed=response_signed,
        assertion_signed=assertion_signed,
        encrypted=encrypted,
    )
