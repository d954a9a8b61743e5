"""See what a connector put on the wire: an ``httpx.AsyncClient`` whose request hook keeps each
request (it runs under vcrpy's replay too), for tests that check form and JSON bodies.

A provider package's conftest gets the :func:`recorder` fixture with
``from tests.support.wire import recorder  # noqa: F401``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

__all__ = ["Recorder", "recorder"]


class Recorder:
    """Keeps every request sent through :attr:`http_client` (pass it to the connector)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.http_client = httpx.AsyncClient(event_hooks={"request": [self._hook]})

    async def _hook(self, request: httpx.Request) -> None:
        await request.aread()
        self.requests.append(request)

    async def aclose(self) -> None:
        """Close the client."""
        await self.http_client.aclose()

    def to(self, path_suffix: str) -> list[httpx.Request]:
        """The requests whose URL path ends with ``path_suffix``."""
        return [r for r in self.requests if r.url.path.endswith(path_suffix)]

    @staticmethod
    def form(request: httpx.Request) -> dict[str, list[str]]:
        """A form-encoded body as ``name -> values``."""
        return parse_qs(request.content.decode(), keep_blank_values=True)

    @staticmethod
    def json(request: httpx.Request) -> Any:
        """A JSON body."""
        return json.loads(request.content)


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    """A :class:`Recorder`, closed after the test."""
    rec = Recorder()
    yield rec
    await rec.aclose()
