"""Meta profile -> :class:`~idpbridge.Identity`.

==========================  ===================================================================
Identity field              source
==========================  ===================================================================
``issuer``                  ``https://www.facebook.com``
``subject``                 the Graph ``id``: an **app-scoped** user id, stable for this app (and
                            the apps of its business) only; equal to the ID token's ``sub`` when
                            Meta issues one (checked)
``email``                   Graph ``email``; absent when the user declined the permission, has no
                            confirmed address, or signed up by phone
``email_verified``          Meta sends no such flag: ``False`` for a returned e-mail unless the
                            config sets ``trust_email``; ``None`` without an e-mail
``name`` / ``given_name``   ``name`` / ``first_name`` / ``last_name``
/ ``family_name``
==========================  ===================================================================

The connector adds ``granted_scopes`` (from ``debug_token``) and ``declined_scopes`` (requested
but not granted, e.g. ``["email"]``) to :attr:`Identity.claims`.
"""

from __future__ import annotations

from ...oidc.claims import ClaimMap

__all__ = ["CLAIMS"]

CLAIMS = ClaimMap(
    email_verified=None,
    username=None,
    given_name="first_name",
    family_name="last_name",
    groups=None,
    roles=None,
    amr=None,
)
