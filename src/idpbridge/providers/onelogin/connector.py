"""The ``onelogin`` connector: OneLogin OIDC v2 on the generic OIDC engine (data in :mod:`.sheet`)."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlsplit

from ...kit import EngineHooks, OIDCConnector
from .config import OneLoginConfig
from .sheet import SHEET

__all__ = ["OneLoginConnector"]


class OneLoginConnector(OIDCConnector):
    """OneLogin: authorization code + PKCE, or the password grant, and token validation."""

    sheet = SHEET
    Config: ClassVar[type[OneLoginConfig]] = OneLoginConfig
    config: OneLoginConfig

    def engine_hooks(self) -> EngineHooks:
        """The default tenant: the OneLogin account's subdomain, or the custom domain's host."""
        return EngineHooks(
            default_tenant=self.config.subdomain or urlsplit(self.config.base_url or "").hostname
        )
