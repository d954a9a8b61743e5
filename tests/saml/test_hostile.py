"""Hostile SAML responses, each built from a REAL signed response of LemonLDAP::NG and of SimpleSAMLphp.

Every case is refused with a typed error carrying a ``saml.*`` code, and no identity comes out.
The baseline (the untouched capture, and the capture with only the Response signature removed)
is accepted, so each refusal is caused by the manipulation.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import datetime as dt
import zlib
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.signer import XMLSigner

from idpbridge import Authenticated, RedirectRequired
from idpbridge.errors import FlowError, MalformedResponse, TokenValidationError
from idpbridge.methods import FinishSAML, StartSAML
from idpbridge.replay import MemoryReplayStore
from idpbridge.saml.metadata import IdPMetadata, parse_idp_metadata
from idpbridge.saml.response import Expected, SAMLAssertion, validate_response
from tests.peers.lemonldap_saml import ACS_URL, SP_ENTITY_ID, LLNGSAMLPeer
from tests.peers.simplesamlphp import SSPPeer

from ._browser import login
from .conftest import make_connector

pytestmark = [pytest.mark.peer("lemonldap"), pytest.mark.peer("simplesamlphp")]

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
}
REFUSED = (TokenValidationError, FlowError, MalformedResponse)


class _LegacySigner(XMLSigner):
    """signxml refuses to sign with SHA-1; an old IdP does not."""

    def check_deprecated_methods(self) -> None:
        return None


class Capture:
    """One real sign-in: the raw response, the request it answers and the IdP metadata."""

    def __init__(self, peer: LLNGSAMLPeer | SSPPeer, creds: dict[str, str], user: str) -> None:
        import httpx

        self.peer, self.user = peer, user
        self.meta: IdPMetadata = parse_idp_metadata(httpx.get(peer.metadata_url).content)

        async def start() -> RedirectRequired:
            async with make_connector(peer.metadata_url, peer.sp) as conn:
                out = await conn.authenticate(StartSAML())
                assert isinstance(out, RedirectRequired)
                return out

        self.start = asyncio.run(start())
        query = parse_qs(urlsplit(self.start.url).query)
        request = zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15)
        self.request_id = etree.fromstring(request).get("ID")
        self.fields = login(self.start.url, creds)
        self.xml = base64.b64decode(self.fields["SAMLResponse"])

    def tree(self) -> etree._Element:
        return etree.fromstring(self.xml)

    def expected(self, **overrides: object) -> Expected:
        values: dict[str, object] = {
            "request_id": self.request_id,
            "acs_url": ACS_URL,
            "sp_entity_id": SP_ENTITY_ID,
            "now": dt.datetime.now(dt.UTC),
        }
        values.update(overrides)
        return Expected(**values)  # type: ignore[arg-type]

    def validate(self, doc: etree._Element | bytes, **overrides: object) -> SAMLAssertion:
        raw = doc if isinstance(doc, bytes) else etree.tostring(doc)
        return validate_response(base64.b64encode(raw).decode(), self.meta, self.expected(**overrides))

    def sign(self, element: etree._Element, *, sha1: bool = False) -> etree._Element:
        """Sign ``element`` (enveloped, after its Issuer) with the IdP's own key."""
        key = load_pem_private_key(self.peer.idp.key_pem.encode(), None)
        signer = _LegacySigner(
            signature_algorithm=SignatureMethod.RSA_SHA1 if sha1 else SignatureMethod.RSA_SHA256,
            digest_algorithm=DigestAlgorithm.SHA1 if sha1 else DigestAlgorithm.SHA256,
            c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
        )
        signer.namespaces = {"ds": NS["ds"]}
        signed = signer.sign(element, key=key, cert=self.peer.idp.cert_pem, reference_uri=element.get("ID"))
        sig = signed.find("ds:Signature", NS)
        signed.find("saml:Issuer", NS).addnext(sig)
        return signed


@pytest.fixture(scope="module", params=["lemonldap", "simplesamlphp"])
def cap(request: pytest.FixtureRequest) -> Capture:
    if request.param == "lemonldap":
        return Capture(
            request.getfixturevalue("lemonldap_saml"), {"user": "dwho", "password": "dwho"}, "dwho"
        )
    peer = request.getfixturevalue("simplesamlphp")
    return Capture(peer, {"username": "alice", "password": "alicepass"}, "alice")


