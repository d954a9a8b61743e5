"""Apple claims -> :class:`~idpbridge.Identity`, and the first-login ``user`` form field.

==========================  ===================================================================
Identity field              source
==========================  ===================================================================
``subject``                 ``sub`` of the ID token (stable per developer team)
``email`` / ``_verified``   ``email`` / ``email_verified`` of the **ID token** only; the flag has
                            been sent as a JSON boolean and as the strings ``"true"``/``"false"``
                            (exactly those are accepted)
``given_name``,             the ``user`` form field Apple POSTs on the user's *first*
``family_name``, ``name``   authorization only (``name.firstName`` / ``name.lastName``), marked
                            :attr:`~idpbridge.identity.ClaimSource.FIRST_LOGIN`; persist them
==========================  ===================================================================

``is_private_email`` (a relay address), ``real_user_status``, ``nonce_supported`` and
``transfer_sub`` stay in :attr:`Identity.claims`; :func:`is_private_email` reads the first
strictly. The ``user`` field is unsigned: its e-mail is never used (the ID token's is).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from ...identity import opt_str, strict_bool
from ...oidc.claims import ClaimMap

__all__ = ["CLAIMS", "first_login_claims", "is_private_email"]

log = logging.getLogger("idpbridge.providers.apple")

CLAIMS = ClaimMap(username=None, groups=None, roles=None, string_booleans=True)
_MAX_USER_FIELD = 4096


def is_private_email(claims: Mapping[str, Any]) -> bool | None:
    """Whether the e-mail is an Apple private-relay address.

    ``true``/``"true"`` and ``false``/``"false"`` count; Apple omits the claim when it is false,
    so an absent claim next to an ``email`` is ``False``. Anything else is ``None`` (unknown).
    """
    if "is_private_email" not in claims:
        return False if opt_str(claims.get("email")) else None
    return strict_bool(claims["is_private_email"], accept_strings=True)


def first_login_claims(raw: str) -> dict[str, str]:
    """Name claims from the first-login ``user`` form field (a JSON string).

    Returns ``given_name``, ``family_name`` and ``name`` (composed) for the parts present as
    non-empty strings. The field is unsigned and optional: anything malformed yields ``{}`` (and
    a log line that does not repeat it) rather than failing a login the ID token already proved.
    """
    try:
        data = json.loads(raw) if len(raw) <= _MAX_USER_FIELD else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        log.warning("ignoring a malformed 'user' field in Apple's callback")
        return {}
    name = data.get("name")
    if not isinstance(name, dict):
        return {}
    out: dict[str, str] = {}
    given, family = opt_str(name.get("firstName")), opt_str(name.get("lastName"))
    if given:
        out["given_name"] = given
    if family:
        out["family_name"] = family
    full = " ".join(part for part in (given, family) if part)
    if full:
        out["name"] = full
    return out
