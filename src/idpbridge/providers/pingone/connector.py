"""The ``pingone`` connector: PingOne on the generic OIDC engine; passwords via ``pi.flow``."""

from __future__ import annotations

from typing import ClassVar

from ...methods import Method, Password
from ...oidc.claims import ClaimMap
from ...oidc.connector import OIDCConnector
from ...outcomes import Outcome
from .claims import CLAIMS
from .config import PingOneConfig
from .errors import RULES
from .flows import password_login

__all__ = ["PingOneConnector"]


class PingOneConnector(OIDCConnector):
    """PingOne: authorization code + PKCE, token validation, and passwords through the Flows API."""

    name: ClassVar[str] = "pingone"
    title: ClassVar[str] = "PingOne"
    methods: ClassVar[frozenset[Method]] = frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN})
    Config: ClassVar[type[PingOneConfig]] = PingOneConfig
    config: PingOneConfig

    error_rules = RULES
    claim_map: ClassVar[ClaimMap] = CLAIMS

    def default_tenant(self) -> str | None:
        """The environment id (when the token carries no ``env`` claim)."""
        return self.config.environment_id

    async def password(self, request: Password) -> Outcome:
        """Username and password through the redirectless flow (PingOne has no ROPC grant)."""
        return await password_login(self, request)
