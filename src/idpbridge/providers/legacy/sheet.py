"""The legacy connector's data sheet.

A home-grown system has no discovery, no fixed issuer and no error vocabulary: everything about
it (request templates, response mapping, the issuer of its identities) comes from the connectors
file (see :mod:`.config`). The sheet only declares the name, the methods and the extra.
"""

from __future__ import annotations

from ...kit import Method, ProviderSheet

__all__ = ["SHEET"]

SHEET = ProviderSheet(
    name="legacy",
    title="Legacy HTTP API",
    methods=frozenset({Method.PASSWORD, Method.TOKEN}),
    extra="legacy",
    description="A home-grown REST endpoint that checks passwords or validates legacy tokens.",
)
