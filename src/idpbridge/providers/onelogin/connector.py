"""The ``onelogin`` connector: OneLogin OIDC v2 on the generic OIDC engine (data only)."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlsplit

from ...methods import Method
from ...oidc.claims import ClaimMap
from ...oidc.connector import OIDCConnector
from .claims import CLAIMS
from .config import OneLoginConfig
from .errors import RULES

__all__ = ["OneLoginConnector"]


class OneLoginConnector(OIDCConnector):
    """OneLogin: authorization code + PKCE, or the password grant, and token validation."""

    name: ClassVar[str] = "onelogin"
    title: ClassVar[str] = "OneLogin"
    methods: ClassVar[frozenset[Method]] = frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN})
    Config: ClassVar[type[OneLoginConfig]] = OneLoginConfig
    config: OneLoginConfig

    error_rules = RULES
    claim_map: ClassVar[ClaimMap] = CLAIMS
    probe_password_grant = True

    def default_tenant(self) -> str | None:
        """The OneLogin account: its subdomain, or the custom domain's host."""
        return self.config.subdomain or urlsplit(self.config.base_url or "").hostname
