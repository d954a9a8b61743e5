"""The Okta connector: the generic OIDC engine with Okta's issuer rule and error dialect, and the
``totp`` method over Okta's two paths (:mod:`.direct`, :mod:`.idx`; wire facts in :mod:`.wire`).

Everything protocol-level (discovery, PKCE, ID-token validation, the password grant, the
``mfa_required`` continuation) is :class:`~idpbridge.oidc.OIDCConnector`; this class plugs in
Okta's data and routes TOTP requests to the path ``totp_flow`` names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ...classify import ErrorRule
from ...continuation import Continuation
from ...errors import FlowError, InvalidCredentials, MFARequired
from ...methods import TOTP, Answer, Method, Password
from ...oidc.claims import ClaimMap
from ...oidc.client import ErrorInfo
from ...oidc.connector import OIDCConnector
from ...outcomes import Outcome
from . import direct, idx
from .config import OktaConfig
from .errors import RULES, okta_error

__all__ = ["OktaConnector"]


class OktaConnector(OIDCConnector):
    """Okta org or custom authorization server: code + PKCE, ROPC, ID-token validation, TOTP.

    A password grant answered with ``403 mfa_required`` raises :class:`~idpbridge.MFARequired`
    whose ``continuation`` seals Okta's ``mfa_token`` for the ``totp`` method; with ``totp``
    enabled it returns that continuation as an :class:`~idpbridge.InputRequired` TOTP step instead.
    With ``totp_flow = "idx"`` (and ``totp`` enabled) ``Password`` and ``TOTP`` run the Identity
    Engine's Interaction Code flow, one ``InputRequired`` step per value still missing.
    """

    name: ClassVar[str] = "okta"
    title: ClassVar[str] = "Okta"
    methods: ClassVar[frozenset[Method]] = frozenset(
        {Method.OIDC, Method.PASSWORD, Method.TOKEN, Method.TOTP}
    )
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

    @property
    def _idx(self) -> bool:
        return self.config.totp_flow == "idx" and Method.TOTP in self.enabled_methods

    async def password(self, request: Password) -> Outcome:
        """ROPC (or, with ``totp_flow = "idx"``, IDX); a second factor becomes the TOTP step."""
        if self._idx:
            password = request.password.get_secret_value()
            if not password:
                raise InvalidCredentials(
                    "username and password must not be empty", code="invalid_credentials"
                )
            return await idx.login(self, request.username, password, None)
        try:
            return await super().password(request)
        except MFARequired as exc:
            step = direct.step_from(self, exc)
            if step is None:
                raise
            return step

    async def totp(self, request: TOTP) -> Outcome:
        """The code with the password (or alone), through the path ``totp_flow`` names."""
        if self._idx:
            password = request.password.get_secret_value() if request.password is not None else None
            return await idx.login(self, request.username, password, request.code.get_secret_value())
        return await direct.totp(self, request)

    async def answer(self, request: Answer, continuation: Continuation) -> Outcome:
        """Continue a TOTP or password step (Direct Authentication or IDX). Single-use."""
        data = continuation.data
        if data.get("f") == idx.FLOW:
            return await idx.resume(self, continuation, request.values)
        if isinstance(data.get("mfa_token"), str):
            return await direct.answer(self, continuation, request.values)
        raise FlowError("this continuation is not an Okta TOTP step", code="flow.wrong_method")
