"""Configuration of the ``onelogin`` connector: account fields and the auth-method conflict.

The issuer follows from ``subdomain`` (or ``base_url``) by the rule in :mod:`.sheet`.

A OneLogin app has **one** token-endpoint authentication method. The code flow uses *Basic*
(or *None (PKCE)* for a public client); the password grant is documented with *POST*. One
connector therefore serves one method: enable ``oidc`` and ``password`` on two connectors, each
pointing at its own OneLogin app.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, model_validator

from ...kit import Method, OIDCConfig, ProviderSheet, matching, secure_url
from .sheet import LEGACY_V1_HOSTS, REGION_HOSTS, SHEET

__all__ = ["LEGACY_V1_HOSTS", "REGION_HOSTS", "OneLoginConfig"]

_SUBDOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_SUBDOMAIN_ONLY = "must be the account subdomain only, e.g. 'acme' for acme.onelogin.com"


def _origin(value: str) -> str:
    url = secure_url(value, what="base_url").rstrip("/")
    parts = urlsplit(url)
    if (parts.hostname or "") in LEGACY_V1_HOSTS:
        raise ValueError(
            "OneLogin's OIDC v1 endpoints were removed on 2021-04-20; set subdomain instead "
            "(the issuer is https://<subdomain>.onelogin.com/oidc/2)"
        )
    if parts.path or parts.query or parts.fragment:
        raise ValueError("must be an origin only (https://login.acme.com); /oidc/2 is added")
    return url


class OneLoginConfig(OIDCConfig):
    """Settings of a OneLogin OpenID Connect app.

    Give ``subdomain`` (``acme`` for ``acme.onelogin.com``) or, for a custom domain, ``base_url``.
    ``issuer`` follows from them. Enable either ``oidc`` or ``password`` (plus ``token``).
    """

    subdomain: Annotated[str, AfterValidator(str.lower), matching(_SUBDOMAIN, _SUBDOMAIN_ONLY)] | None = (
        Field(None, description="The account subdomain: acme for acme.onelogin.com.")
    )
    region: Literal["us", "eu"] = Field("us", description="Where the OneLogin account is hosted.")
    base_url: Annotated[str, AfterValidator(_origin)] | None = Field(
        None, description="Custom domain origin (https://login.acme.com) instead of the subdomain."
    )

    sheet: ClassVar[ProviderSheet | None] = SHEET

    @property
    def custom_host(self) -> str | None:
        """The custom domain's host name (the default tenant without a subdomain)."""
        return urlsplit(self.base_url).hostname if self.base_url else None

    @model_validator(mode="after")
    def _check_account_and_methods(self) -> Self:
        if (self.subdomain is None) == (self.base_url is None):
            raise ValueError("subdomain: set exactly one of subdomain and base_url")
        if {Method.OIDC, Method.PASSWORD} <= self.enabled_methods:
            raise ValueError(
                "methods: a OneLogin app has one token-endpoint authentication method (Basic for "
                "oidc, POST for password), so one connector cannot do both; create two connectors, "
                "each with its own OneLogin app: one with methods ['oidc'] and one with "
                "methods ['password']"
            )
        return self
