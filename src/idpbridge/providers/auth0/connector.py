"""The Auth0 connector: the generic OIDC engine with Auth0's issuer, grants and error table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ...classify import ErrorRule
from ...methods import Method, Password, StartOIDC
from ...oidc.claims import ClaimMap
from ...oidc.client import ErrorInfo
from ...oidc.connector import OIDCConnector
from .config import Auth0Config
from .errors import RULES, auth0_error
from .wire import PASSWORD_GRANT, PASSWORD_REALM_GRANT

__all__ = ["Auth0Connector"]


class Auth0Connector(OIDCConnector):
    """Auth0: code + PKCE, the ``password``/``password-realm`` grants, ID-token validation.

    A password grant answered with ``403 mfa_required`` raises :class:`~idpbridge.MFARequired`
    whose ``continuation`` seals Auth0's ``mfa_token`` for the ``totp`` method.
    """

    name: ClassVar[str] = "auth0"
    title: ClassVar[str] = "Auth0"
    methods: ClassVar[frozenset[Method]] = frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN})
    Config: ClassVar[type[Auth0Config]] = Auth0Config
    error_rules: ClassVar[tuple[ErrorRule, ...]] = RULES
    #: §3.6: ``sub`` is ``{connection strategy}|{id}``; ``nickname`` is the login name; Auth0
    #: Organizations put ``org_id`` in tokens. Groups/roles are namespaced Action claims (map them
    #: with ``claim_mapping``).
    claim_map: ClassVar[ClaimMap] = ClaimMap(username="nickname", tenant="org_id")
    probe_password_grant: ClassVar[bool] = True

    config: Auth0Config

    def parse_error(self, body: Mapping[str, Any]) -> ErrorInfo:
        """Auth0's error fields (``error``/``errorCode``/``code`` and their descriptions)."""
        return auth0_error(body)

    def authorize_params(self, request: StartOIDC) -> dict[str, str]:
        """``audience`` (when configured), then the config's and the request's parameters."""
        params = {"audience": self.config.audience} if self.config.audience else {}
        return {**params, **super().authorize_params(request)}

    def password_grant_type(self, request: Password) -> str:
        """``password-realm`` when a realm (connection) is configured, else ``password``."""
        return PASSWORD_REALM_GRANT if self.config.realm else PASSWORD_GRANT

    def password_params(self, request: Password) -> dict[str, str]:
        """``realm`` and ``audience``, when configured."""
        params: dict[str, str] = {}
        if self.config.realm:
            params["realm"] = self.config.realm
        if self.config.audience:
            params["audience"] = self.config.audience
        return params

    def default_tenant(self) -> str:
        """The tenant (or custom) domain, when the token names no Auth0 Organization."""
        return self.config.tenant_host
