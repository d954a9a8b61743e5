"""SP metadata generation, and the plugin descriptor staying cheap (no lxml at listing time)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from idpbridge.saml.config import SAMLConfig
from idpbridge.saml.metadata import parse_idp_metadata
from idpbridge.saml.spmetadata import sp_metadata
from tests.peers.lemonldap_saml import make_keypair

MD = "urn:oasis:names:tc:SAML:2.0:metadata"


def test_sp_metadata_lists_acs_and_certificates() -> None:
    pair = make_keypair("sp-md")
    cfg = SAMLConfig(
        idp_metadata_url="https://idp.example/metadata",
        sp_entity_id="https://app.example/sp",
        acs_url="https://app.example/acs",
        name_id_format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        sign_authn_requests=True,
        sp_signing_key=pair.key_pem,
        sp_signing_cert=pair.cert_pem,
        sp_encryption_cert=pair.cert_pem,
    )
    root = etree.fromstring(sp_metadata(cfg).encode())
    assert root.get("entityID") == "https://app.example/sp"
    sp = root.find(f"{{{MD}}}SPSSODescriptor")
    assert sp.get("AuthnRequestsSigned") == "true"
    assert sp.find(f"{{{MD}}}AssertionConsumerService").get("Location") == "https://app.example/acs"
    assert [k.get("use") for k in sp.findall(f"{{{MD}}}KeyDescriptor")] == ["signing", "encryption"]
    assert pair.cert_b64 in sp_metadata(cfg)


def test_plugin_descriptor_does_not_import_lxml() -> None:
    code = (
        "import sys, idpbridge.saml.plugin as p; "
        "print(p.PLUGIN.name, 'lxml' in sys.modules, 'signxml' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["saml", "False", "False"]


def test_metadata_with_two_certificates_keeps_both() -> None:
    a, b = make_keypair("a"), make_keypair("b")
    kd = (
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}'
        "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
    )
    xml = (
        f'<md:EntityDescriptor xmlns:md="{MD}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
        'entityID="https://idp"><md:IDPSSODescriptor WantAuthnRequestsSigned="true" '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        + kd.format(a.cert_b64)
        + kd.format(b.cert_b64)
        + '<md:SingleSignOnService Location="https://idp/sso" '
        'Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )
    meta = parse_idp_metadata(xml)
    assert len(meta.signing_certs) == 2
    assert meta.want_authn_requests_signed


def test_cli_prints_sp_metadata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata as md

    from typer.testing import CliRunner

    from idpbridge import registry
    from idpbridge.cli import app

    ep = md.EntryPoint(name="saml", value="idpbridge.saml.plugin:PLUGIN", group="idpbridge.connectors")
    monkeypatch.setattr(registry, "_default", registry.Registry(entry_points=lambda: [ep]))
    pair = make_keypair("sp-cli")
    (tmp_path / "idp.xml").write_text(
        f'<md:EntityDescriptor xmlns:md="{MD}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
        'entityID="https://idp"><md:IDPSSODescriptor '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing">'
        f"<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{pair.cert_b64}</ds:X509Certificate></ds:X509Data>"
        '</ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Location="https://idp/sso" '
        'Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"/></md:IDPSSODescriptor></md:EntityDescriptor>'
    )
    conf = tmp_path / "connectors.toml"
    conf.write_text(
        '[settings]\nstore = "memory"\n\n[connectors.acme]\nprovider = "saml"\n'
        f'idp_metadata_file = "{tmp_path / "idp.xml"}"\nsp_entity_id = "https://app.example/sp"\n'
        'acs_url = "https://app.example/acs"\n'
    )
    result = CliRunner().invoke(app, ["saml", "metadata", "acme", "-c", str(conf)])
    assert result.exit_code == 0, result.output
    root = etree.fromstring(result.stdout.encode())
    assert root.get("entityID") == "https://app.example/sp"
    bad = CliRunner().invoke(app, ["saml", "metadata", "nope", "-c", str(conf)])
    assert bad.exit_code == 2
