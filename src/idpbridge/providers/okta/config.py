"""Configuration of an Okta connector (one OIDC app integration).

===========================  ====================================================================
field                        meaning
===========================  ====================================================================
``domain``                   the Okta org domain (``acme.okta.com``) or custom URL domain
``authorization_server_id``  ``default``, a custom server id (``aus…``), or empty for the org
                             authorization server (the default)
``client_id``                the app integration's client id (``0oa…``)
``client_secret``            its secret; omit for a public (PKCE-only) app
``issuer``                   derived (see :mod:`.sheet`); set it only when the server's issuer
                             differs from the domain you call (custom URL domains)
``scopes``                   ``openid email profile`` by default (add ``groups``,
                             ``offline_access`` as the app allows)
``totp_flow``                how ``totp`` talks to Okta: ``direct`` (Direct Authentication
                             grants: password, then ``mfa-otp``; the default) or ``idx`` (the
                             Identity Engine's Interaction Code flow)
``interaction_redirect_uri`` a sign-in redirect URI of the app, sent to ``/v1/interact``
                             (required for ``idx``; nothing is ever redirected to it)
``totp_authenticators``      IDX authenticators a code may answer, in order of preference
                             (default ``google_otp``, ``okta_verify``)
===========================  ====================================================================

Every field of :class:`~idpbridge.oidc.OIDCConfig` applies as well (``methods``, ``endpoints``,
``claim_mapping``, …). ``password`` and ``totp`` must be listed in ``methods`` to be enabled.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, model_validator

from ...kit import Domain, Method, OIDCConfig, ProviderSheet, Words, base_url, matching
from .sheet import AUTHORIZATION_SERVER_ID, SHEET, TOTP_AUTHENTICATORS

__all__ = ["OktaConfig"]


#: An absolute URI without a fragment (a sign-in redirect URI of the app).
RedirectURI = Annotated[
    str,
    matching(
        r"[A-Za-z][A-Za-z0-9+.-]*:[^\s#]+", "an absolute redirect URI registered with the app (no fragment)"
    ),
]


def _server_id(value: str) -> str | None:
    """Empty: the org authorization server (``None``)."""
    if value and not AUTHORIZATION_SERVER_ID.fullmatch(value):
        raise ValueError("expected 'default' or an authorization server id such as aus1a2b3c4D5e6F7g8h9")
    return value or None


def _authenticators(value: tuple[str, ...]) -> tuple[str, ...]:
    if not value or not set(value) <= set(TOTP_AUTHENTICATORS) or len(set(value)) != len(value):
        raise ValueError(f"one or more of {', '.join(TOTP_AUTHENTICATORS)}, each once")
    return value


class OktaConfig(OIDCConfig):
    """Settings of one Okta OIDC app integration (see the module docstring)."""

    sheet: ClassVar[ProviderSheet | None] = SHEET

    domain: Domain = Field(description="Okta org domain (acme.okta.com) or custom URL domain.")
    authorization_server_id: Annotated[str, AfterValidator(_server_id)] | None = Field(
        None, description="'default', a custom authorization server id, or empty for the org server."
    )

    totp_flow: Literal["direct", "idx"] = Field(
        "direct", description="direct: password + mfa-otp grants; idx: the Interaction Code flow."
    )
    interaction_redirect_uri: RedirectURI | None = Field(
        None, description="A sign-in redirect URI of the app, sent to /v1/interact (idx)."
    )
    totp_authenticators: Annotated[Words, AfterValidator(_authenticators)] = Field(
        tuple(TOTP_AUTHENTICATORS), description="IDX authenticators a TOTP code answers, preferred first."
    )

    @model_validator(mode="after")
    def _check_idx(self) -> Self:
        if self.uses_idx and not self.interaction_redirect_uri:
            raise ValueError("interaction_redirect_uri: required by totp_flow = idx")
        return self

    @property
    def uses_idx(self) -> bool:
        """Whether ``totp`` is enabled and runs the Interaction Code flow (``Password`` does too)."""
        return self.totp_flow == "idx" and Method.TOTP in self.enabled_methods

    @property
    def base_url(self) -> str:
        """``https://{domain}`` (or the loopback URL given as the domain)."""
        return base_url(self.domain, what="domain")

    @property
    def org_host(self) -> str:
        """The org's host name (reported as the identity's tenant)."""
        return urlsplit(self.base_url).netloc
