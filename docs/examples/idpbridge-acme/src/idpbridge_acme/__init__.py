"""idpbridge connector for the Acme legacy directory.

This module is what the entry point loads when someone lists connectors, so it stays light:
it declares the connector's data sheet once and builds the descriptor from it, naming the class
without importing it. The connector and its config read the same sheet.
"""

from idpbridge.kit import Method, ProviderSheet

SHEET = ProviderSheet(
    name="acme",
    title="Acme Legacy Directory",
    methods=frozenset({Method.PASSWORD}),
    description="Password logins against Acme's /api/login endpoint.",
)

# api_version: written against plugin API 1.1 (the first with idpbridge.kit and sheets).
plugin = SHEET.plugin(connector="idpbridge_acme.connector:AcmeConnector", api_version=(1, 1))
