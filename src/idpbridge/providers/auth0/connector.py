"""The Auth0 connector: the OIDC engine with Auth0's sheet, plus its grant parameters."""

from __future__ import annotations

from ...kit import OIDCConnector
from ...methods import Password
from .config import Auth0Config
from .sheet import PASSWORD_GRANT, PASSWORD_REALM_GRANT

__all__ = ["Auth0Connector"]


class Auth0Connector(OIDCConnector):
    """Auth0: code + PKCE, the ``password``/``password-realm`` grants, ID-token validation.

    A password grant answered with ``403 mfa_required`` raises :class:`~idpbridge.MFARequired`
    whose ``continuation`` seals Auth0's ``mfa_token`` for the ``totp`` method.
    """

    config: Auth0Config

    def password_grant_type(self, request: Password) -> str:
        """``password-realm`` when a realm (connection) is configured, else ``password``."""
        return PASSWORD_REALM_GRANT if self.config.realm else PASSWORD_GRANT
