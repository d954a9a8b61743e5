"""The Keycloak connector: the OIDC engine with Keycloak's sheet (realm issuer, ``typ`` check,
role claims, error table), the issuer-mismatch hint, client roles, and TOTP in the direct grant
(:mod:`.otp`)."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import Any, ClassVar

from ...kit import (
    TOTP,
    Answer,
    ClaimSource,
    Continuation,
    EngineHooks,
    Identity,
    InvalidCredentials,
    MFARequired,
    OIDCConnector,
    Outcome,
    Password,
    dig,
)
from . import otp
from .config import KeycloakConfig
from .sheet import SHEET

__all__ = ["KeycloakConnector", "client_roles"]


def client_roles(claims: Mapping[str, Any], clients: tuple[str, ...]) -> list[str]:
    """``{client}:{role}`` for each role in ``resource_access.{client}.roles`` of ``clients``."""
    out: list[str] = []
    for client in clients:
        roles = dig(claims, "resource_access", client, "roles")
        if isinstance(roles, list):
            out.extend(f"{client}:{role}" for role in roles if isinstance(role, str) and role)
    return out


def keycloak_identity(
    identity: Identity,
    claims: Mapping[str, Any],
    sources: Mapping[str, ClaimSource],
    *,
    clients: tuple[str, ...],
) -> Identity:
    """The claim map's identity plus the clients' roles as ``{client}:{role}`` (tenant: the realm)."""
    extra = [r for r in client_roles(claims, clients) if r not in identity.roles]
    return dataclasses.replace(identity, roles=(*identity.roles, *extra)) if extra else identity


class KeycloakConnector(OIDCConnector):
    """A Keycloak realm: code + PKCE, the direct access grant, ID-token validation.

    ID tokens must carry ``typ`` ``"ID"`` when they carry ``typ`` at all (Keycloak access and
    refresh tokens say ``Bearer``/``Refresh`` and share the issuer and keys). Realm roles become
    ``Identity.roles`` as they are; roles of the clients in ``client_roles`` join as
    ``{client}:{role}``, so a client role can never pass for a realm role of the same name.

    ``totp`` sends the code with the password in one direct grant; ``Password`` may answer with an
    :class:`~idpbridge.InputRequired` TOTP step resumed by ``Answer`` (see :mod:`.otp`).
    """

    sheet = SHEET
    Config: ClassVar[type[KeycloakConfig]] = KeycloakConfig
    config: KeycloakConfig

    def engine_hooks(self) -> EngineHooks:
        """Client roles in the identity."""
        return EngineHooks(identity=functools.partial(keycloak_identity, clients=self.config.role_clients))

    async def password(self, request: Password) -> Outcome:
        """The direct grant; with ``totp`` enabled it may return the TOTP step (:mod:`.otp`)."""
        password = request.password.get_secret_value()
        try:
            return await otp.grant(self.engine, self.config, username=request.username, password=password)
        except (MFARequired, InvalidCredentials) as exc:
            if not otp.asks_step(self.config, exc):
                raise
            return otp.STEP.ask(self.engine.steps, {"u": request.username, "p": password})

    async def totp(self, request: TOTP) -> Outcome:
        """One direct grant with the password and the code (Keycloak needs both)."""
        password = request.password.get_secret_value() if request.password is not None else ""
        code = request.code.get_secret_value()
        return await otp.grant(
            self.engine, self.config, username=request.username, password=password, code=code
        )

    async def answer(self, request: Answer, continuation: Continuation) -> Outcome:
        """Finish the TOTP step: the sealed password and the answered code, in one grant. Single-use."""
        state, code = await otp.STEP.open(self.engine.steps, continuation, request.values)
        username, password = str(state["u"]), str(state["p"])
        return await otp.grant(self.engine, self.config, username=username, password=password, code=code)
