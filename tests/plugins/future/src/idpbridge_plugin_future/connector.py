"""The connector class itself imports fine; only its API version makes it unusable."""

from __future__ import annotations

from typing import ClassVar

from idpbridge.kit import Connector, ConnectorConfig, InvalidCredentials, Method, Outcome, Password


class FutureConfig(ConnectorConfig):
    """No fields of its own."""

    supported_methods: ClassVar[frozenset[Method]] = frozenset({Method.PASSWORD})


class FutureConnector(Connector[FutureConfig]):
    """Would refuse everyone; it must never be loaded by an idpbridge speaking API 1.x."""

    name = "future"
    title = "Future API"
    methods = frozenset({Method.PASSWORD})
    Config = FutureConfig
    api_version = (2, 0)

    async def password(self, request: Password) -> Outcome:
        raise InvalidCredentials("this connector should never have been loaded")
