"""The generic ``oidc`` connector's sheet and entry-point descriptor (cheap to import: no JOSE)."""

from __future__ import annotations

from ..methods import Method
from ..sheet import ProviderSheet

__all__ = ["PLUGIN", "SHEET"]

SHEET = ProviderSheet(
    name="oidc",
    title="Generic OpenID Connect",
    methods=frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN, Method.DEVICE, Method.CIBA}),
    description=(
        "Any OpenID Provider with discovery: code + PKCE, password grant, device flow, CIBA, "
        "token validation."
    ),
)

PLUGIN = SHEET.plugin(connector="idpbridge.oidc.connector:OIDCConnector")
