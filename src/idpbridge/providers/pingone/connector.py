"""The ``pingone`` connector: PingOne on the generic OIDC engine; passwords via ``pi.flow``."""

from __future__ import annotations

import time
from typing import ClassVar

from ...connector import CheckResult
from ...errors import sanitize
from ...methods import Method, Password
from ...oidc.claims import ClaimMap
from ...oidc.connector import OIDCConnector
from ...outcomes import Outcome
from .claims import CLAIMS
from .config import PingOneConfig
from .errors import RULES
from .flows import password_login, probe_flow

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

    async def probes(self) -> list[CheckResult]:
        """The OIDC probes, plus (with ``password``) a redirectless flow started without credentials."""
        results = await super().probes()
        if Method.PASSWORD in self.enabled_methods:
            started = time.perf_counter()
            try:
                ok, detail = await probe_flow(self)
            except Exception as exc:  # a failed probe is a finding, never an exception
                ok, detail = False, f"{type(exc).__name__}: {sanitize(exc, limit=150)}"
            elapsed = round((time.perf_counter() - started) * 1e3, 1)
            results.append(CheckResult("password", ok, sanitize(detail), elapsed))
        return results
