"""TOTP through Keycloak's direct access grant.

Keycloak's built-in *direct grant* flow ends with a conditional ``direct-grant-validate-otp``: a
user who configured OTP must send the code **in the same request** as the password, as the form
parameter ``otp`` (Keycloak ~10 and later; it falls back to ``totp``, the only name older servers
read: https://github.com/keycloak/keycloak/pull/6749). The grant is single-shot — Keycloak keeps no
state between requests — so:

* ``TOTP(username, code, password)`` is one direct grant carrying all three
  (``otp_param_names``, both names by default).
* The two-step shape for journey runtimes: ``Password`` → :class:`~idpbridge.InputRequired`
  (one field, ``totp``) → ``Answer(continuation, {"totp": code})`` → the same single request. The
  password waits in the sealed continuation, nowhere else; the continuation is single-use
  (:data:`STEP`, a :class:`~idpbridge.kit.CodeStep`).

When does ``Password`` return that step? Stock Keycloak answers a missing OTP exactly like a wrong
password (``invalid_grant`` "Invalid user credentials",
https://github.com/keycloak/keycloak/blob/main/services/src/main/java/org/keycloak/authentication/authenticators/directgrant/ValidateOTP.java),
so by default (``totp_step = "on_signal"``) only an answer from :data:`.errors.OTP_SIGNALS` does — a
server or extension that says so. With ``totp_step = "after_invalid_credentials"`` every "Invalid
user credentials" answer to a password-only request becomes the TOTP step (for realms where most
users have OTP); since all failures look alike, this reveals nothing about the account, and a
wrong password then surfaces after the code as :class:`~idpbridge.InvalidCredentials`.

A wrong code is :class:`~idpbridge.InvalidCredentials` on stock Keycloak (indistinguishable from a
wrong password); where a signal row matches after a code was sent, it is
:class:`~idpbridge.InvalidCode`.

The functions here take the :class:`~idpbridge.kit.OIDCEngine` and the config, never the connector.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...kit import (
    Authenticated,
    AuthenticationFailed,
    IdpBridgeError,
    InvalidCode,
    InvalidCredentials,
    Method,
    MFARequired,
    OIDCEngine,
    totp_step,
)
from .config import KeycloakConfig
from .errors import required_actions

__all__ = ["STEP", "asks_step", "grant"]

#: The step ``Password`` may return; its sealed state is ``{"u": username, "p": password}``.
STEP = totp_step(
    "kc-direct-otp", what="a Keycloak TOTP step", label="One-time code from your authenticator app"
)


def asks_step(config: KeycloakConfig, error: IdpBridgeError) -> bool:
    """Whether a failed password-only grant becomes the TOTP step (see the module docstring)."""
    if Method.TOTP not in config.enabled_methods:
        return False
    retry = (
        config.totp_step == "after_invalid_credentials"
        and type(error) is InvalidCredentials
        and error.provider_code == "invalid_grant"
    )
    return isinstance(error, MFARequired) or retry


async def grant(
    engine: OIDCEngine, config: KeycloakConfig, *, username: str, password: str, code: str | None = None
) -> Authenticated:
    """One direct grant: the password, and the code (refused first when malformed or without a
    password) under each of ``otp_param_names`` when given."""
    if code is not None:
        STEP.check(code)
        if not password:
            raise AuthenticationFailed(
                "Keycloak checks the one-time code together with the password: pass TOTP(username, "
                "code, password)",
                code="password_required",
            )
    metadata = await engine.metadata()

    def refine(error: IdpBridgeError, _body: Mapping[str, Any]) -> IdpBridgeError:
        if code is not None and isinstance(error, MFARequired):  # a signal after a code: wrong code
            return InvalidCode(
                "Keycloak did not accept the one-time code",
                provider_code=error.provider_code,
                details=error.details,
            )
        return required_actions(error, config.required_actions_error)

    body = await engine.password_grant(
        metadata,
        engine.oauth(metadata),
        username=username,
        password=password,
        extra=dict.fromkeys(config.otp_param_names, code) if code is not None else None,
        on_error=refine,
    )
    method = Method.PASSWORD if code is None else Method.TOTP
    return await engine.complete(metadata, body, method=method, nonce=None)
