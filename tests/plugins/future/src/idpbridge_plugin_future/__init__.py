"""A plugin built for a plugin API this idpbridge does not speak (2.0)."""

from idpbridge.kit import ConnectorPlugin, Method

PLUGIN = ConnectorPlugin(
    name="future",
    title="Future API",
    methods=frozenset({Method.PASSWORD}),
    connector="idpbridge_plugin_future.connector:FutureConnector",
    api_version=(2, 0),
    description="Registered for plugin API 2.0; idpbridge must refuse to load it.",
)
