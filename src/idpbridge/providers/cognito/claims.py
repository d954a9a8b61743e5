"""Cognito claims -> :class:`~idpbridge.Identity` (data for the OIDC engine's claim mapper).

==========================  ===================================================================
Identity field              Cognito claim
==========================  ===================================================================
``subject``                 ``sub`` (a UUID, never reused; ``cognito:username`` is not stable)
``username``                ``cognito:username`` (for e-mail-as-username pools this is a UUID)
``email`` / ``_verified``   ``email`` / ``email_verified``
``phone_number`` / ``_v.``  ``phone_number`` / ``phone_number_verified``
``groups``                  ``cognito:groups``
``roles``                   ``cognito:roles`` (IAM role ARNs)
``tenant``                  the user pool id (set by the connector; not a claim)
==========================  ===================================================================

Cognito sends the verified flags as JSON booleans in tokens but as the strings ``"true"`` /
``"false"`` elsewhere (moto's ID tokens, ``GetUser``): exactly those two strings are accepted
(``string_booleans``). ``custom:*`` attributes and every other claim stay in
:attr:`Identity.claims`.
"""

from __future__ import annotations

from ...oidc.claims import ClaimMap
from ...oidc.idtoken import claim_equals

__all__ = ["CLAIMS", "ID_TOKEN_CHECKS"]

CLAIMS = ClaimMap(
    username="cognito:username",
    groups="cognito:groups",
    roles="cognito:roles",
    string_booleans=True,
)

#: A Cognito access token is never accepted where an ID token is expected.
ID_TOKEN_CHECKS = (claim_equals("token_use", "id"),)
