"""The sandbox's SAML IdP face against idpbridge's own ``saml`` connector: metadata, the login
page, a signed Response with a signed Assertion, wrong passwords and foreign ACS URLs refused."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from idpbridge import Authenticated, IdpBridgeError, RedirectRequired
from idpbridge.methods import FinishSAML, StartSAML
from idpbridge.outcomes import PostRequired
from idpbridge.replay import MemoryReplayStore
from idpbridge.saml.connector import SAMLConnector
from idpbridge.sandbox import Sandbox, load_seed
from idpbridge.sandbox.seed import SAMLServiceProviderSeed
from tests.peers.lemonldap_saml import make_keypair
from tests.saml._browser import forms, login

SP, ACS = "http://127.0.0.1:9/sp", "http://127.0.0.1:9/acs"
_NS = 'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"'
_NO_ACS = f'<samlp:AuthnRequest {_NS} ID="_r1"><saml:Issuer>{SP}</saml:Issuer></samlp:AuthnRequest>'.encode()
_BOMB = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>'


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


def _connector(sb: Sandbox, acs: str = ACS, **extra: Any) -> SAMLConnector:
    return SAMLConnector(
        {
            "idp_metadata_url": sb.saml_metadata_url,
            "sp_entity_id": SP,
            "acs_url": acs,
            "name_id_format": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
            **extra,
        },
        replay_store=MemoryReplayStore(),
    )


async def test_sign_in_through_the_saml_face(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient() as http:
        md = await http.get(sandbox.saml_metadata_url)
    assert md.status_code == 200
    assert b"HTTP-Redirect" in md.content
    assert b"HTTP-POST" in md.content
    async with _connector(sandbox) as conn:
        start = await conn.authenticate(StartSAML())
        assert isinstance(start, RedirectRequired)
        creds = {"username": "grace", "password": "Grace-H0pper!"}
        fields = await asyncio.to_thread(login, start.url, creds)
        out = await conn.authenticate(
            FinishSAML(fields["SAMLResponse"], fields.get("RelayState"), start.continuation)
        )
    assert isinstance(out, Authenticated)
    ident = out.identity
    assert ident.issuer == sandbox.saml_metadata_url
    assert ident.email == "grace@globex.example"
    assert ident.username == "grace"
    assert ident.groups == ("engineering",)
    assert ident.claims["saml:name_id_format"].endswith("persistent")


async def test_post_binding_wrong_password_and_foreign_acs(sandbox: Sandbox) -> None:
    async with _connector(sandbox) as conn:
        start = await conn.authenticate(StartSAML(binding="post"))
    assert isinstance(start, PostRequired)
    async with httpx.AsyncClient() as http:
        page = await http.post(start.url, data=dict(start.fields))
        assert page.status_code == 200
        ((form, _),) = forms(page.text)
        creds = {"username": "grace", "password": "nope"}
        bad = await http.post(page.url.join(form["action"]), data=creds)
        assert "Invalid username or password." in bad.text
        assert "SAMLResponse" not in bad.text

        async with _connector(sandbox, acs="https://sp.example/acs") as conn:
            foreign = await conn.authenticate(StartSAML())
        assert isinstance(foreign, RedirectRequired)
        refused = await http.get(foreign.url)
    assert refused.status_code == 400
    assert "loopback" in refused.text


@pytest.mark.parametrize(
    ("method", "fields", "message"),
    [
        ("GET", {}, "No SAMLRequest."),
        ("GET", {"SAMLRequest": "not base64 deflate!"}, "not a readable AuthnRequest"),
        ("POST", {"SAMLRequest": base64.b64encode(b"<x/>").decode()}, "not an AuthnRequest"),
        ("POST", {"SAMLRequest": base64.b64encode(_BOMB).decode()}, "not a readable AuthnRequest"),
        ("POST", {"SAMLRequest": base64.b64encode(_NO_ACS).decode()}, "names no AssertionConsumerServiceURL"),
    ],
)
def test_bad_authn_requests_get_an_error_page(
    sandbox: Sandbox, method: str, fields: dict[str, str], message: str
) -> None:
    url = f"{sandbox.base_url}/saml/sso"
    answer = httpx.get(url, params=fields) if method == "GET" else httpx.post(url, data=fields)
    assert answer.status_code == 400
    assert message in answer.text
    assert sandbox.saml is not None
    assert not sandbox.saml.pending


def test_unknown_or_expired_login_and_unknown_route(sandbox: Sandbox) -> None:
    answer = httpx.post(f"{sandbox.base_url}/saml/login?t=nope", data={"username": "grace", "password": "x"})
    assert answer.status_code == 400
    assert "expired" in answer.text
    assert httpx.get(f"{sandbox.base_url}/saml/nothing").status_code == 404


def _finish(fields: dict[str, str], start: RedirectRequired) -> FinishSAML:
    return FinishSAML(fields["SAMLResponse"], fields["RelayState"], start.continuation)


async def test_encrypted_assertion_for_a_seeded_sp() -> None:
    sp = make_keypair("sandbox-sp")
    base = load_seed()
    assert base.saml is not None
    saml = base.saml.model_copy(
        update={"service_providers": (SAMLServiceProviderSeed(entity_id=SP, encryption_cert=sp.cert_pem),)}
    )
    with Sandbox(base.model_copy(update={"saml": saml})) as server:
        creds = {"username": "grace@globex.example", "password": "Grace-H0pper!"}  # e-mail works too
        async with _connector(server) as conn:  # no decryption key: refused
            start = await conn.authenticate(StartSAML())
            assert isinstance(start, RedirectRequired)
            fields = await asyncio.to_thread(login, start.url, creds)
            assert b"EncryptedAssertion" in base64.b64decode(fields["SAMLResponse"])
            with pytest.raises(IdpBridgeError) as err:
                await conn.authenticate(
                    FinishSAML(fields["SAMLResponse"], fields["RelayState"], start.continuation)
                )
            assert err.value.code == "saml.decrypt_failed"
        async with _connector(server, sp_decryption_key=sp.key_pem) as conn:
            start = await conn.authenticate(StartSAML())
            assert isinstance(start, RedirectRequired)
            fields = await asyncio.to_thread(login, start.url, creds)
            out = await conn.authenticate(
                FinishSAML(fields["SAMLResponse"], fields["RelayState"], start.continuation)
            )
    assert isinstance(out, Authenticated)
    assert out.identity.email == "grace@globex.example"
