"""Organizations: route each customer organization to its own IdP (B2B federation).

A :class:`Directory` maps an organization — by id, or by the user's email domain (home-realm
discovery) — to one of the configured connectors, and runs the two-phase federation step:
:meth:`Directory.start` returns the connector's redirect with the organization sealed into the
continuation; :meth:`Directory.complete` finishes on the same connector and returns a
:class:`FederatedIdentity`. See ``docs/b2b.md``.
"""

from __future__ import annotations

from ._directory import Directory
from ._errors import OrganizationError
from ._types import FederatedIdentity, FederationStart, IdPInfo, Organization, Route, split_email

__all__ = [
    "Directory",
    "FederatedIdentity",
    "FederationStart",
    "IdPInfo",
    "Organization",
    "OrganizationError",
    "Route",
    "split_email",
]
