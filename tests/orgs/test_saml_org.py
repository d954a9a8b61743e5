"""A SAML organization routed end to end against the real LemonLDAP::NG SAML IdP: route by email,
start, IdP login, complete, and the same POST again refused as a replay."""

from __future__ import annotations

from pathlib import Path

import pytest

import idpbridge
from idpbridge import FlowError, RedirectRequired
from idpbridge.orgs import FederatedIdentity
from tests.peers.lemonldap_saml import ACS_URL, SP_ENTITY_ID, LLNGSAMLPeer
from tests.saml._browser import login

from ._files import KEY

pytestmark = pytest.mark.peer("lemonldap")


def _toml(peer: LLNGSAMLPeer) -> str:
    key = peer.sp.key_pem.replace("\n", "\\n")
    return f"""
[settings]
continuation_keys = ["{KEY}"]
store = "memory"

[connectors.badwolf-saml]
provider = "saml"
idp_metadata_url = "{peer.metadata_url}"
sp_entity_id = "{SP_ENTITY_ID}"
acs_url = "{ACS_URL}"
name_id_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
sp_decryption_key = "{key}"

[organizations.badwolf]
name = "Bad Wolf"
connector = "badwolf-saml"
domains = ["badwolf.org"]
verified_domains = ["badwolf.org"]
"""


async def test_saml_organization_end_to_end(tmp_path: Path, lemonldap_saml: LLNGSAMLPeer) -> None:
    path = tmp_path / "connectors.toml"
    path.write_text(_toml(lemonldap_saml))
    async with idpbridge.load(path) as conns:
        orgs = conns.organizations
        route = orgs.route(email="dwho@BadWolf.org")
        assert (route.organization.id, route.connector.instance_name, route.method) == (
            "badwolf",
            "badwolf-saml",
            "saml",
        )
        step = await orgs.start("dwho@badwolf.org", redirect_uri=ACS_URL)
        assert step.method == "saml"
        assert isinstance(step.outcome, RedirectRequired)
        fields = login(step.url, {"user": "dwho", "password": "dwho"})
        done = await orgs.complete(fields, step.continuation, org="badwolf")
        assert isinstance(done, FederatedIdentity)
        assert (done.organization.id, done.idp.connector, done.idp.method) == (
            "badwolf",
            "badwolf-saml",
            "saml",
        )
        assert done.idp.issuer == lemonldap_saml.metadata_url
        assert done.identity.key == (lemonldap_saml.metadata_url, "dwho")
        assert done.attributes["email"] == "dwho@badwolf.org"
        assert done.email_domain_owned is False  # SAML carries no email verification flag
        with pytest.raises(FlowError) as err:  # the same POST again
            await orgs.complete(fields, step.continuation, org="badwolf")
        assert err.value.code == "flow.reused"
