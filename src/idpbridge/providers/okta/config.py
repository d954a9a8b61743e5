"""Configuration of an Okta connector (one OIDC app integration).

===========================  ====================================================================
field                        meaning
===========================  ====================================================================
``domain``                   the Okta org domain (``acme.okta.com``) or custom URL domain
``authorization_server_id``  ``default``, a custom server id (``aus…``), or empty for the org
                             authorization server (the default)
``client_id``                the app integration's client id (``0oa…``)
``client_secret``            its secret; omit for a public (PKCE-only) app
``issuer``                   derived (see :mod:`.issuer`); set it only when the server's issuer
                             differs from the domain you call (custom URL domains)
``scopes``                   ``openid email profile`` by default (add ``groups``,
                             ``offline_access`` as the app allows)
===========================  ====================================================================

Every field of :class:`~idpbridge.oidc.OIDCConfig` applies as well (``methods``, ``endpoints``,
``claim_mapping``, …). ``password`` must be listed in ``methods`` to be enabled.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from ...oidc.config import OIDCConfig
from ...oidc.urls import base_url
from .issuer import AUTHORIZATION_SERVER_ID, issuer_for

__all__ = ["OktaConfig"]


class OktaConfig(OIDCConfig):
    """Settings of one Okta OIDC app integration (see the module docstring)."""

    domain: str = Field(description="Okta org domain (acme.okta.com) or custom URL domain.")
    authorization_server_id: str | None = Field(
        None, description="'default', a custom authorization server id, or empty for the org server."
    )

    @model_validator(mode="before")
    @classmethod
    def _derive_issuer(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("issuer") is None:
            try:
                base = base_url(data["domain"], what="domain")
                server = data.get("authorization_server_id") or None
                issuer = issuer_for(base, server if isinstance(server, str) else None)
            except (KeyError, TypeError, ValueError):  # reported by the field validators
                issuer = "https://okta.invalid"
            data = {**data, "issuer": issuer}
        return data

    @field_validator("domain")
    @classmethod
    def _check_domain(cls, value: str) -> str:
        base_url(value, what="domain")
        return value

    @field_validator("authorization_server_id")
    @classmethod
    def _check_server(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not AUTHORIZATION_SERVER_ID.fullmatch(value):
            raise ValueError("expected 'default' or an authorization server id such as aus1a2b3c4D5e6F7g8h9")
        return value

    @property
    def base_url(self) -> str:
        """``https://{domain}`` (or the loopback URL given as the domain)."""
        return base_url(self.domain, what="domain")

    @property
    def org_host(self) -> str:
        """The org's host name (reported as the identity's tenant)."""
        return urlsplit(self.base_url).netloc
