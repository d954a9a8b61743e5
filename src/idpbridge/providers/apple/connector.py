"""The Sign in with Apple connector: the OIDC engine with Apple's sheet and three quirks.

* **Client secret**: an ES256 JWT minted from ``team_id``, ``key_id`` and the ``.p8`` key
  (:mod:`.client_secret`), cached and renewed at half-life, sent with ``client_secret_post`` to
  ``/auth/token`` and ``/auth/revoke``.
* **form_post**: with the ``name`` or ``email`` scope the authorization request always asks for
  ``response_mode=form_post`` (Apple returns that data no other way); asking for ``query`` then
  is a :class:`~idpbridge.ConfigurationError`.
* **First login**: :class:`~idpbridge.FinishOIDC` takes the POSTed form as is. Its ``user`` JSON
  (first authorization only) adds the name, marked ``ClaimSource.FIRST_LOGIN``; its e-mail is
  ignored. A front-channel ``id_token`` in the form is ignored too: only the ID token from the
  token endpoint, validated (RS256, ``iss`` ``https://appleid.apple.com``, ``aud`` the Services
  ID, nonce), makes the identity.

Endpoints, claims and errors come from :mod:`.sheet`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from ...kit import (
    Authenticated,
    CheckResult,
    ClaimSource,
    Continuation,
    EngineHooks,
    FinishOIDC,
    OIDCConnector,
    Outcome,
    flatten_callback,
    opt_str,
    strict_bool,
)
from .client_secret import unverified_claims
from .config import AppleConfig

__all__ = ["AppleConnector", "first_login_claims", "is_private_email"]

log = logging.getLogger("idpbridge.providers.apple")

_MAX_USER_FIELD = 4096


def is_private_email(claims: Mapping[str, Any]) -> bool | None:
    """Whether the e-mail is an Apple private-relay address.

    ``true``/``"true"`` and ``false``/``"false"`` count; Apple omits the claim when it is false
    (https://github.com/vapor/jwt-kit/pull/59), so an absent claim next to an ``email`` is
    ``False``. Anything else is ``None`` (unknown).
    """
    if "is_private_email" not in claims:
        return False if opt_str(claims.get("email")) else None
    return strict_bool(claims["is_private_email"], accept_strings=True)


def first_login_claims(raw: str) -> dict[str, str]:
    """Name claims from the first-login ``user`` form field (a JSON string).

    Returns ``given_name``, ``family_name`` and ``name`` (composed) for the parts present as
    non-empty strings. The field is unsigned and optional: anything malformed yields ``{}`` (and
    a log line that does not repeat it) rather than failing a login the ID token already proved.
    """
    try:
        data = json.loads(raw) if len(raw) <= _MAX_USER_FIELD else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        log.warning("ignoring a malformed 'user' field in Apple's callback")
        return {}
    name = data.get("name")
    if not isinstance(name, dict):
        return {}
    given, family = opt_str(name.get("firstName")), opt_str(name.get("lastName"))
    parts = {"given_name": given, "family_name": family, "name": " ".join(p for p in (given, family) if p)}
    return {key: value for key, value in parts.items() if value}


class AppleConnector(OIDCConnector):
    """Sign in with Apple (see the module docstring)."""

    config: AppleConfig

    def engine_hooks(self) -> EngineHooks:
        """The client secret for the token endpoint (:meth:`current_client_secret`)."""
        self.client_secret = self.config.minted_secret(self.clock)
        return EngineHooks(client_secret=self.current_client_secret)

    def current_client_secret(self) -> SecretStr:
        """The client secret to send now: minted from the key (renewed at half-life), or the
        configured one."""
        if self.client_secret is not None:
            return self.client_secret.get()
        assert self.config.client_secret is not None  # noqa: S101 - AppleConfig requires one of both
        return self.config.client_secret

    # -- flows ------------------------------------------------------------------------------------

    async def finish_oidc(self, request: FinishOIDC, continuation: Continuation) -> Outcome:
        """Finish with Apple's POSTed form: ``user`` (first login) and a front-channel ``id_token``
        are taken out before the engine checks the callback; the name from ``user`` is added to
        the identity afterwards, where the ID token has no such claim."""
        params: dict[str, Any] = flatten_callback(request.callback_params)
        user = params.pop("user", None)
        params.pop("id_token", None)
        result = await super().finish_oidc(dataclasses.replace(request, callback_params=params), continuation)
        if user is None or not isinstance(result, Authenticated):
            return result
        ident = result.identity
        extra = {k: v for k, v in first_login_claims(user).items() if k not in ident.claims}
        claims = {**ident.claims, **extra}
        sources = {**ident.sources, **dict.fromkeys(extra, ClaimSource.FIRST_LOGIN)}
        return dataclasses.replace(result, identity=self.engine.identity(claims, sources, ident.issuer))

    async def revoke(self, token: str | SecretStr, *, token_type_hint: str | None = "refresh_token") -> None:
        """Revoke a refresh token (default) or access token at ``/auth/revoke``.

        Apple asks for ``token_type_hint``; pass ``"access_token"`` for an access token.
        """
        await super().revoke(token, token_type_hint=token_type_hint)

    async def probes(self) -> list[CheckResult]:
        return [*await super().probes(), self._secret_check()]

    def _secret_check(self) -> CheckResult:
        if self.client_secret is not None:
            self.client_secret.get()
            left = (self.client_secret.expires_at or 0) - self.clock()
            return CheckResult(
                "client_secret", True, f"minted ES256 secret, {left / 3600:.1f} h left; renewed at half-life"
            )
        exp = unverified_claims(self.current_client_secret().get_secret_value()).get("exp")
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            return CheckResult("client_secret", False, "the configured client secret has no exp")
        left = exp - self.clock()
        if left <= 0:
            return CheckResult("client_secret", False, "the configured client secret has expired")
        return CheckResult(
            "client_secret", left > 7 * 86_400, f"configured secret expires in {left / 86_400:.1f} days"
        )
