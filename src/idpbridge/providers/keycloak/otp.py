"""TOTP through Keycloak's direct access grant (``reference/providers.md`` §6.5).

Keycloak's built-in *direct grant* flow ends with a conditional ``direct-grant-validate-otp``: a
user who configured OTP must send the code **in the same request** as the password, as the form
parameter ``otp`` (Keycloak ~10 and later; it falls back to ``totp``, the only name older servers
read). The grant is single-shot — Keycloak keeps no state between requests — so:

* ``TOTP(username, code, password)`` is one direct grant carrying all three
  (``otp_param_names``, both names by default).
* The two-step shape for journey runtimes: ``Password`` → :class:`~idpbridge.InputRequired`
  (one field, ``totp``) → ``Answer(continuation, {"totp": code})`` → the same single request. The
  password waits in the sealed continuation, nowhere else; the continuation is single-use.

When does ``Password`` return that step? Stock Keycloak answers a missing OTP exactly like a wrong
password (``invalid_grant`` "Invalid user credentials"), so by default (``totp_step =
"on_signal"``) only an answer from :data:`.errors.OTP_SIGNALS` does — a server or extension that
says so. With ``totp_step = "after_invalid_credentials"`` every "Invalid user credentials" answer
to a password-only request becomes the TOTP step (for realms where most users have OTP); since all
failures look alike, this reveals nothing about the account, and a wrong password then surfaces
after the code as :class:`~idpbridge.InvalidCredentials`.

A wrong code is :class:`~idpbridge.InvalidCredentials` on stock Keycloak (indistinguishable from a
wrong password); where a signal row matches after a code was sent, it is
:class:`~idpbridge.InvalidCode`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...errors import (
    AuthenticationFailed,
    FlowError,
    IdpBridgeError,
    InvalidCode,
    InvalidCredentials,
    MFARequired,
)
from ...methods import Method, Password
from ...oidc.ropc import password_grant
from ...outcomes import Authenticated, InputField, InputRequired

if TYPE_CHECKING:
    from .connector import KeycloakConnector

__all__ = ["TOTP_FIELD", "answer_values", "grant_with_code", "totp_step"]

#: The one field of the TOTP step.
TOTP_FIELD = InputField("totp", "totp", secret=True, label="One-time code from your authenticator app")
#: Marks a continuation sealed by this module (``Answer`` checks it).
_FLOW = "kc-direct-otp"
_MAX_CODE = 64


def totp_step(conn: KeycloakConnector, request: Password, error: IdpBridgeError) -> InputRequired | None:
    """The ``InputRequired`` TOTP step for a failed password-only grant, or ``None`` (re-raise)."""
    if Method.TOTP not in conn.enabled_methods:
        return None
    signal = isinstance(error, MFARequired)
    retry = (
        conn.config.totp_step == "after_invalid_credentials"
        and type(error) is InvalidCredentials
        and error.provider_code == "invalid_grant"
    )
    if not (signal or retry):
        return None
    token, expires_at = conn.seal(
        Method.TOTP,
        {"f": _FLOW, "u": request.username, "p": request.password.get_secret_value()},
    )
    return InputRequired(fields=(TOTP_FIELD,), continuation=token, expires_at=expires_at)


def answer_values(data: Mapping[str, Any], values: Mapping[str, Any]) -> tuple[str, str, str]:
    """``(username, password, code)`` from a TOTP step's continuation data and the answer."""
    if data.get("f") != _FLOW:
        raise FlowError("this continuation is not a Keycloak TOTP step", code="flow.wrong_method")
    code = values.get(TOTP_FIELD.name)
    if code is None:
        raise FlowError(f"this step needs a value for {TOTP_FIELD.name!r}", code="flow.bad_answer")
    return str(data["u"]), str(data["p"]), code.get_secret_value()


async def grant_with_code(conn: KeycloakConnector, username: str, password: str, code: str) -> Authenticated:
    """One direct grant with the password and the code under each of ``otp_param_names``."""
    if not 0 < len(code) <= _MAX_CODE or not code.isprintable():
        raise InvalidCode("the one-time code is empty or not well formed")
    if not password:
        raise AuthenticationFailed(
            "Keycloak checks the one-time code together with the password: pass TOTP(username, code, "
            "password)",
            code="password_required",
        )
    metadata = await conn.metadata()
    body = await password_grant(
        conn.oauth(metadata),
        conn.endpoint(metadata, "token_endpoint"),
        username=username,
        password=password,
        scopes=conn.config.scopes,
        extra=dict.fromkeys(conn.config.otp_param_names, code),
        on_error=lambda error, _raw: _code_error(conn, error),
    )
    return await conn.complete(metadata, body, method=Method.TOTP, nonce=None)


def _code_error(conn: KeycloakConnector, error: IdpBridgeError) -> IdpBridgeError:
    """After a request that carried a code, an OTP signal means the code was wrong."""
    if isinstance(error, MFARequired):
        return InvalidCode(
            "Keycloak did not accept the one-time code",
            provider_code=error.provider_code,
            details=error.details,
        )
    return conn.required_actions(error)
