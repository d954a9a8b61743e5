"""Encrypted assertions and an IdP signing-key rollover, against LemonLDAP::NG instances of their own."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from idpbridge import Authenticated, RedirectRequired
from idpbridge.errors import TokenValidationError
from idpbridge.methods import FinishSAML, StartSAML
from idpbridge.outcomes import PostRequired
from idpbridge.saml.connector import SAMLConnector
from tests.peers._proc import free_port
from tests.peers.lemonldap_saml import make_keypair, start_llng_saml

from ._browser import login, post_then_login
from .conftest import make_connector

pytestmark = pytest.mark.peer("lemonldap")


async def _sign_in(conn: SAMLConnector, user: str = "rtyler") -> Authenticated:
    start = await conn.authenticate(StartSAML())
    assert isinstance(start, RedirectRequired)
    fields = await asyncio.to_thread(login, start.url, {"user": user, "password": user})
    out = await conn.authenticate(
        FinishSAML(fields["SAMLResponse"], fields["RelayState"], start.continuation)
    )
    assert isinstance(out, Authenticated)
    return out


async def test_encrypted_assertion(tmp_path: Path, peer_logs: Path) -> None:
    sp = make_keypair("sp-enc")
    peer = start_llng_saml(tmp_path / "llng", peer_logs, sp=sp, encrypt=True, sign_response=False)
    try:
        async with make_connector(peer.metadata_url, sp) as conn:
            out = await _sign_in(conn)
            assert out.identity.subject == "rtyler"
            assert out.identity.email == "rtyler@badwolf.org"
        # without the SP decryption key the same kind of response is refused
        async with make_connector(peer.metadata_url, sp, sp_decryption_key=None) as conn:
            with pytest.raises(TokenValidationError) as info:
                await _sign_in(conn)
            assert info.value.code == "saml.decrypt_failed"
    finally:
        peer.stop()


async def test_signing_key_rollover_refreshes_metadata(tmp_path: Path, peer_logs: Path) -> None:
    sp, port = make_keypair("sp-roll"), free_port()
    now = [time.time()]
    peer = start_llng_saml(tmp_path / "a", peer_logs, sp=sp, port=port)
    conn = make_connector(peer.metadata_url, sp)
    conn.clock = lambda: now[0]
    conn.metadata._clock = conn.clock
    conn.continuations._clock = conn.clock  # type: ignore[attr-defined]
    try:
        await _sign_in(conn)
        old = (await conn.metadata.get()).signing_certs
        peer.stop()
        # the IdP is re-keyed: new key pair, same entity ID and URL
        peer = start_llng_saml(tmp_path / "b", peer_logs, sp=sp, port=port)
        now[0] += 30  # past the minimum refresh interval, well within the metadata TTL
        out = await _sign_in(conn)  # signed by the new key: verification fails, metadata refetched once
        new = (await conn.metadata.get()).signing_certs
        assert new != old
        assert out.identity.subject == "rtyler"
    finally:
        peer.stop()
        await conn.aclose()


async def test_post_binding_and_signed_authn_requests(tmp_path: Path, peer_logs: Path) -> None:
    """LemonLDAP::NG checks the AuthnRequest signature (both bindings); an unsigned one is refused."""
    sp = make_keypair("sp-signed")
    peer = start_llng_saml(tmp_path / "sig", peer_logs, sp=sp, check_request_signature=True)
    signing = {"sign_authn_requests": True, "sp_signing_key": sp.key_pem, "sp_signing_cert": sp.cert_pem}
    try:
        for binding in ("redirect", "post"):
            async with make_connector(peer.metadata_url, sp, **signing) as conn:
                start = await conn.authenticate(StartSAML(binding=binding))
                if binding == "post":
                    assert isinstance(start, PostRequired)
                    assert 'name="SAMLRequest"' in start.html()
                    fields = await asyncio.to_thread(
                        post_then_login,
                        start.url,
                        dict(start.fields),
                        {"user": "rtyler", "password": "rtyler"},
                    )
                else:
                    assert isinstance(start, RedirectRequired)
                    assert "&Signature=" in start.url
                    fields = await asyncio.to_thread(
                        login, start.url, {"user": "rtyler", "password": "rtyler"}
                    )
                finish = FinishSAML(fields["SAMLResponse"], fields["RelayState"], start.continuation)
                assert isinstance(await conn.authenticate(finish), Authenticated)
        async with make_connector(peer.metadata_url, sp) as conn:  # unsigned: the IdP shows no response
            start = await conn.authenticate(StartSAML())
            with pytest.raises(AssertionError, match=r"no (login form|SAMLResponse)"):
                await asyncio.to_thread(login, start.url, {"user": "rtyler", "password": "rtyler"})
    finally:
        peer.stop()
