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
