"""SAML 2.0 Web Browser SSO, service-provider side.

The ``saml`` connector (:class:`~idpbridge.saml.connector.SAMLConnector`) needs the ``saml``
extra (``pip install "idpbridge[saml]"``: signxml and lxml). Importing this package imports
neither; the submodules do.
"""

from __future__ import annotations

__all__: list[str] = []
