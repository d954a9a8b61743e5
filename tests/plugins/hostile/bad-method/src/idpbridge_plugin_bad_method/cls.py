"""A connector class registered directly whose ``methods`` holds an unknown method."""

from idpbridge.kit import Connector, ConnectorConfig


class BadMethodConnector(Connector[ConnectorConfig]):
    """``methods`` must hold :class:`idpbridge.Method` values."""

    name = "badmethodclass"
    title = "Unknown method (class)"
    methods = frozenset({"telepathy"})  # type: ignore[assignment]
