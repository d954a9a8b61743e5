"""The Okta connector: the OIDC engine with Okta's sheet, and the ``totp`` method over Okta's two
paths (:mod:`.direct`, :mod:`.idx`).

Everything protocol-level (discovery, PKCE, ID-token validation, the password grant) is the
engine; this class routes TOTP requests to the path ``totp_flow`` names, handing it a
:class:`~.direct.TotpContext` (the engine, which seals and claims steps, and the config), never
itself.
"""

from __future__ import annotations

from typing import Any

from ...kit import (
    TOTP,
    Answer,
    Continuation,
    EngineHooks,
    InvalidCredentials,
    Method,
    OIDCConnector,
    Outcome,
    Password,
)
from . import direct, idx
from .config import OktaConfig

__all__ = ["OktaConnector"]


class OktaConnector(OIDCConnector):
    """Okta org or custom authorization server: code + PKCE, ROPC, ID-token validation, TOTP.

    A password grant answered with ``403 mfa_required`` raises :class:`~idpbridge.MFARequired`
    whose ``continuation`` seals Okta's ``mfa_token`` for the ``totp`` method; with ``totp``
    enabled it returns that continuation as an :class:`~idpbridge.InputRequired` TOTP step instead.
    With ``totp_flow = "idx"`` (and ``totp`` enabled) ``Password`` and ``TOTP`` run the Identity
    Engine's Interaction Code flow, one ``InputRequired`` step per value still missing.
    """

    config: OktaConfig

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._totp = direct.TotpContext(self.engine, self.config)

    def engine_hooks(self) -> EngineHooks:
        """With ``totp`` enabled, a sealed ``mfa_token`` is answered through the TOTP step (both
        error envelopes are the sheet's ``error_fields``)."""
        totp = Method.TOTP in self.config.enabled_methods
        return EngineHooks(mfa_step=direct.STEP if totp else None)

    async def password(self, request: Password) -> Outcome:
        """ROPC (or, with ``totp_flow = "idx"``, IDX); a second factor becomes the TOTP step."""
        if not self.config.uses_idx:
            return await super().password(request)
        password = request.password.get_secret_value()
        if not password:
            raise InvalidCredentials("username and password must not be empty", code="invalid_credentials")
        return await idx.login(self._totp, request.username, password, None)

    async def totp(self, request: TOTP) -> Outcome:
        """The code with the password (or alone), through the path ``totp_flow`` names."""
        password = request.password.get_secret_value() if request.password is not None else None
        code = request.code.get_secret_value()
        if self.config.uses_idx:
            return await idx.login(self._totp, request.username, password, code)
        return await direct.totp(self._totp, request.username, password, code)

    async def answer(self, request: Answer, continuation: Continuation) -> Outcome:
        """Continue a TOTP or password step (Direct Authentication or IDX). Single-use."""
        if continuation.data.get("f") == idx.FLOW:
            return await idx.resume(self._totp, continuation, request.values)
        return await direct.answer(self._totp, continuation, request.values)
