"""Built-in provider connectors, one small package each.

Each package's ``__init__`` holds only a :class:`~idpbridge.ConnectorPlugin` descriptor, so
listing connectors imports none of a provider's dependencies.
"""
