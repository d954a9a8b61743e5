"""The claim map: which raw claim feeds each :class:`~idpbridge.Identity` field.

It is protocol-neutral data (a provider sheet declares one), so it lives below the protocol
engines; :mod:`idpbridge.oidc.claims` applies it to ID-token and UserInfo claims.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from .errors import ConfigurationError

__all__ = ["ClaimMap"]


@dataclasses.dataclass(frozen=True, slots=True)
class ClaimMap:
    """Which raw claim feeds each :class:`~idpbridge.Identity` field (``None``: not mapped).

    A name is looked up as a top-level claim first (Auth0's namespaced claims contain dots),
    then as a dotted path into nested objects (``realm_access.roles``). ``string_booleans``
    accepts the exact strings ``"true"``/``"false"`` for the ``*_verified`` fields, for providers
    known to send them. ``subject`` names the claim holding the subject, or several tried in order
    (Meta: ``("sub", "id")``, the Graph profile has no ``sub``).
    """

    email: str | None = "email"
    email_verified: str | None = "email_verified"
    phone_number: str | None = "phone_number"
    phone_number_verified: str | None = "phone_number_verified"
    username: str | None = "preferred_username"
    name: str | None = "name"
    given_name: str | None = "given_name"
    family_name: str | None = "family_name"
    groups: str | None = "groups"
    roles: str | None = "roles"
    tenant: str | None = None
    amr: str | None = "amr"
    auth_time: str | None = "auth_time"
    string_booleans: bool = False
    subject: str | tuple[str, ...] = "sub"

    def with_overrides(self, overrides: Mapping[str, Any]) -> ClaimMap:
        """A copy with some entries replaced; unknown field names are a configuration error."""
        if not overrides:
            return self
        names = {f.name for f in dataclasses.fields(self)}
        unknown = set(overrides) - names
        if unknown:
            raise ConfigurationError(
                f"claim_mapping: unknown identity field(s): {', '.join(sorted(unknown))}",
                field="claim_mapping",
            )
        values = dict(overrides)
        for key, value in overrides.items():
            if key == "subject" and isinstance(value, list | tuple):
                values[key] = tried = tuple(value)
                ok = bool(tried) and all(isinstance(v, str) and v for v in tried)
            elif key == "subject":
                ok = isinstance(value, str) and bool(value)
            elif key == "string_booleans":
                ok = isinstance(value, bool)
            else:
                ok = value is None or isinstance(value, str)
            if not ok:
                raise ConfigurationError(f"claim_mapping.{key} has the wrong type", field="claim_mapping")
        return dataclasses.replace(self, **values)

    @property
    def subject_claims(self) -> tuple[str, ...]:
        """The claims tried for the subject, in order."""
        return (self.subject,) if isinstance(self.subject, str) else self.subject
