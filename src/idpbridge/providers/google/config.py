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
from typing import Annotated, Any, ClassVar

from pydantic import Field, field_validator

from ...kit import OIDCConfig, ProviderSheet, each_matching
from .sheet import SHEET

__all__ = ["GoogleConfig"]

# A DNS name in lower case (Google sends ``hd`` lower-case; comparisons are exact).
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})+")
_DOMAINS = "expected lower-case domain names such as example.com"
_TRIMMED = re.compile(r"\S(?:.*\S)?", re.DOTALL)  # non-empty, no surrounding spaces
_PARTIES = "client ids must be non-empty, without surrounding spaces"


class GoogleConfig(OIDCConfig):
    """Settings of one Google OAuth client. See the module docstring for the fields."""

    sheet: ClassVar[ProviderSheet | None] = SHEET

    hosted_domain: Annotated[tuple[str, ...], each_matching(_DOMAIN, _DOMAINS)] = Field(
        (), description="Google Workspace domain(s) allowed to sign in (checked on the hd claim)."
    )
    authorized_parties: Annotated[tuple[str, ...], each_matching(_TRIMMED, _PARTIES)] = Field(
        (), description="Other client ids of this project accepted as the ID token's azp."
    )

    @field_validator("hosted_domain", "authorized_parties", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value
