"""The sandbox's SAML 2.0 IdP face (needs the ``saml`` extra: lxml and signxml, imported lazily)."""

from __future__ import annotations

from .app import SAMLApp, SAMLState

__all__ = ["SAMLApp", "SAMLState"]