def _refused(cap: Capture, doc: etree._Element | bytes, **overrides: object) -> BaseException:
    with pytest.raises(REFUSED) as info:
        cap.validate(doc, **overrides)
    assert info.value.code.startswith("saml."), info.value.code
    return info.value


def _unsigned_response(cap: Capture) -> etree._Element:
    root = cap.tree()
    root.remove(root.find("ds:Signature", NS))
    return root


def _assertion(root: etree._Element) -> etree._Element:
    return root.find("saml:Assertion", NS)


def _evil(assertion: etree._Element, *, strip_signature: bool = True) -> etree._Element:
    evil = copy.deepcopy(assertion)
    evil.find("saml:Subject/saml:NameID", NS).text = "admin"
    if strip_signature and evil.find("ds:Signature", NS) is not None:
        evil.remove(evil.find("ds:Signature", NS))
    return evil


def test_baseline_is_accepted(cap: Capture) -> None:
    assert cap.validate(cap.xml).name_id == cap.user
    assert cap.validate(_unsigned_response(cap)).name_id == cap.user  # the signed assertion suffices


# -- the eight classic XML signature wrapping variants (Somorovsky et al., 2012) -----------------


def xsw1(cap: Capture) -> etree._Element:
    """A new, unsigned Response with an evil assertion; the signed original inside its Signature."""
    original = cap.tree()
    evil = copy.deepcopy(original)
    evil.set("ID", "_evil_response")
    evil.remove(evil.find("ds:Signature", NS))
    a = _assertion(evil)
    a.addprevious(_evil(a))
    evil.remove(a)
    sig = copy.deepcopy(original.find("ds:Signature", NS))
    etree.SubElement(sig, f"{{{NS['ds']}}}Object").append(original)
    evil.find("saml:Issuer", NS).addnext(sig)
    return evil


def xsw2(cap: Capture) -> etree._Element:
    """Like XSW1, with the signed original as a detached sibling before the Signature."""
    original = cap.tree()
    evil = copy.deepcopy(original)
    evil.set("ID", "_evil_response")
    a = _assertion(evil)
    a.addprevious(_evil(a))
    evil.remove(a)
    evil.find("ds:Signature", NS).addprevious(original)
    return evil


def xsw3(cap: Capture) -> etree._Element:
    """An evil assertion with the same ID placed before the signed one."""
    root = _unsigned_response(cap)
    a = _assertion(root)
    a.addprevious(_evil(a))
    return root


def xsw4(cap: Capture) -> etree._Element:
    """An evil assertion wrapping the signed original."""
    root = _unsigned_response(cap)
    a = _assertion(root)
    evil = _evil(a)
    root.replace(a, evil)
    evil.append(a)
    return root


def xsw5(cap: Capture) -> etree._Element:
    """The signed assertion altered in place, a pristine copy appended at the end of the response."""
    root = _unsigned_response(cap)
    a = _assertion(root)
    pristine = copy.deepcopy(a)
    a.find("saml:Subject/saml:NameID", NS).text = "admin"
    pristine.remove(pristine.find("ds:Signature", NS))
    root.append(pristine)
    return root


def xsw6(cap: Capture) -> etree._Element:
    """An evil assertion; the signed original inside its (moved) Signature's Object."""
    root = _unsigned_response(cap)
    a = _assertion(root)
    evil = _evil(a, strip_signature=False)
    sig = evil.find("ds:Signature", NS)
    original = copy.deepcopy(a)
    original.remove(original.find("ds:Signature", NS))
    etree.SubElement(sig, f"{{{NS['ds']}}}Object").append(original)
    root.replace(a, evil)
    return root


def xsw7(cap: Capture) -> etree._Element:
    """The signed original inside Extensions, an evil assertion where it was."""
    root = _unsigned_response(cap)
    a = _assertion(root)
    ext = etree.Element(f"{{{NS['samlp']}}}Extensions")
    root.find("saml:Issuer", NS).addnext(ext)
    root.replace(a, _evil(a))
    ext.append(a)
    return root


