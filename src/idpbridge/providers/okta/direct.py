"""TOTP through Okta's Direct Authentication grants (``totp_flow = "direct"``; grant types in
:mod:`.wire`, ``reference/providers.md`` §2.4).

* ``TOTP(username, code, password)``: the password grant; Okta answers ``403 mfa_required`` with an
  ``mfa_token``; then the MFA OTP grant with that token and the code. A user whose policy asks no
  second factor is signed in by the password grant alone (``Authenticated.method`` is then
  ``password``: the code was not checked).
* ``TOTP(username, code)`` (no password): the primary-factor OTP grant, ``login_hint`` + ``otp``.
* The two-step shape: ``Password`` → :class:`~idpbridge.InputRequired` (``totp``) whose
  continuation seals the ``mfa_token`` (the same continuation :class:`~idpbridge.MFARequired`
  carries when ``totp`` is not enabled) → ``Answer(continuation, {"totp": code})``.

The ``mfa_token`` never leaves the sealed continuation; a wrong code raises
:class:`~idpbridge.InvalidCode` with a fresh continuation for another try (UNCONFIRMED whether Okta
keeps the ``mfa_token`` usable after a wrong code; if not, the retry ends as an expired code).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from ...continuation import Continuation
from ...errors import FlowError, IdpBridgeError, InvalidCode, MFARequired
from ...methods import TOTP, Method, Password
from ...oidc.ropc import password_grant
from ...outcomes import Authenticated, InputField, InputRequired
from .wire import MFA_OTP_GRANT, MFA_OTP_PARAMS, OTP_GRANT, OTP_PARAMS

if TYPE_CHECKING:
    from .connector import OktaConnector

__all__ = ["TOTP_FIELD", "answer", "check_code", "step_from", "totp"]

#: The one field of the TOTP step.
TOTP_FIELD = InputField("totp", "totp", secret=True, label="Code from your authenticator app")
_MAX_CODE = 64


def check_code(code: str) -> str:
    """The code, refused before anything is sent when empty or not printable."""
    if not 0 < len(code) <= _MAX_CODE or not code.isprintable():
        raise InvalidCode("the one-time code is empty or not well formed")
    return code


def step_from(conn: OktaConnector, error: MFARequired) -> InputRequired | None:
    """The ``InputRequired`` TOTP step for an ``mfa_required`` password grant (``None``: re-raise)."""
    if error.continuation is None or Method.TOTP not in conn.enabled_methods:
        return None
    opened = conn.continuations.open(error.continuation, method=Method.TOTP.value)
    return InputRequired(
        fields=(TOTP_FIELD,), continuation=error.continuation, expires_at=_when(opened.expires_at)
    )


async def totp(conn: OktaConnector, request: TOTP) -> Authenticated:
    """``TOTP`` in one call: password + MFA OTP grant, or the primary OTP grant without a password."""
    code = check_code(request.code.get_secret_value())
    metadata = await conn.metadata()
    endpoint = conn.endpoint(metadata, "token_endpoint")
    if request.password is None:
        login_hint, otp = OTP_PARAMS
        body = await conn.oauth(metadata).token(
            endpoint, OTP_GRANT, {login_hint: request.username, otp: code, "scope": _scope(conn)}
        )
        return await conn.complete(metadata, body, method=Method.TOTP, nonce=None)
    captured: dict[str, str] = {}

    def keep_token(error: IdpBridgeError, raw: Mapping[str, Any]) -> IdpBridgeError:
        token = raw.get("mfa_token")
        if isinstance(error, MFARequired) and isinstance(token, str) and token:
            captured["mfa_token"] = token
        return error

    password = Password(request.username, request.password)
    try:
        body = await password_grant(
            conn.oauth(metadata),
            endpoint,
            username=request.username,
            password=request.password.get_secret_value(),
            scopes=conn.config.scopes,
            extra=conn.password_params(password),
            grant_type=conn.password_grant_type(password),
            on_error=keep_token,
        )
    except MFARequired:
        if "mfa_token" not in captured:
            raise
        return await _mfa_otp(conn, captured["mfa_token"], request.username, code)
    return await conn.complete(metadata, body, method=Method.PASSWORD, nonce=None)


async def answer(
    conn: OktaConnector, continuation: Continuation, values: Mapping[str, SecretStr]
) -> Authenticated:
    """``Answer`` to the TOTP step: the MFA OTP grant with the sealed ``mfa_token``. Single-use."""
    data = continuation.data
    value = values.get(TOTP_FIELD.name)
    if value is None:
        raise FlowError(f"this step needs a value for {TOTP_FIELD.name!r}", code="flow.bad_answer")
    code = check_code(value.get_secret_value())
    await conn.consume_continuation(continuation)
    return await _mfa_otp(conn, str(data["mfa_token"]), str(data.get("username") or ""), code)


async def _mfa_otp(conn: OktaConnector, mfa_token: str, username: str, code: str) -> Authenticated:
    metadata = await conn.metadata()
    token_name, otp = MFA_OTP_PARAMS
    try:
        body = await conn.oauth(metadata).token(
            conn.endpoint(metadata, "token_endpoint"),
            MFA_OTP_GRANT,
            {token_name: mfa_token, otp: code, "scope": _scope(conn)},
        )
    except InvalidCode as exc:
        exc.continuation, _ = conn.seal(Method.TOTP, {"mfa_token": mfa_token, "username": username})
        raise
    return await conn.complete(metadata, body, method=Method.TOTP, nonce=None)


def _scope(conn: OktaConnector) -> str:
    scopes = conn.config.scopes
    return " ".join(scopes if "openid" in scopes else ("openid", *scopes))


def _when(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)
