"""A one-shot loopback redirect receiver for ``idpbridge login --method oidc`` (RFC 8252 §7.3).

It listens on a loopback address only, accepts the authorization response on one path either as
a query string (``response_mode=query``) or as a form POST (``form_post``), answers the browser
with a short page, and hands the parameters over exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import Self
from urllib.parse import parse_qs, urlsplit

__all__ = ["LoopbackReceiver"]

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_MAX_HEADER = 16 * 1024
_MAX_BODY = 64 * 1024
_PAGE = (
    b"<!doctype html><html><head><meta charset='utf-8'><title>idpbridge</title></head>"
    b"<body><p>%s</p></body></html>"
)


class LoopbackReceiver:
    """Receive one authorization response on ``http://<host>:<port><path>``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, path: str = "/callback") -> None:
        if host not in _LOOPBACK_HOSTS:
            raise ValueError("the redirect receiver listens on loopback addresses only")
        if not path.startswith("/"):
            raise ValueError("the callback path must start with '/'")
        self.host, self.port, self.path = host, port, path
        self._server: asyncio.Server | None = None
        self._result: asyncio.Future[dict[str, list[str]]] | None = None

    @property
    def redirect_uri(self) -> str:
        """The redirect URI to register/send (valid once started)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.path}"

    async def __aenter__(self) -> Self:
        self._result = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def wait(self, seconds: float) -> dict[str, list[str]]:
        """The callback parameters (each a list, as ``parse_qs`` gives them); ``TimeoutError``
        when none arrives within ``seconds``."""
        async with asyncio.timeout(seconds):
            return await asyncio.shield(self._future())

    def _future(self) -> asyncio.Future[dict[str, list[str]]]:
        if self._result is None:
            raise RuntimeError("use LoopbackReceiver as an async context manager")
        return self._result

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status, message = await self._serve(reader)
        except (ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, UnicodeDecodeError):
            status, message = 400, b"Bad request."
        body = _PAGE % message
        reason = {
            200: b"OK",
            400: b"Bad Request",
            404: b"Not Found",
            405: b"Method Not Allowed",
            409: b"Conflict",
        }
        head = (
            b"HTTP/1.1 %d %s\r\ncontent-type: text/html; charset=utf-8\r\ncache-control: no-store\r\n"
            b"content-length: %d\r\nconnection: close\r\n\r\n"
            % (status, reason.get(status, b"Error"), len(body))
        )
        with contextlib.suppress(ConnectionError):
            writer.write(head + body)
            await writer.drain()
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader) -> tuple[int, bytes]:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > _MAX_HEADER:
            raise ValueError("header too large")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
        url = urlsplit(target)
        if url.path != self.path:
            return 404, b"Not found."
        if method == "GET":
            params = parse_qs(url.query, keep_blank_values=True)
        elif method == "POST":
            length = int(headers.get("content-length", "0"))
            if not 0 <= length <= _MAX_BODY:
                raise ValueError("body too large")
            ctype = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if ctype != "application/x-www-form-urlencoded":
                return 400, b"Expected a form post."
            body = await reader.readexactly(length)
            params = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        else:
            return 405, b"Method not allowed."
        result = self._future()
        if result.done():
            return 409, b"A response was already received; you can close this window."
        result.set_result(params)
        return 200, b"idpbridge received the sign-in response. You can close this window."
