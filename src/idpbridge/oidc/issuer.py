"""Issuer policies, re-exported from :mod:`idpbridge.issuer` (where they live, below every protocol)."""

from __future__ import annotations

from ..issuer import ExactIssuer, IssuerPolicy, OneOfIssuers, TenantIssuer

__all__ = ["ExactIssuer", "IssuerPolicy", "OneOfIssuers", "TenantIssuer"]
