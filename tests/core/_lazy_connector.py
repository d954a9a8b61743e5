"""A connector module the registry tests check is imported only on first use."""

from __future__ import annotations

from idpbridge import Method
from idpbridge.kit import Connector, ConnectorConfig

IMPORTED = True


class LazyConnector(Connector[ConnectorConfig]):
    name = "lazy"
    title = "Lazy"
    methods = frozenset({Method.PASSWORD})
