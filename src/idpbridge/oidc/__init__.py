"""The OIDC engine: discovery, key sets, issuer policies, ID-token validation and the flows.

Importing this package is cheap: names resolve lazily from their modules on first access, so no
JOSE or HTTP machinery loads until it is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .claims import ClaimMap
    from .config import OIDCConfig
    from .connector import OIDCConnector
    from .discovery import Discovery
    from .engine import EngineHooks, OIDCEngine
    from .idtoken import TokenPolicy, TokenValidator, ValidatedToken
    from .issuer import ExactIssuer, IssuerPolicy, OneOfIssuers, TenantIssuer
    from .jwks import JWKSManager
    from .metadata import ProviderMetadata

#: public name -> module (relative to this package) that defines it.
_EXPORTS: dict[str, str] = {
    # keys & tokens
    "ProviderMetadata": "metadata",
    "Discovery": "discovery",
    "JWKSManager": "jwks",
    "IssuerPolicy": "issuer",
    "ExactIssuer": "issuer",
    "OneOfIssuers": "issuer",
    "TenantIssuer": "issuer",
    "TokenPolicy": "idtoken",
    "TokenValidator": "idtoken",
    "ValidatedToken": "idtoken",
    # flows, engine & connector
    "OIDCEngine": "engine",
    "EngineHooks": "engine",
    "OIDCConnector": "connector",
    "OIDCConfig": "config",
    "ClaimMap": "claims",
}

__all__ = [  # noqa: RUF022 - grouped by module, mirrors _EXPORTS
    "ProviderMetadata",
    "Discovery",
    "JWKSManager",
    "IssuerPolicy",
    "ExactIssuer",
    "OneOfIssuers",
    "TenantIssuer",
    "TokenPolicy",
    "TokenValidator",
    "ValidatedToken",
    "OIDCEngine",
    "EngineHooks",
    "OIDCConnector",
    "OIDCConfig",
    "ClaimMap",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
