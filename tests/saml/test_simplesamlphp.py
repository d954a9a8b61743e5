"""Sign-in end to end against SimpleSAMLphp (a PHP SAML IdP), a real peer."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from idpbridge import Authenticated, RedirectRequired
from idpbridge.errors import TokenValidationError
from idpbridge.methods import FinishSAML, StartSAML
from idpbridge.saml.connector import SAMLConnector
from tests.peers._proc import free_port
from tests.peers.lemonldap_saml import make_keypair
from tests.peers.simplesamlphp import SSPPeer, start_ssp

from ._browser import login
from .conftest import make_connector

pytestmark = pytest.mark.peer("simplesamlphp")


async def _sign_in(conn: SAMLConnector) -> Authenticated:
    start = await conn.authenticate(StartSAML())
    assert isinstance(start, RedirectRequired)  # SimpleSAMLphp 1.19 publishes HTTP-Redirect SSO only
    fields = await asyncio.to_thread(login, start.url, {"username": "alice", "password": "alicepass"})
    out = await conn.authenticate(
        FinishSAML(fields["SAMLResponse"], fields["RelayState"], start.continuation)
    )
    assert isinstance(out, Authenticated)
    return out


async def test_sign_in(simplesamlphp: SSPPeer) -> None:
    async with make_connector(simplesamlphp.metadata_url, simplesamlphp.sp) as conn:
        out = await _sign_in(conn)
    ident = out.identity
    assert (ident.issuer, ident.subject) == (simplesamlphp.metadata_url, "alice")
    assert ident.email == "alice@example.org"
    assert (ident.given_name, ident.family_name) == ("Alice", "Liddell")
    assert ident.groups == ("admins", "users")
    assert ident.roles == ("member", "staff")
    assert ident.claims["eduPersonAffiliation"] == ["member", "staff"]


async def test_encrypted_assertion_and_signature_policy(tmp_path: Path, peer_logs: Path) -> None:
    sp = make_keypair("sp-ssp-enc")
    peer = start_ssp(tmp_path / "enc", peer_logs, sp=sp, encrypt=True, sign_response=False)
    try:
        async with make_connector(peer.metadata_url, sp) as conn:
            assert (await _sign_in(conn)).identity.subject == "alice"
    finally:
        peer.stop()
    # signed Response around an unsigned, encrypted assertion: refused by default, accepted when told
    peer = start_ssp(tmp_path / "enc2", peer_logs, sp=sp, encrypt=True, sign_assertion=False)
    try:
        async with make_connector(peer.metadata_url, sp) as conn:
            with pytest.raises(TokenValidationError) as info:
                await _sign_in(conn)
            assert info.value.code == "saml.assertion_unsigned"
        async with make_connector(peer.metadata_url, sp, want_assertions_signed=False) as conn:
            assert (await _sign_in(conn)).identity.subject == "alice"
    finally:
        peer.stop()


async def test_planned_rollover_with_two_published_certificates(tmp_path: Path, peer_logs: Path) -> None:
    sp, old, new, port = make_keypair("sp-ssp-roll"), make_keypair("old"), make_keypair("new"), free_port()
    peer = start_ssp(tmp_path / "a", peer_logs, sp=sp, idp=old, next_idp=new, port=port)
    conn = make_connector(peer.metadata_url, sp)
    try:
        await _sign_in(conn)
        assert len((await conn.metadata.get()).signing_certs) == 2  # both published during the rollover
        fetched = conn.metadata.fetched_at
        peer.stop()
        peer = start_ssp(tmp_path / "b", peer_logs, sp=sp, idp=new, port=port)  # the IdP now signs with new
        assert (await _sign_in(conn)).identity.subject == "alice"
        assert conn.metadata.fetched_at == fetched  # accepted with the cached second certificate
    finally:
        peer.stop()
        await conn.aclose()


async def test_encrypted_name_id(tmp_path: Path, peer_logs: Path) -> None:
    sp = make_keypair("sp-ssp-nameid")
    peer = start_ssp(tmp_path / "nid", peer_logs, sp=sp, encrypt_name_id=True)
    try:
        async with make_connector(peer.metadata_url, sp) as conn:
            out = await _sign_in(conn)
        assert out.identity.subject == "alice"
        async with make_connector(peer.metadata_url, sp, sp_decryption_key=None) as conn:
            with pytest.raises(TokenValidationError) as info:
                await _sign_in(conn)
        assert info.value.code == "saml.nameid_invalid"
    finally:
        peer.stop()


async def test_workers_share_fetched_metadata_through_the_cache(tmp_path: Path, peer_logs: Path) -> None:
    from idpbridge.cache import MemoryCache
    from idpbridge.errors import ProviderUnavailable

    sp = make_keypair("sp-ssp-cache")
    shared = MemoryCache()
    peer = start_ssp(tmp_path / "cache", peer_logs, sp=sp)
    first = make_connector(peer.metadata_url, sp, cache=shared, retries=1)
    try:
        meta = await first.metadata.get()
    finally:
        peer.stop()
    second = make_connector(peer.metadata_url, sp, cache=shared, retries=1)
    assert (await second.metadata.get()).entity_id == meta.entity_id  # the IdP is down: from the cache
    lonely = make_connector(peer.metadata_url, sp, retries=1)
    with pytest.raises(ProviderUnavailable):  # without the shared copy, the fetch fails
        await lonely.metadata.get()
    for conn in (first, second, lonely):
        await conn.aclose()
