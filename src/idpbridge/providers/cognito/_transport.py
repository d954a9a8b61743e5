"""A size cap and a deadline on the bodies botocore reads for the Cognito client.

botocore reads a whole response body into memory (``AWSResponse.content``) before anything can
look at it, so ``max_response_bytes`` cannot be checked afterwards. A ``before-send`` handler,
the event botocore offers for answering a request in its place, sends the request through the
client's own HTTP session (its pool, proxies and TLS settings) with ``stream_output`` set, so the
body is left unread, and reads it here: refused at once when ``Content-Length`` is over the cap,
else read one socket read at a time until it is, and given to botocore as an already-read
response. The same loop stops a body that trickles in past the call's deadline.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

from ..._inflate import BodyTooLarge, CappedBody
from ...errors import MalformedResponse, PluginError, ProviderUnavailable

__all__ = ["cap_responses", "deadline"]

_CHUNK = 64 * 1024
_local = threading.local()


@contextlib.contextmanager
def deadline(at: float) -> Iterator[None]:
    """Within the ``with`` block, bodies read on this thread stop at ``at`` (``time.monotonic``)."""
    _local.deadline = at
    try:
        yield
    finally:
        _local.deadline = None


class _ReadBody:
    """What ``AWSResponse.content`` reads: the body already read under the cap."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[bytes]:
        yield self._body


def read_capped(raw: Any, status: int, declared: str | None, cap: int) -> bytes:
    """Read a urllib3 response body of at most ``cap`` bytes before the thread's deadline."""
    read = getattr(raw, "read1", None) or raw.read  # read1: one socket read, never waits to fill
    body, until = CappedBody("identity", cap), getattr(_local, "deadline", None)
    try:
        if declared is not None and declared.strip().isdigit() and int(declared) > cap:
            raise BodyTooLarge
        while True:
            if until is not None and time.monotonic() > until:
                raise ProviderUnavailable("Cognito's answer did not arrive in time", code="provider.timeout")
            chunk = read(_CHUNK)
            if not chunk:
                return body.value()
            list(body.feed(chunk))  # identity: no decompression steps to yield between
    except BodyTooLarge:
        raise MalformedResponse(
            f"Cognito sent more than {cap} bytes", code="provider.response_too_large", status=status
        ) from None


def cap_responses(client: Any, cap: int) -> None:
    """Make ``client`` read every response body under ``cap`` bytes (see the module docstring)."""
    from botocore.awsrequest import AWSResponse

    session = getattr(getattr(client, "_endpoint", None), "http_session", None)
    if session is None or not callable(getattr(session, "send", None)):
        raise PluginError(
            "this botocore version is not supported: its client has no endpoint HTTP session",
            code="plugin.incompatible",
        )

    def send(request: Any, **_: Any) -> Any:
        request.stream_output = True  # the session then leaves the body unread
        response = session.send(request)
        raw = response.raw
        try:
            body = read_capped(raw, response.status_code, response.headers.get("content-length"), cap)
        except BaseException:
            raw.close()  # half read: this connection must not go back to the pool
            raise
        finally:
            raw.release_conn()
        return AWSResponse(response.url, response.status_code, response.headers, _ReadBody(body))

    client.meta.events.register_first("before-send", send, unique_id="idpbridge-cap-responses")
