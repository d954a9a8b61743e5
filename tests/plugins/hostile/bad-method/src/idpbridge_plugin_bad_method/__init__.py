"""A descriptor declaring a method idpbridge does not know (once a ValueError in the listing)."""

from idpbridge.kit import ConnectorPlugin

PLUGIN = ConnectorPlugin(
    name="badmethod",
    title="Unknown method",
    methods=frozenset({"password", "telepathy"}),
    connector="idpbridge_plugin_bad_method.cls:BadMethodConnector",
)
