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
``issuer``                  derived; set it only when the realm's issuer is neither of the above
==========================  =====================================================================

Every field of :class:`~idpbridge.oidc.OIDCConfig` applies as well. ``token_kind`` must stay
``id_token``: Keycloak access tokens are not RFC 9068 tokens.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import Field, field_validator, model_validator

from ...oidc.config import OIDCConfig
from ...oidc.urls import base_url
from .realm import REALM_NAME, endpoints_for, issuer_for

__all__ = ["KeycloakConfig"]


class KeycloakConfig(OIDCConfig):
    """Settings of one Keycloak client (see the module docstring)."""

    server_url: str = Field(description="Public (front-channel) base URL, with /auth for legacy servers.")
    realm: str = Field(description="Realm name.")
    backchannel_url: str | None = Field(
        None, description="Internal base URL for server-to-server calls; never changes the issuer."
    )
    required_actions_error: Literal["password_change_required", "user_not_confirmed"] = Field(
        "password_change_required",
        description="What 'Account is not fully set up' (pending required actions) raises.",
    )
    client_roles: tuple[str, ...] | None = Field(
        None, description="Clients whose resource_access roles join the roles (default: client_id)."
    )

    @model_validator(mode="before")
    @classmethod
    def _derive(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        try:
            front = base_url(data["server_url"], what="server_url", allow_path=True)
            realm = data["realm"]
            if not isinstance(realm, str) or not REALM_NAME.fullmatch(realm):
                raise ValueError(realm)
        except (KeyError, TypeError, ValueError):  # reported by the field validators
            return {**data, "issuer": data.get("issuer") or "https://keycloak.invalid/realms/invalid"}
        if data.get("issuer") is None:
            data = {**data, "issuer": issuer_for(front, realm)}
        back = data.get("backchannel_url")
        if isinstance(back, str):
            try:
                derived = endpoints_for(front, base_url(back, what="backchannel_url", allow_path=True), realm)
            except ValueError:
                return data
            user = data.get("endpoints") or {}
            data = {**data, "endpoints": {**derived, **user} if isinstance(user, dict) else user}
        return data

    @field_validator("server_url", "backchannel_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None:
            base_url(value, what="the URL", allow_path=True)
        return value

    @field_validator("realm")
    @classmethod
    def _check_realm(cls, value: str) -> str:
        if not REALM_NAME.fullmatch(value):
            raise ValueError("a realm name of letters, digits and . _ ~ - (no spaces or slashes)")
        return value

    @field_validator("client_roles")
    @classmethod
    def _check_clients(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None and not all(isinstance(v, str) and v for v in value):
            raise ValueError("client ids must be non-empty strings")
        return value

    @model_validator(mode="after")
    def _check_token_kind(self) -> Self:
        if self.token_kind != "id_token":
            raise ValueError("token_kind: Keycloak access tokens are not RFC 9068 tokens; use id_token")
        return self

    @property
    def role_clients(self) -> tuple[str, ...]:
        """Clients whose roles are read from ``resource_access``."""
        return self.client_roles if self.client_roles is not None else (self.client_id,)
