"""OneLogin claims -> :class:`~idpbridge.Identity`.

``sub`` is the OneLogin user id (subject type ``public``, stable). OneLogin advertises no
``email_verified`` claim, so e-mail is never treated as verified. ``groups`` (with the ``groups``
scope) holds roles or groups as the app's "Groups" parameter says (UNCONFIRMED). The tenant is the
account (subdomain or custom domain). Source: ``reference/providers.md`` §7.6 and §13.
"""

from __future__ import annotations

from ...oidc.claims import ClaimMap

__all__ = ["CLAIMS"]

CLAIMS = ClaimMap(
    email="email",
    email_verified=None,
    phone_number="phone_number",
    phone_number_verified=None,
    username="preferred_username",
    groups="groups",
    roles=None,
)
