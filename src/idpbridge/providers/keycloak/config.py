"""Configuration of a Keycloak connector (one client of one realm).

==========================  =====================================================================
field                       meaning
==========================  =====================================================================
``server_url``              the public (front-channel) base URL, e.g. ``https://sso.example.com``
                            or ``https://sso.example.com/auth`` for a legacy ``/auth`` prefix
``realm``                   the realm name
``backchannel_url``         optional internal base URL idpbridge itself uses (token, keys,
                            userinfo, discovery); the issuer stays ``{server_url}/realms/{realm}``
``client_id``               the OIDC client id
``client_secret``           its secret (confidential client); omit for a public client
``required_actions_error``  what "Account is not fully set up" raises:
                            ``password_change_required`` (default) or ``user_not_confirmed``
``client_roles``            clients whose ``resource_access`` roles join ``Identity.roles`` as
                            ``{client}:{role}`` (default: this ``client_id``)
``otp_param_names``         the direct-grant parameter(s) carrying a TOTP code: ``otp`` (read by
                            Keycloak since ~10) and ``totp`` (the older name it still falls back
                            to); both by default, so one request suits old and new servers
``totp_step``               when ``Password`` returns an ``InputRequired`` TOTP step (see
                            :mod:`~idpbridge.providers.keycloak.otp`):
                            ``on_signal`` (default) or ``after_invalid_credentials``
``issuer``                  derived (``{server_url}/realms/{realm}``, :mod:`.sheet`); set it
                            only when the realm's issuer is neither of the above
==========================  =====================================================================

Every field of :class:`~idpbridge.oidc.OIDCConfig` applies as well. ``token_kind`` must stay
``id_token``: Keycloak access tokens are not RFC 9068 tokens.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import Field, field_validator

from ...kit import OIDCConfig, ProviderSheet, Words, base_url_field, each_matching, matching
from .sheet import REALM_NAME, SHEET

__all__ = ["KeycloakConfig"]

_PARAM_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
#: Direct-grant parameters an OTP parameter name must not replace.
_RESERVED = frozenset({"grant_type", "username", "password", "scope", "client_id", "client_secret"})


RealmName = Annotated[
    str, matching(REALM_NAME, "a realm name of letters, digits and . _ ~ - (no spaces or slashes)")
]

ServerURL = Annotated[str, base_url_field(keep=True, what="the URL")]
ClientIds = Annotated[tuple[str, ...], each_matching(r"(?s).+", "client ids must be non-empty strings")]


class KeycloakConfig(OIDCConfig):
    """Settings of one Keycloak client (see the module docstring)."""

    sheet: ClassVar[ProviderSheet | None] = SHEET

    server_url: ServerURL = Field(
        description="Public (front-channel) base URL, with /auth for legacy servers."
    )
    realm: RealmName = Field(description="Realm name.")
    backchannel_url: ServerURL | None = Field(
        None, description="Internal base URL for server-to-server calls; never changes the issuer."
    )
    required_actions_error: Literal["password_change_required", "user_not_confirmed"] = Field(
        "password_change_required",
        description="What 'Account is not fully set up' (pending required actions) raises.",
    )
    client_roles: ClientIds | None = Field(
        None, description="Clients whose resource_access roles join the roles (default: client_id)."
    )
    otp_param_names: Words = Field(
        ("otp", "totp"),
        description="Direct-grant parameter(s) the TOTP code is sent as: otp, falling back to totp.",
    )
    totp_step: Literal["on_signal", "after_invalid_credentials"] = Field(
        "on_signal",
        description="When a password-only direct grant asks for a TOTP step (totp method enabled).",
    )

    @field_validator("otp_param_names")
    @classmethod
    def _check_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("at least one parameter name (otp, totp)")
        for name in value:
            if not _PARAM_NAME.fullmatch(name) or name in _RESERVED:
                raise ValueError("parameter names of letters, digits, '_', '.', '-', not a grant parameter")
        if len(set(value)) != len(value):
            raise ValueError("each parameter name once")
        return value

    @property
    def role_clients(self) -> tuple[str, ...]:
        """Clients whose roles are read from ``resource_access``."""
        return self.client_roles if self.client_roles is not None else (self.client_id,)
