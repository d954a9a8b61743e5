"""The Keycloak connector: the generic OIDC engine with Keycloak's realm layout, ``typ`` check,
role claims and error table; TOTP through the direct grant (:mod:`.otp`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

from ...classify import ErrorRule
from ...continuation import Continuation
from ...errors import (
    ConfigurationError,
    IdpBridgeError,
    InvalidCredentials,
    MFARequired,
    PasswordChangeRequired,
    UserNotConfirmed,
)
from ...identity import ClaimSource, Identity
from ...methods import TOTP, Answer, Method, Password
from ...oidc.claims import ClaimMap
from ...oidc.connector import OIDCConnector
from ...oidc.idtoken import ClaimCheck, claim_equals
from ...oidc.metadata import ProviderMetadata
from ...outcomes import Outcome
from . import otp
from .config import KeycloakConfig
from .errors import RULES

__all__ = ["KeycloakConnector", "client_roles"]


def client_roles(claims: Mapping[str, Any], clients: tuple[str, ...]) -> list[str]:
    """``{client}:{role}`` for each role in ``resource_access.{client}.roles`` of ``clients``."""
    access = claims.get("resource_access")
    out: list[str] = []
    if not isinstance(access, Mapping):
        return out
    for client in clients:
        entry = access.get(client)
        roles = entry.get("roles") if isinstance(entry, Mapping) else None
        if isinstance(roles, list):
            out.extend(f"{client}:{role}" for role in roles if isinstance(role, str) and role)
    return out


class KeycloakConnector(OIDCConnector):
    """A Keycloak realm: code + PKCE, the direct access grant, ID-token validation.

    ID tokens must carry ``typ`` ``"ID"`` when they carry ``typ`` at all (Keycloak access and
    refresh tokens say ``Bearer``/``Refresh`` and share the issuer and keys). Realm roles become
    ``Identity.roles`` as they are; roles of the clients in ``client_roles`` join as
    ``{client}:{role}``, so a client role can never pass for a realm role of the same name.

    ``totp`` sends the code with the password in one direct grant; ``Password`` may answer with an
    :class:`~idpbridge.InputRequired` TOTP step resumed by ``Answer`` (see :mod:`.otp`).
    """

    name: ClassVar[str] = "keycloak"
    title: ClassVar[str] = "Keycloak"
    methods: ClassVar[frozenset[Method]] = frozenset(
        {Method.OIDC, Method.PASSWORD, Method.TOKEN, Method.TOTP}
    )
    Config: ClassVar[type[KeycloakConfig]] = KeycloakConfig
    error_rules: ClassVar[tuple[ErrorRule, ...]] = RULES
    #: §6.7: ``sub`` (user UUID; needs the ``basic`` client scope on Keycloak 25+),
    #: ``preferred_username``, ``groups`` (group-membership mapper), ``realm_access.roles``.
    claim_map: ClassVar[ClaimMap] = ClaimMap(roles="realm_access.roles")
    token_checks: ClassVar[tuple[ClaimCheck, ...]] = (claim_equals("typ", "ID", required=False),)
    probe_password_grant: ClassVar[bool] = True

    config: KeycloakConfig

    async def metadata(self) -> ProviderMetadata:
        """Discovery (through ``backchannel_url`` when set); an issuer mismatch explains the fix."""
        try:
            return await super().metadata()
        except ConfigurationError as exc:
            if exc.code != "config.issuer_mismatch":
                raise
            raise ConfigurationError(
                f"{exc.message}. Keycloak derives its issuer from the host name it is reached by: pin "
                "the server's hostname to server_url and reach it internally through backchannel_url "
                "(idpbridge never rewrites issuers)",
                code=exc.code,
                field="server_url",
            ) from None

    def make_identity(
        self, claims: Mapping[str, Any], sources: Mapping[str, ClaimSource], issuer: str
    ) -> Identity:
        """The standard mapping, plus the configured clients' roles as ``{client}:{role}``."""
        identity = super().make_identity(claims, sources, issuer)
        extra = [r for r in client_roles(claims, self.config.role_clients) if r not in identity.roles]
        return dataclasses.replace(identity, roles=(*identity.roles, *extra)) if extra else identity

    def default_tenant(self) -> str:
        """The realm name."""
        return self.config.realm

    def password_error(
        self, request: Password, error: IdpBridgeError, body: Mapping[str, Any]
    ) -> IdpBridgeError:
        """ "Account is not fully set up" as configured by ``required_actions_error``."""
        return self.required_actions(super().password_error(request, error, body))

    def required_actions(self, error: IdpBridgeError) -> IdpBridgeError:
        """``PasswordChangeRequired`` becomes ``UserNotConfirmed`` when ``required_actions_error`` says so."""
        if (
            isinstance(error, PasswordChangeRequired)
            and self.config.required_actions_error == "user_not_confirmed"
        ):
            return UserNotConfirmed(
                "the account has pending required actions at Keycloak (e.g. verify e-mail)",
                provider_code=error.provider_code,
                details=error.details,
            )
        return error

    async def password(self, request: Password) -> Outcome:
        """The direct grant; with ``totp`` enabled it may return the TOTP step (:mod:`.otp`)."""
        try:
            return await super().password(request)
        except (MFARequired, InvalidCredentials) as exc:
            step = otp.totp_step(self, request, exc)
            if step is None:
                raise
            return step

    async def totp(self, request: TOTP) -> Outcome:
        """One direct grant with the password and the code (Keycloak needs both)."""
        password = request.password.get_secret_value() if request.password is not None else ""
        return await otp.grant_with_code(self, request.username, password, request.code.get_secret_value())

    async def answer(self, request: Answer, continuation: Continuation) -> Outcome:
        """Finish the TOTP step: the sealed password and the answered code, in one grant. Single-use."""
        username, password, code = otp.answer_values(continuation.data, request.values)
        await self.consume_continuation(continuation)
        return await otp.grant_with_code(self, username, password, code)
