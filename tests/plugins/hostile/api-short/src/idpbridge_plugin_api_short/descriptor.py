"""A descriptor declaring a one-element plugin API version: refused when it is built."""

from idpbridge.kit import ConnectorPlugin

PLUGIN = ConnectorPlugin(
    name="apishortdesc",
    title="API version (1,) in a descriptor",
    methods=frozenset({"password"}),
    connector="idpbridge_plugin_api_short:ApiShortConnector",
    api_version=(1,),  # type: ignore[arg-type]
)
