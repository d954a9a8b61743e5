"""The Google connector: the OIDC engine with Google's data.

* Endpoints from :mod:`.endpoints` (no discovery fetch); ``endpoints.*`` overrides them.
* ``iss`` is ``https://accounts.google.com`` or ``accounts.google.com``, each compared exactly
  (:class:`~idpbridge.oidc.OneOfIssuers`). Either way the identity's issuer is
  ``https://accounts.google.com``, so one Google account always has one ``(issuer, subject)`` key
  (the raw ``iss`` stays in the claims).
* ``hosted_domain`` is enforced on the signed ``hd`` claim of every ID token (code flow and
  :class:`~idpbridge.ExternalToken`), never on the e-mail suffix; a single domain is also sent as
  the ``hd`` hint.
* ``azp``: a token whose ``azp`` is another client must name one of ``authorized_parties``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

from ...identity import ClaimSource, Identity
from ...methods import Method, StartOIDC
from ...oidc.connector import OIDCConnector
from ...oidc.idtoken import TokenPolicy
from ...oidc.issuer import ExactIssuer, IssuerPolicy, OneOfIssuers
from ...oidc.metadata import ProviderMetadata
from .claims import CLAIMS, hosted_domain_check
from .config import GoogleConfig
from .endpoints import ISSUER, ISSUERS, metadata
from .errors import RULES

__all__ = ["GoogleConnector"]


class GoogleConnector(OIDCConnector):
    """Sign in with Google (see the module docstring)."""

    name: ClassVar[str] = "google"
    title: ClassVar[str] = "Google"
    methods: ClassVar[frozenset[Method]] = frozenset({Method.OIDC, Method.TOKEN})
    Config: ClassVar[type[GoogleConfig]] = GoogleConfig
    error_rules = RULES
    claim_map = CLAIMS

    config: GoogleConfig

    def issuer_policy(self) -> IssuerPolicy:
        """Both of Google's spellings; a sandbox issuer is matched exactly."""
        if self.config.issuer == ISSUER:
            return OneOfIssuers(*ISSUERS, discovery_issuer=ISSUER)
        return ExactIssuer(self.config.issuer)

    def static_metadata(self) -> ProviderMetadata:
        """Google's endpoints (see :mod:`.endpoints`)."""
        return metadata(self.config.issuer)

    def authorize_params(self, request: StartOIDC) -> dict[str, str]:
        """The ``hd`` hint for a single hosted domain, then the configured and request extras."""
        params = super().authorize_params(request)
        if len(self.config.hosted_domain) == 1:
            params.setdefault("hd", self.config.hosted_domain[0])
        return params

    def build_token_policy(self, metadata: ProviderMetadata, *, audience: str | None = None) -> TokenPolicy:
        """The generic policy plus ``hd`` and the project's other clients as trusted ``azp``."""
        policy = super().build_token_policy(metadata, audience=audience)
        checks = policy.claim_checks
        if self.config.hosted_domain:
            checks = (*checks, hosted_domain_check(self.config.hosted_domain))
        return dataclasses.replace(
            policy, claim_checks=checks, trusted_azp=frozenset(self.config.authorized_parties)
        )

    def make_identity(
        self, claims: Mapping[str, Any], sources: Mapping[str, ClaimSource], issuer: str
    ) -> Identity:
        """The identity under the canonical issuer, whichever spelling the token used."""
        canonical = ISSUER if issuer in ISSUERS else issuer
        return super().make_identity(claims, sources, canonical)