def xsw8(cap: Capture) -> etree._Element:
    """An evil assertion whose Signature carries an Object with the original (signature removed)."""
    root = _unsigned_response(cap)
    a = _assertion(root)
    evil = _evil(a, strip_signature=False)
    sig = evil.find("ds:Signature", NS)
    original = copy.deepcopy(a)
    original.remove(original.find("ds:Signature", NS))
    etree.SubElement(sig, f"{{{NS['ds']}}}Object").append(original)
    root.replace(a, evil)
    evil.set("ID", a.get("ID"))
    return root


XSW: list[Callable[[Capture], etree._Element]] = [xsw1, xsw2, xsw3, xsw4, xsw5, xsw6, xsw7, xsw8]


@pytest.mark.parametrize("variant", XSW, ids=[f.__name__ for f in XSW])
def test_signature_wrapping_is_refused(cap: Capture, variant: Callable[[Capture], etree._Element]) -> None:
    _refused(cap, variant(cap))


def test_signed_assertion_moved_under_another_parent(cap: Capture) -> None:
    root = _unsigned_response(cap)
    a = _assertion(root)
    holder = etree.SubElement(root, f"{{{NS['samlp']}}}Status")
    root.remove(a)
    holder.append(a)
    _refused(cap, root)


def test_plain_and_encrypted_assertion_together(cap: Capture) -> None:
    root = _unsigned_response(cap)
    enc = etree.SubElement(root, f"{{{NS['saml']}}}EncryptedAssertion")
    etree.SubElement(enc, "{http://www.w3.org/2001/04/xmlenc#}EncryptedData")
    assert _refused(cap, root).code == "saml.assertion_count"


def test_assertion_without_signed_in_response_to(cap: Capture) -> None:
    """The unsigned Response names this request, but the signed assertion answers another one."""
    root = _unsigned_response(cap)
    a = _assertion(root)
    a.remove(a.find("ds:Signature", NS))
    a.find("saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", NS).set(
        "InResponseTo", "_other"
    )
    root.replace(a, cap.sign(a))
    root.set("InResponseTo", cap.request_id)
    assert _refused(cap, root).code == "saml.subject_confirmation"


# -- comment injection, signature policy, algorithms ---------------------------------------------


def test_comment_in_name_id_is_refused(cap: Capture) -> None:
    root = _unsigned_response(cap)
    name_id = root.find("saml:Assertion/saml:Subject/saml:NameID", NS)
    name_id.text = "dw"
    comment = etree.Comment("")
    comment.tail = "ho"
    name_id.append(comment)  # exc-c14n drops comments: the signature still verifies
    assert _refused(cap, root).code == "saml.nameid_invalid"


def test_unsigned_assertion_in_signed_response(cap: Capture) -> None:
    root = cap.tree()
    root.remove(root.find("ds:Signature", NS))
    a = _assertion(root)
    a.remove(a.find("ds:Signature", NS))
    signed = cap.sign(root)
    assert _refused(cap, copy.deepcopy(signed)).code == "saml.assertion_unsigned"  # strict default
    assert cap.validate(signed, want_assertions_signed=False).name_id == cap.user  # the Response covers it


def test_signed_assertion_in_unsigned_response(cap: Capture) -> None:
    root = _unsigned_response(cap)
    assert cap.validate(copy.deepcopy(root)).name_id == cap.user
    assert _refused(cap, root, want_response_signed=True).code == "saml.response_unsigned"


def test_nothing_signed_is_refused(cap: Capture) -> None:
    root = _unsigned_response(cap)
    a = _assertion(root)
    a.remove(a.find("ds:Signature", NS))
    assert _refused(cap, root, want_assertions_signed=False).code == "saml.unsigned"


def test_sha1_signature_refused_unless_allowed(cap: Capture) -> None:
    root = _unsigned_response(cap)
    a = _assertion(root)
    a.remove(a.find("ds:Signature", NS))
    root.replace(a, cap.sign(a, sha1=True))
    assert _refused(cap, copy.deepcopy(root)).code == "saml.algorithm_not_allowed"
    assert cap.validate(root, allow_sha1=True).name_id == cap.user


def test_xpath_transform_is_refused(cap: Capture) -> None:
    root = _unsigned_response(cap)
    transforms = root.find("saml:Assertion/ds:Signature/ds:SignedInfo/ds:Reference/ds:Transforms", NS)
    xpath = etree.SubElement(transforms, f"{{{NS['ds']}}}Transform")
    xpath.set("Algorithm", "http://www.w3.org/TR/1999/REC-xpath-19991116")
    assert _refused(cap, root).code == "saml.algorithm_not_allowed"


