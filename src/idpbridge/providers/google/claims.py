"""Google claims -> :class:`~idpbridge.Identity`, and the hosted-domain rule.

==========================  ===================================================================
Identity field              Google claim
==========================  ===================================================================
``subject``                 ``sub`` (the Google account id; never the e-mail, which can change)
``email`` / ``_verified``   ``email`` / ``email_verified`` (a JSON boolean)
``name``, ``given_name``,   same names (scope ``profile``)
``family_name``
``tenant``                  ``hd``: the Google Workspace domain; absent for consumer accounts
==========================  ===================================================================

Google has no username claim. ``picture``, ``locale``, ``azp`` and the rest stay in
:attr:`Identity.claims`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from ...errors import TokenValidationError
from ...oidc.claims import ClaimMap
from ...oidc.idtoken import ClaimCheck

__all__ = ["CLAIMS", "hosted_domain_check"]

CLAIMS = ClaimMap(username=None, groups=None, roles=None, tenant="hd")


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
