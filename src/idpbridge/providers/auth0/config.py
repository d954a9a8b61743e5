"""Configuration of an Auth0 connector (one Auth0 application).

===========================  ====================================================================
field                        meaning
===========================  ====================================================================
``domain``                   tenant domain (``acme.us.auth0.com``) or custom domain
                             (``login.acme.com``)
``client_id``                the application's client id
``client_secret``            its secret (sent as ``client_secret_post`` unless
                             ``token_endpoint_auth_method`` says otherwise); omit for a public app
``realm`` (or ``connection``)  database connection for the ``password-realm`` grant, e.g.
                             ``Username-Password-Authentication``; without it the ``password``
                             grant uses the tenant's Default Directory
``audience``                 API identifier sent with authorization and password requests
``issuer``                   derived: ``https://{domain}/`` (trailing slash included; see
                             :mod:`.sheet`)
===========================  ====================================================================

Every field of :class:`~idpbridge.oidc.OIDCConfig` applies as well. Groups and roles are custom
(namespaced) claims added by an Action: map them with ``claim_mapping``, e.g.
``{"roles": "https://acme.example/roles"}``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, AliasChoices, Field

from ...kit import Domain, OIDCConfig, ProviderSheet, base_url
from .sheet import SHEET

__all__ = ["Auth0Config"]


def _plain(what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not value or len(value) > 256 or not value.isprintable() or value != value.strip():
            raise ValueError(f"{what} must be a non-empty printable string without surrounding spaces")
        return value

    return AfterValidator(check)


class Auth0Config(OIDCConfig):
    """Settings of one Auth0 application (see the module docstring)."""

    sheet: ClassVar[ProviderSheet | None] = SHEET

    domain: Domain = Field(description="Tenant domain (acme.us.auth0.com) or custom domain.")
    realm: Annotated[str, _plain("realm")] | None = Field(
        None,
        validation_alias=AliasChoices("realm", "connection"),
        description="Database connection for the password-realm grant (alias: connection).",
    )
    audience: Annotated[str, _plain("audience")] | None = Field(
        None, description="API identifier (audience) to request tokens for."
    )

    @property
    def tenant_host(self) -> str:
        """The tenant's (or custom) domain host, reported as the identity's tenant by default."""
        return urlsplit(base_url(self.domain, what="domain")).netloc
