"""Configuration of the ``onelogin`` connector: hosts, the issuer rule, and the auth-method conflict.

Issuer (exact): ``https://{subdomain}.onelogin.com/oidc/2``; with a custom domain,
``{base_url}/oidc/2``. The legacy v1 hosts (``openid-connect[-eu].onelogin.com/oidc``) were
removed on 2021-04-20. Source: ``reference/providers.md`` §7.1-7.3 (OneLogin provider-config,
authorization-code and password-grant pages).

A OneLogin app has **one** token-endpoint authentication method. The code flow uses *Basic*
(or *None (PKCE)* for a public client); the password grant is documented with *POST*. One
connector therefore serves one method: enable ``oidc`` and ``password`` on two connectors, each
pointing at its own OneLogin app.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from ...errors import ConfigurationError
from ...http import require_secure_url
from ...methods import Method
from ...oidc.config import DerivedIssuerConfig
from ...oidc.urls import secure_url

__all__ = ["ISSUER_PATH", "LEGACY_V1_HOSTS", "REGION_HOSTS", "OneLoginConfig"]

#: Region -> parent domain of ``{subdomain}.<domain>``. UNCONFIRMED: that EU-hosted accounts use
#: the same ``onelogin.com`` OIDC v2 host (only the removed v1 API had an ``-eu`` host).
REGION_HOSTS: Mapping[str, str] = MappingProxyType({"us": "onelogin.com", "eu": "onelogin.com"})
#: Path of the OIDC v2 issuer below the account's origin.
ISSUER_PATH = "/oidc/2"
#: Hosts of the removed OIDC v1 API; configurations copied from old docs point here.
LEGACY_V1_HOSTS = frozenset({"openid-connect.onelogin.com", "openid-connect-eu.onelogin.com"})
#: Default token-endpoint authentication per method (the app's "Token Endpoint" setting).
AUTH_METHOD_FOR = MappingProxyType(
    {Method.OIDC: "client_secret_basic", Method.PASSWORD: "client_secret_post"}
)

_SUBDOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _base_url(data: Mapping[str, Any]) -> str | None:
    base, sub = data.get("base_url"), data.get("subdomain")
    if isinstance(base, str) and base:
        try:
            return require_secure_url(base, what="base_url").rstrip("/")
        except ConfigurationError:
            return None
    region = data.get("region", "us")
    if isinstance(sub, str) and isinstance(region, str) and region in REGION_HOSTS:
        return f"https://{sub.lower()}.{REGION_HOSTS[region]}"
    return None


class OneLoginConfig(DerivedIssuerConfig):
    """Settings of a OneLogin OpenID Connect app.

    Give ``subdomain`` (``acme`` for ``acme.onelogin.com``) or, for a custom domain, ``base_url``.
    ``issuer`` follows from them. Enable either ``oidc`` or ``password`` (plus ``token``).
    """

    subdomain: str | None = Field(None, description="The account subdomain: acme for acme.onelogin.com.")
    region: Literal["us", "eu"] = Field("us", description="Where the OneLogin account is hosted.")
    base_url: str | None = Field(
        None, description="Custom domain origin (https://login.acme.com) instead of the subdomain."
    )

    issuer_source: ClassVar[str] = "subdomain (or base_url)"

    @classmethod
    def derive_issuer(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        base = _base_url(data) or "https://onelogin.invalid"  # else the field validators report it
        out = {**data, "issuer": base + ISSUER_PATH}
        methods = out.get("methods")
        if "token_endpoint_auth_method" not in out and out.get("client_secret") and methods:
            names = {m.strip() for m in methods.split(",")} if isinstance(methods, str) else set(methods)
            chosen = {AUTH_METHOD_FOR[m] for m in AUTH_METHOD_FOR if m in names or m.value in names}
            if len(chosen) == 1:
                out["token_endpoint_auth_method"] = chosen.pop()
        return out

    @field_validator("subdomain")
    @classmethod
    def _check_subdomain(cls, value: str | None) -> str | None:
        if value is not None and not _SUBDOMAIN.fullmatch(value.lower()):
            raise ValueError("must be the account subdomain only, e.g. 'acme' for acme.onelogin.com")
        return value.lower() if value else value

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
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
