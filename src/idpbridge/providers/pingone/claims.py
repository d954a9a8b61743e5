"""PingOne claims -> :class:`~idpbridge.Identity`.

``sub`` is the PingOne user id by default (configurable by attribute mapping; UNCONFIRMED
default); ``env`` names the environment (the tenant), ``org`` the organization. Profile, e-mail
and phone claims come with their scopes; ``email_verified`` only when mapped (taken strictly).
Groups need a custom attribute mapping, conventionally named ``groups``. Source:
``reference/providers.md`` §8.6 and §13.
"""

from __future__ import annotations

from ...oidc.claims import ClaimMap

__all__ = ["CLAIMS"]

CLAIMS = ClaimMap(tenant="env", groups="groups", roles=None)
