"""idpbridge connector for the Acme legacy directory.

This module is what the entry point loads when someone lists connectors, so it stays light:
it describes the connector and names the class, without importing it.
"""

from idpbridge import ConnectorPlugin, Method

plugin = ConnectorPlugin(
    name="acme",
    title="Acme Legacy Directory",
    methods=frozenset({Method.PASSWORD}),
    connector="idpbridge_acme.connector:AcmeConnector",
    api_version=(1, 0),
    description="Password logins against Acme's /api/login endpoint.",
)
