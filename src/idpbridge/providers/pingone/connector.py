"""The ``pingone`` connector: PingOne on the generic OIDC engine (data in :mod:`.sheet`); passwords
via ``pi.flow`` (:mod:`.flows`)."""

from __future__ import annotations

from ...kit import Method, OIDCConnector, Outcome, Password, Probe
from .config import PingOneConfig
from .flows import password_login, probe_flow

__all__ = ["PingOneConnector"]


class PingOneConnector(OIDCConnector):
    """PingOne: authorization code + PKCE, token validation, and passwords through the Flows API."""

    config: PingOneConfig

    async def password(self, request: Password) -> Outcome:
        """Username and password through the redirectless flow (PingOne has no ROPC grant)."""
        return await password_login(self.engine, self.config, request)

    def extra_probes(self) -> list[tuple[str, Probe]]:
        """With ``password``: a redirectless flow started without credentials."""
        password = Method.PASSWORD in self.enabled_methods
        return [("password", lambda: probe_flow(self.engine, self.config))] if password else []
