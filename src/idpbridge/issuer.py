"""Issuer policies: which `iss` (or SAML `Issuer`) values a connector accepts.

Every comparison is an exact, code-point comparison of strings: no case folding, no URL
normalisation, no trailing-slash repair, no prefix or substring matching.

* :class:`ExactIssuer` — one issuer (most providers).
* :class:`OneOfIssuers` — a fixed set (Google's ``https://accounts.google.com`` and
  ``accounts.google.com``).
* :class:`TenantIssuer` — a template with a ``{tenantid}`` placeholder (Entra ``/common`` and
  ``/organizations``): the token's tenant claim is substituted, the result must equal ``iss``
  exactly, and the tenant must be in the allow-list when one is configured.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

from .errors import ConfigurationError

__all__ = ["ExactIssuer", "IssuerPolicy", "OneOfIssuers", "TenantIssuer"]

_PLACEHOLDER = "{tenantid}"
# Tenant ids are GUIDs or short domain-like names; nothing that could change a URL's structure.
_TENANT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


@runtime_checkable
class IssuerPolicy(Protocol):
    """Decides whether a token's ``iss`` is acceptable."""

    #: Issuer used to build the discovery URL.
    discovery_issuer: str
    #: The exact ``issuer`` value the discovery document must carry.
    metadata_issuer: str

    def matches(self, iss: str, claims: Mapping[str, Any]) -> bool:
        """Whether ``iss`` (with the rest of ``claims`` for context) is acceptable."""
        ...

    def describe(self) -> str:
        """A short description for error messages."""
        ...


def _issuer_string(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{what} must be a non-empty string", field="issuer")
    return value


class _Frozen:
    """Immutable after ``__init__`` (the policies are hashed and shared between token policies)."""

    __slots__ = ()

    def _set(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")


class ExactIssuer(_Frozen):
    """Accept exactly one issuer string.

    ``discovery_issuer`` is where the discovery document is fetched from, when that differs from
    the issuer (Cognito behind ``endpoint_url``); the document must still name ``issuer``.
    """

    __slots__ = ("discovery_issuer", "issuer", "metadata_issuer")
    issuer: str
    discovery_issuer: str
    metadata_issuer: str

    def __init__(self, issuer: str, *, discovery_issuer: str | None = None) -> None:
        self._set("issuer", _issuer_string(issuer, "issuer"))
        self._set("discovery_issuer", _issuer_string(discovery_issuer or self.issuer, "discovery issuer"))
        self._set("metadata_issuer", self.issuer)

    def matches(self, iss: str, claims: Mapping[str, Any]) -> bool:
        return isinstance(iss, str) and iss == self.issuer

    def describe(self) -> str:
        return repr(self.issuer)

    def __repr__(self) -> str:
        return f"ExactIssuer({self.issuer!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ExactIssuer)
            and other.issuer == self.issuer
            and other.discovery_issuer == self.discovery_issuer
        )

    def __hash__(self) -> int:
        return hash((ExactIssuer, self.issuer, self.discovery_issuer))


class OneOfIssuers(_Frozen):
    """Accept any of a fixed set of issuer strings (each compared exactly)."""

    __slots__ = ("discovery_issuer", "issuers", "metadata_issuer")
    issuers: frozenset[str]
    discovery_issuer: str
    metadata_issuer: str

    def __init__(self, *issuers: str, discovery_issuer: str | None = None) -> None:
        if not issuers:
            raise ConfigurationError("OneOfIssuers needs at least one issuer", field="issuer")
        self._set("issuers", frozenset(_issuer_string(i, "issuer") for i in issuers))
        first = issuers[0]
        self._set("discovery_issuer", _issuer_string(discovery_issuer or first, "discovery issuer"))
        self._set("metadata_issuer", self.discovery_issuer)

    def matches(self, iss: str, claims: Mapping[str, Any]) -> bool:
        return isinstance(iss, str) and iss in self.issuers

    def describe(self) -> str:
        return "one of " + ", ".join(repr(i) for i in sorted(self.issuers))

    def __repr__(self) -> str:
        return f"OneOfIssuers({', '.join(repr(i) for i in sorted(self.issuers))})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, OneOfIssuers)
            and other.issuers == self.issuers
            and other.discovery_issuer == self.discovery_issuer
        )

    def __hash__(self) -> int:
        return hash((OneOfIssuers, self.issuers, self.discovery_issuer))


class TenantIssuer(_Frozen):
    """Multi-tenant issuer template, e.g. ``https://login.microsoftonline.com/{tenantid}/v2.0``.

    ``iss`` must equal the template with the token's ``tenant_claim`` substituted, and that
    tenant must be in ``allowed_tenants`` when given (``None`` admits any tenant, still with the
    exact issuer check). ``metadata_issuer`` defaults to the template, which is what Entra's
    ``/common`` and ``/organizations`` discovery documents carry.
    """

    __slots__ = ("allowed_tenants", "discovery_issuer", "metadata_issuer", "template", "tenant_claim")
    allowed_tenants: frozenset[str] | None
    discovery_issuer: str
    metadata_issuer: str
    template: str
    tenant_claim: str

    def __init__(
        self,
        template: str,
        *,
        discovery_issuer: str,
        tenant_claim: str = "tid",
        allowed_tenants: Iterable[str] | None = None,
        metadata_issuer: str | None = None,
    ) -> None:
        self._set("template", _issuer_string(template, "issuer template"))
        if self.template.count(_PLACEHOLDER) != 1:
            raise ConfigurationError(
                f"issuer template must contain {_PLACEHOLDER} exactly once", field="issuer"
            )
        self._set("discovery_issuer", _issuer_string(discovery_issuer, "discovery issuer"))
        self._set("metadata_issuer", _issuer_string(metadata_issuer or self.template, "metadata issuer"))
        self._set("tenant_claim", tenant_claim)
        if isinstance(allowed_tenants, str):
            raise ConfigurationError("allowed_tenants must be a collection of strings", field="tenants")
        self._set("allowed_tenants", None if allowed_tenants is None else frozenset(allowed_tenants))

    def issuer_for(self, tenant: str) -> str:
        """The issuer string for ``tenant``."""
        return self.template.replace(_PLACEHOLDER, tenant)

    def matches(self, iss: str, claims: Mapping[str, Any]) -> bool:
        tenant = claims.get(self.tenant_claim)
        if not isinstance(iss, str) or not isinstance(tenant, str) or not _TENANT_RE.fullmatch(tenant):
            return False
        if self.allowed_tenants is not None and tenant not in self.allowed_tenants:
            return False
        return iss == self.issuer_for(tenant)

    def describe(self) -> str:
        tenants = "any tenant" if self.allowed_tenants is None else f"{len(self.allowed_tenants)} tenant(s)"
        return f"{self.template!r} with {self.tenant_claim!r} ({tenants})"

    def __repr__(self) -> str:
        return f"TenantIssuer({self.template!r}, tenant_claim={self.tenant_claim!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TenantIssuer) and (
            other.template,
            other.discovery_issuer,
            other.metadata_issuer,
            other.tenant_claim,
            other.allowed_tenants,
        ) == (
            self.template,
            self.discovery_issuer,
            self.metadata_issuer,
            self.tenant_claim,
            self.allowed_tenants,
        )

    def __hash__(self) -> int:
        return hash((TenantIssuer, self.template, self.discovery_issuer, self.tenant_claim))
