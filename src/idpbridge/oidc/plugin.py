"""Entry-point descriptor of the generic ``oidc`` connector (cheap to import: no JOSE, no HTTP)."""

from __future__ import annotations

from ..methods import Method
from ..registry import ConnectorPlugin

__all__ = ["PLUGIN"]

PLUGIN = ConnectorPlugin(
    name="oidc",
    title="Generic OpenID Connect",
    methods=frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN}),
    connector="idpbridge.oidc.connector:OIDCConnector",
    description="Any OpenID Provider with discovery: code + PKCE, password grant, token validation.",
)
