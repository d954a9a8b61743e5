"""Sign-in end to end against LemonLDAP::NG's SAML IdP (Lasso), a real peer."""

from __future__ import annotations

import pytest

from idpbridge import Authenticated, RedirectRequired
from idpbridge.errors import FlowError
from idpbridge.methods import FinishSAML, StartSAML
from tests.peers.lemonldap_saml import LLNGSAMLPeer

from ._browser import login
from .conftest import make_connector

pytestmark = pytest.mark.peer("lemonldap")


async def test_sign_in_signed_response_and_assertion(lemonldap_saml: LLNGSAMLPeer) -> None:
    async with make_connector(lemonldap_saml.metadata_url, lemonldap_saml.sp) as conn:
        start = await conn.authenticate(StartSAML())
        assert isinstance(start, RedirectRequired)
        fields = login(start.url, {"user": "dwho", "password": "dwho"})
        finish = FinishSAML(fields["SAMLResponse"], fields.get("RelayState"), start.continuation)
        out = await conn.authenticate(finish)
        assert isinstance(out, Authenticated)
        ident = out.identity
        assert ident.issuer == lemonldap_saml.metadata_url
        assert ident.subject == "dwho"
        assert ident.email == "dwho@badwolf.org"
        assert ident.username == "dwho"
        assert ident.claims["saml:name_id_format"].endswith("persistent")
        assert ident.sources["mail"] == "saml_assertion"
        with pytest.raises(FlowError):  # the same POST again: the flow step is single-use
            await conn.authenticate(finish)


async def test_check_reports_metadata_certificates_and_signing_wish(lemonldap_saml: LLNGSAMLPeer) -> None:
    async with make_connector(lemonldap_saml.metadata_url, lemonldap_saml.sp) as conn:
        report = await conn.check()
    by_name = {r.name: r for r in report.results}
    assert by_name["metadata"].ok
    assert by_name["certificate_1"].ok
    assert "expires" in by_name["certificate_1"].detail
    assert by_name["algorithms"].ok
    # LemonLDAP::NG always advertises WantAuthnRequestsSigned="true"
    assert not by_name["authn_request_signing"].ok
    assert not report.ok


async def test_check_reports_an_unreachable_metadata_url(lemonldap_saml: LLNGSAMLPeer) -> None:
    from tests.peers._proc import free_port

    url = f"http://127.0.0.1:{free_port()}/saml/metadata"
    async with make_connector(url, lemonldap_saml.sp, retries=1) as conn:
        report = await conn.check()
    assert not {r.name: r for r in report.results}["metadata"].ok
