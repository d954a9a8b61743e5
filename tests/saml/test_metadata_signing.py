"""Signed IdP metadata (``idp_metadata_signing_cert``) and ``validUntil``, on SimpleSAMLphp's metadata."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.signer import XMLSigner

from idpbridge import Authenticated, RedirectRequired
from idpbridge.errors import IdpBridgeError
from idpbridge.methods import FinishSAML, StartSAML
from tests.peers.lemonldap_saml import KeyPair, make_keypair
from tests.peers.simplesamlphp import SSPPeer

from ._browser import login
from .conftest import make_connector

pytestmark = pytest.mark.peer("simplesamlphp")


def _signed_metadata(peer: SSPPeer, signer_keys: KeyPair, **attrs: str) -> etree._Element:
    root = etree.fromstring(httpx.get(peer.metadata_url).content)
    root.set("ID", "_md1")
    for k, v in attrs.items():
        root.set(k, v)
    signer = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    key = load_pem_private_key(signer_keys.key_pem.encode(), None)
    signed = signer.sign(root, key=key, cert=signer_keys.cert_pem, reference_uri="_md1")
    signed.insert(0, signed.find("{http://www.w3.org/2000/09/xmldsig#}Signature"))
    return signed


async def test_signed_metadata_is_required_and_used(simplesamlphp: SSPPeer) -> None:
    fed = make_keypair("federation")
    xml = etree.tostring(_signed_metadata(simplesamlphp, fed)).decode()
    async with make_connector(
        simplesamlphp.metadata_url,
        simplesamlphp.sp,
        idp_metadata_url=None,
        idp_metadata_xml=xml,
        idp_metadata_signing_cert=fed.cert_pem,
    ) as conn:
        start = await conn.authenticate(StartSAML())
        assert isinstance(start, RedirectRequired)
        fields = await asyncio.to_thread(login, start.url, {"username": "alice", "password": "alicepass"})
        out = await conn.authenticate(
            FinishSAML(fields["SAMLResponse"], fields["RelayState"], start.continuation)
        )
        assert isinstance(out, Authenticated)


@pytest.mark.parametrize("case", ["tampered", "other_signer", "unsigned", "expired"])
async def test_bad_metadata_is_refused(simplesamlphp: SSPPeer, case: str) -> None:
    fed = make_keypair("federation")
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    root = _signed_metadata(simplesamlphp, fed, **({"validUntil": past} if case == "expired" else {}))
    if case == "tampered":
        sso = root.find(".//{urn:oasis:names:tc:SAML:2.0:metadata}SingleSignOnService")
        sso.set("Location", "https://attacker.example/sso")
    if case == "unsigned":
        root.remove(root.find("{http://www.w3.org/2000/09/xmldsig#}Signature"))
    trusted = make_keypair("someone-else") if case == "other_signer" else fed
    async with make_connector(
        simplesamlphp.metadata_url,
        simplesamlphp.sp,
        idp_metadata_url=None,
        idp_metadata_xml=etree.tostring(root).decode(),
        idp_metadata_signing_cert=trusted.cert_pem,
    ) as conn:
        with pytest.raises(IdpBridgeError) as info:
            await conn.authenticate(StartSAML())
        report = await conn.check()
    expected = {
        "tampered": "saml.digest_mismatch",
        "other_signer": "saml.signature_invalid",
        "unsigned": "saml.signature_invalid",
        "expired": "saml.metadata_expired",
    }[case]
    assert info.value.code == expected
    assert not {r.name: r for r in report.results}["metadata"].ok
