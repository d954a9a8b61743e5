"""The ``onelogin`` connector: OneLogin OIDC v2 on the generic OIDC engine (data in :mod:`.sheet`)."""

from __future__ import annotations

from ...kit import OIDCConnector
from .config import OneLoginConfig

__all__ = ["OneLoginConnector"]


class OneLoginConnector(OIDCConnector):
    """OneLogin: authorization code + PKCE, or the password grant, and token validation."""

    config: OneLoginConfig
