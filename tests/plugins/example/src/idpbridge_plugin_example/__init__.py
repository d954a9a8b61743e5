"""``idpbridge-plugin-example``: a small, working third-party connector plugin.

The entry point names this cheap descriptor, so listing connectors imports nothing else; the
connector class in :mod:`.connector` is imported only when someone uses it.
"""

from idpbridge.kit import ConnectorPlugin, Method

PLUGIN = ConnectorPlugin(
    name="example",
    title="Example (in-memory users)",
    methods=frozenset({Method.PASSWORD}),
    connector="idpbridge_plugin_example.connector:ExampleConnector",
    description="Checks passwords (and a TOTP second step) against a fixed in-memory user table.",
)
