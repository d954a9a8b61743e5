"""TOTP through Okta's Direct Authentication grants (``totp_flow = "direct"``; grant types in
:mod:`.errors`, source
https://github.com/okta/okta-developer-docs/blob/master/packages/@okta/vuepress-site/docs/guides/configure-direct-auth-grants/main/bmfaotp/use-flow.md).

* ``TOTP(username, code, password)``: the password grant; Okta answers ``403 mfa_required`` with an
  ``mfa_token``; then the MFA OTP grant with that token and the code. A user whose policy asks no
  second factor is signed in by the password grant alone (``Authenticated.method`` is then
  ``password``: the code was not checked).
* ``TOTP(username, code)`` (no password): the primary-factor OTP grant, ``login_hint`` + ``otp``.
* The two-step shape: ``Password`` → :class:`~idpbridge.InputRequired` (``totp``) whose
  continuation seals the ``mfa_token`` (the same continuation :class:`~idpbridge.MFARequired`
  carries when ``totp`` is not enabled) → ``Answer(continuation, {"totp": code})``.

The flows receive a :class:`TotpContext` (the OIDC engine, sealing and single use, the config),
never the connector. The ``mfa_token`` never leaves the sealed continuation; a wrong code raises
:class:`~idpbridge.InvalidCode` with a fresh continuation for another try
(``UNCONFIRMED[okta.direct-errors]`` whether Okta keeps the ``mfa_token`` usable after a wrong
code; if not, the retry ends as an expired code).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ...kit import (
    Authenticated,
    Continuation,
    IdpBridgeError,
    InvalidCode,
    Method,
    MFARequired,
    OIDCEngine,
    ProviderMetadata,
    mfa_token,
    scope_string,
    totp_step,
)
from .config import OktaConfig
from .sheet import MFA_OTP_GRANT, MFA_OTP_PARAMS, OTP_GRANT, OTP_PARAMS

__all__ = ["STEP", "TOTP_FIELD", "TotpContext", "answer", "totp"]

#: The code step after ``mfa_required`` (the engine's ``mfa_step``): its first continuation is the
#: engine's sealed ``mfa_token`` (:meth:`~idpbridge.kit.OIDCEngine.seal_mfa_token`), a retry is this step's.
STEP = totp_step("okta-direct", what="an Okta TOTP step")
#: The one field of the TOTP step.
TOTP_FIELD = STEP.field


@dataclasses.dataclass(frozen=True, slots=True)
class TotpContext:
    """What Okta's TOTP paths use: the OIDC engine (with its step context) and the config."""

    engine: OIDCEngine
    config: OktaConfig


async def totp(ctx: TotpContext, username: str, password: str | None, code: str) -> Authenticated:
    """``TOTP`` in one call: password + MFA OTP grant, or the primary OTP grant without a password."""
    code = STEP.check(code)
    engine = ctx.engine
    metadata = await engine.metadata()
    if password is None:
        login_hint, otp = OTP_PARAMS
        params = {login_hint: username, otp: code, "scope": scope_string(ctx.config.scopes)}
        return await engine.grant(metadata, OTP_GRANT, params, method=Method.TOTP)
    captured: list[str | None] = [None]

    def keep_token(error: IdpBridgeError, raw: Mapping[str, Any]) -> IdpBridgeError:
        captured[0] = mfa_token(error, raw)
        return error

    try:
        body = await engine.password_grant(
            metadata, engine.oauth(metadata), username=username, password=password, on_error=keep_token
        )
    except MFARequired:
        if captured[0] is None:
            raise
        return await _mfa_otp(ctx, metadata, captured[0], username, code)
    return await engine.complete(metadata, body, method=Method.PASSWORD, nonce=None)


async def answer(ctx: TotpContext, continuation: Continuation, values: Mapping[str, Any]) -> Authenticated:
    """``Answer`` to the TOTP step: the MFA OTP grant with the sealed ``mfa_token``. Single-use."""
    data, code = await STEP.open(ctx.engine.steps, continuation, values)  # sealed by the engine or a retry
    metadata = await ctx.engine.metadata()
    return await _mfa_otp(ctx, metadata, str(data["mfa_token"]), str(data.get("username") or ""), code)


async def _mfa_otp(
    ctx: TotpContext, metadata: ProviderMetadata, mfa_token: str, username: str, code: str
) -> Authenticated:
    token_name, otp = MFA_OTP_PARAMS
    params = {token_name: mfa_token, otp: code, "scope": scope_string(ctx.config.scopes)}
    try:
        return await ctx.engine.grant(metadata, MFA_OTP_GRANT, params, method=Method.TOTP)
    except InvalidCode as exc:
        state = {"mfa_token": mfa_token, "username": username}
        exc.continuation = STEP.ask(ctx.engine.steps, state).continuation
        raise
