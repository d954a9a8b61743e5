"""Configuration of a Google connector (an OAuth client of a Google Cloud project).

=========================  =====================================================================
field                      meaning
=========================  =====================================================================
``client_id``              the OAuth client id (``….apps.googleusercontent.com``)
``client_secret``          its secret (web application clients)
``hosted_domain``          Workspace domain(s) allowed to sign in, enforced on the ``hd`` claim;
                           one domain is also sent as the ``hd`` hint to Google's account chooser
``authorized_parties``     other client ids of the same project that may appear as ``azp``
                           (an Android or iOS client whose ID tokens name this client as ``aud``)
``scopes``                 default ``openid email profile``
``issuer``                 leave unset (``https://accounts.google.com``); only tests and
                           sandboxes set it, together with ``endpoints``
=========================  =====================================================================

The OIDC settings of :class:`~idpbridge.oidc.OIDCConfig` apply too (``authorize_params`` for
``access_type=offline`` or ``prompt=select_account``, ``token_audience``, …). Google has no
password grant: the methods are ``oidc`` and ``token``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import Field, field_validator

from ...kit import OIDCConfig, ProviderSheet
from .sheet import SHEET

__all__ = ["GoogleConfig"]

# A DNS name in lower case (Google sends ``hd`` lower-case; comparisons are exact).
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})+")


class GoogleConfig(OIDCConfig):
    """Settings of one Google OAuth client. See the module docstring for the fields."""

    sheet: ClassVar[ProviderSheet | None] = SHEET

    hosted_domain: tuple[str, ...] = Field(
        (), description="Google Workspace domain(s) allowed to sign in (checked on the hd claim)."
    )
    authorized_parties: tuple[str, ...] = Field(
        (), description="Other client ids of this project accepted as the ID token's azp."
    )

    @field_validator("hosted_domain", "authorized_parties", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("hosted_domain")
    @classmethod
    def _check_domains(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for domain in value:
            if not _DOMAIN.fullmatch(domain):
                raise ValueError("expected lower-case domain names such as example.com")
        return value

    @field_validator("authorized_parties")
    @classmethod
    def _check_parties(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not party or party != party.strip() for party in value):
            raise ValueError("client ids must be non-empty, without surrounding spaces")
        return value
