"""A connector class registered directly, declaring a one-element plugin API version."""

from idpbridge.kit import Connector, ConnectorConfig, Method


class ApiShortConnector(Connector[ConnectorConfig]):
    """``api_version`` must be ``(major, minor)``; ``(1,)`` once crashed the listing (IndexError)."""

    name = "apishort"
    title = "API version (1,)"
    methods = frozenset({Method.PASSWORD})
    api_version = (1,)  # type: ignore[assignment]
