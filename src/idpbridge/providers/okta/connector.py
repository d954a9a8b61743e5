"""The Okta connector: the generic OIDC engine with Okta's issuer rule and error dialect.

Everything protocol-level (discovery, PKCE, ID-token validation, the password grant, the
``mfa_required`` continuation) is :class:`~idpbridge.oidc.OIDCConnector`; this class only plugs
in Okta's data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ...classify import ErrorRule
from ...methods import Method
from ...oidc.claims import ClaimMap
from ...oidc.client import ErrorInfo
from ...oidc.connector import OIDCConnector
from .config import OktaConfig
from .errors import RULES, okta_error

__all__ = ["OktaConnector"]


class OktaConnector(OIDCConnector):
    """Okta org or custom authorization server: code + PKCE, ROPC, ID-token validation.

    A password grant answered with ``403 mfa_required`` raises :class:`~idpbridge.MFARequired`
    whose ``continuation`` seals Okta's ``mfa_token`` for the ``totp`` method.
    """

    name: ClassVar[str] = "okta"
    title: ClassVar[str] = "Okta"
    methods: ClassVar[frozenset[Method]] = frozenset({Method.OIDC, Method.PASSWORD, Method.TOKEN})
    Config: ClassVar[type[OktaConfig]] = OktaConfig
    error_rules: ClassVar[tuple[ErrorRule, ...]] = RULES
    #: Standard claims (§2.7): ``sub`` (``00u…``, immutable), ``preferred_username`` (the mutable
    #: Okta login), ``groups`` only when the admin adds a groups claim to the app/server.
    claim_map: ClassVar[ClaimMap] = ClaimMap()
    probe_password_grant: ClassVar[bool] = True

    config: OktaConfig

    def parse_error(self, body: Mapping[str, Any]) -> ErrorInfo:
        """Both envelopes: OAuth ``error`` and Okta's ``errorCode``/``errorSummary``."""
        return okta_error(body)

    def default_tenant(self) -> str:
        """The Okta org host."""
        return self.config.org_host
