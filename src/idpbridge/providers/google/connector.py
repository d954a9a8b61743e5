"""The Google connector: the OIDC engine with Google's sheet, plus two real quirks.

* ``hosted_domain`` is enforced on the signed ``hd`` claim of every ID token (code flow and
  :class:`~idpbridge.ExternalToken`), never on the e-mail suffix; a single domain is also sent as
  the ``hd`` hint.
* ``azp``: a token whose ``azp`` is another client must name one of ``authorized_parties``.

Issuer spellings, static endpoints, claims and errors come from :mod:`.sheet`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping
from typing import Any

from ...errors import TokenValidationError
from ...kit import ClaimCheck, EngineHooks, OIDCConnector, TokenPolicy
from ...methods import StartOIDC
from .config import GoogleConfig

__all__ = ["GoogleConnector", "google_token_policy", "hosted_domain_check"]


def hosted_domain_check(domains: Collection[str]) -> ClaimCheck:
    """An ID-token check: the ``hd`` claim must be one of ``domains``, exactly.

    The ``hd`` authorization parameter is only a hint to Google's account chooser, and an e-mail
    suffix proves nothing (a consumer account can use any address): only the signed ``hd`` claim
    says the account belongs to a Workspace domain.
    """
    allowed = frozenset(domains)

    def check(header: Mapping[str, Any], claims: Mapping[str, Any]) -> None:
        hd = claims.get("hd")
        if not isinstance(hd, str) or hd not in allowed:
            shown = "no hd claim (not a Workspace account)" if hd is None else "another hosted domain"
            raise TokenValidationError(
                f"the Google account is not in an allowed domain: {shown}", code="token.hosted_domain"
            )

    check.__name__ = "google_hosted_domain"
    return check


class GoogleConnector(OIDCConnector):
    """Sign in with Google (see the module docstring)."""

    config: GoogleConfig

    def authorize_params(self, request: StartOIDC) -> dict[str, str]:
        """The ``hd`` hint for a single hosted domain, then the configured and request extras."""
        params = super().authorize_params(request)
        if len(self.config.hosted_domain) == 1:
            params.setdefault("hd", self.config.hosted_domain[0])
        return params

    def engine_hooks(self) -> EngineHooks:
        """The token policy gains ``hd`` and the project's other clients as trusted ``azp``."""
        return EngineHooks(token_policy=google_token_policy(self.config))


def google_token_policy(config: GoogleConfig) -> Callable[[TokenPolicy], TokenPolicy]:
    """Adds the ``hd`` check (when domains are set) and ``authorized_parties`` as trusted ``azp``."""
    extra = (hosted_domain_check(config.hosted_domain),) if config.hosted_domain else ()
    trusted = frozenset(config.authorized_parties)

    def adjust(policy: TokenPolicy) -> TokenPolicy:
        return dataclasses.replace(policy, claim_checks=(*policy.claim_checks, *extra), trusted_azp=trusted)

    return adjust