def test_altered_signed_content(cap: Capture) -> None:
    root = _unsigned_response(cap)
    root.find("saml:Assertion/saml:Subject/saml:NameID", NS).text = "admin"
    assert _refused(cap, root).code == "saml.digest_mismatch"


# -- binding to the request, time, audience ------------------------------------------------------


def test_foreign_in_response_to(cap: Capture) -> None:
    assert _refused(cap, cap.xml, request_id="_someone_elses_request").code == "saml.in_response_to"


def test_wrong_audience(cap: Capture) -> None:
    root = _unsigned_response(cap)
    assert _refused(cap, root, sp_entity_id="https://other.example/sp").code == "saml.audience_mismatch"


def test_wrong_destination_and_recipient(cap: Capture) -> None:
    assert _refused(cap, cap.xml, acs_url="http://127.0.0.1:9999/other").code == "saml.destination_mismatch"
    root = _unsigned_response(cap)
    del root.attrib["Destination"]  # only the bearer Recipient is left to bind the ACS URL
    assert _refused(cap, root, acs_url="http://127.0.0.1:9999/other").code == "saml.subject_confirmation"


def test_expired_assertion(cap: Capture) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert _refused(cap, cap.xml, now=later).code in ("saml.subject_confirmation", "saml.expired")
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    assert _refused(cap, cap.xml, now=earlier).code == "saml.not_yet_valid"


# -- parser hardening ----------------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" Version="2.0">&x;
</samlp:Response>"""
BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b']><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&lol9;</samlp:Response>'
)


@pytest.mark.parametrize("doc", [XXE, BOMB], ids=["xxe", "billion_laughs"])
def test_dtds_are_refused(cap: Capture, doc: bytes) -> None:
    assert _refused(cap, doc).code == "saml.xml_dtd"


# -- through the connector: replay, and nothing authenticated ------------------------------------


async def test_replayed_assertion_is_refused(lemonldap_saml: LLNGSAMLPeer) -> None:
    store = MemoryReplayStore()
    first = make_connector(lemonldap_saml.metadata_url, lemonldap_saml.sp)
    first.replay_store = store
    start = await first.authenticate(StartSAML())
    fields = await asyncio.to_thread(login, start.url, {"user": "dwho", "password": "dwho"})
    finish = FinishSAML(fields["SAMLResponse"], fields["RelayState"], start.continuation)
    assert isinstance(await first.authenticate(finish), Authenticated)
    # another connector instance (another worker) sharing the continuation keys and the store
    second = make_connector(lemonldap_saml.metadata_url, lemonldap_saml.sp)
    second.continuations = first.continuations
    second.instance_name = "saml-worker-2"
    second.replay_store = store
    with pytest.raises(FlowError) as info:
        await second.authenticate(finish)
    assert info.value.code == "saml.replayed"
    await first.aclose()
    await second.aclose()


async def test_wrapped_response_through_the_connector_authenticates_nobody(
    lemonldap_saml: LLNGSAMLPeer,
) -> None:
    async with make_connector(lemonldap_saml.metadata_url, lemonldap_saml.sp) as conn:
        start = await conn.authenticate(StartSAML())
        fields = await asyncio.to_thread(login, start.url, {"user": "dwho", "password": "dwho"})
        root = etree.fromstring(base64.b64decode(fields["SAMLResponse"]))
        root.remove(root.find("ds:Signature", NS))
        a = _assertion(root)
        a.addprevious(_evil(a))  # XSW3
        evil = base64.b64encode(etree.tostring(root)).decode()
        with pytest.raises(TokenValidationError) as info:
            await conn.authenticate(FinishSAML(evil, fields["RelayState"], start.continuation))
        assert info.value.code.startswith("saml.")
        with pytest.raises(FlowError):  # the flow step is spent: the genuine response cannot follow it
            await conn.authenticate(
                FinishSAML(fields["SAMLResponse"], fields["RelayState"], start.continuation)
            )
        start2 = await conn.authenticate(StartSAML())
        with pytest.raises(FlowError) as info2:  # a RelayState of another flow is refused first
            await conn.authenticate(FinishSAML(fields["SAMLResponse"], "forged", start2.continuation))
        assert info2.value.code == "saml.relay_state"
