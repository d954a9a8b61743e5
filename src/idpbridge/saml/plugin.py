"""Entry-point descriptor of the ``saml`` connector (cheap to import: no lxml, no signxml)."""

from __future__ import annotations

from ..methods import Method
from ..registry import ConnectorPlugin

__all__ = ["PLUGIN"]

PLUGIN = ConnectorPlugin(
    name="saml",
    title="SAML 2.0 IdP",
    methods=frozenset({Method.SAML}),
    connector="idpbridge.saml.connector:SAMLConnector",
    requires=("lxml", "signxml"),
    extra="saml",
    description="Any SAML 2.0 IdP (Web Browser SSO, SP side): signed, optionally encrypted assertions.",
)
