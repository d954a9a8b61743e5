"""Bounded decoding of a response body's ``Content-Encoding``: :class:`CappedBody`.

Re-used by :mod:`idpbridge.http`, which feeds it the *raw* bytes read from the socket (the HTTP
library never decodes a body itself). Inflation runs in steps of at most :data:`STEP` output
bytes, and stops as soon as the decoded size passes the cap, so whatever the compression ratio
no more than the cap plus one network read plus one step is ever held, and the caller can yield
to the event loop between steps.

Only ``identity``, ``gzip`` (alias ``x-gzip``) and ``deflate`` (zlib-wrapped, or raw as some
servers send it) are decoded. Stacked codings (``gzip, gzip``) and any other coding (``br``,
``zstd``, ``compress``) are refused: we never ask for them (:data:`ACCEPT_ENCODING`), and a
second layer is how a 3 KiB response becomes gigabytes.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable, Iterator
from typing import Literal

__all__ = ["ACCEPT_ENCODING", "STEP", "BadEncoding", "BodyTooLarge", "CappedBody", "content_coding"]

#: The ``Accept-Encoding`` every request sends: exactly the codings :class:`CappedBody` decodes.
ACCEPT_ENCODING = "gzip, deflate"
#: Most bytes one decompression step produces before the event loop gets to run again.
STEP = 64 * 1024

Coding = Literal["identity", "gzip", "deflate"]
_ALIASES: dict[str, Coding] = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate"}


class BodyTooLarge(Exception):
    """Internal: the decoded body passed the cap."""


class BadEncoding(Exception):
    """Internal: the body's content coding is refused or its compressed data is broken."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def content_coding(values: Iterable[str]) -> Coding:
    """The one coding named by the ``Content-Encoding`` values, or raise :class:`BadEncoding`.

    ``identity`` entries are ignored; more than one remaining coding is refused.
    """
    codings = [v.strip().lower() for v in values]
    codings = [c for c in codings if c and c != "identity"]
    if len(codings) > 1:
        shown = ", ".join(c[:20] for c in codings[:4])
        raise BadEncoding(f"more than one content encoding ({shown})")
    if not codings:
        return "identity"
    coding = _ALIASES.get(codings[0])
    if coding is None:
        raise BadEncoding(f"unsupported content encoding {codings[0][:40]!r}")
    return coding


def _is_zlib_header(head: bytes) -> bool:
    """RFC 1950 §2.2: CM 8, a window of at most 32 KiB, and FCHECK making the pair a multiple of 31."""
    cmf, flg = head[0], head[1]
    return cmf & 0x0F == 8 and cmf >> 4 <= 7 and (cmf << 8 | flg) % 31 == 0


class CappedBody:
    """Accumulates a body of at most ``cap`` decoded bytes from raw chunks.

    :meth:`feed` and :meth:`finish` are generators that yield between bounded decompression
    steps (iterate them, letting the event loop run at each item); they raise
    :class:`BodyTooLarge` or :class:`BadEncoding`. :attr:`done` turns true when a compressed
    stream has ended (what follows it is not read).
    """

    def __init__(self, coding: Coding, cap: int) -> None:
        self.coding = coding
        self.cap = cap
        self.size = 0
        self.done = False
        self._fed = False
        self._buf = io.BytesIO()  # getvalue() hands over its buffer without a copy
        self._inflater: zlib._Decompress | None = None
        self._head = b""  # deflate: the first bytes, until the wrapper is known
        if coding == "gzip":
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def value(self) -> bytes:
        """The decoded body."""
        return self._buf.getvalue()

    def _append(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.cap:
            raise BodyTooLarge
        self._buf.write(data)

    def _ready(self, data: bytes) -> tuple[zlib._Decompress | None, bytes]:
        if self._inflater is not None:
            return self._inflater, data
        self._head += data  # deflate: zlib-wrapped (RFC 9110) or raw (what some servers send)
        if len(self._head) < 2:
            return None, b""
        wbits = zlib.MAX_WBITS if _is_zlib_header(self._head) else -zlib.MAX_WBITS
        self._inflater = zlib.decompressobj(wbits)
        data, self._head = self._head, b""
        return self._inflater, data

    def feed(self, data: bytes) -> Iterator[None]:
        """Take one raw chunk; yields between decompression steps."""
        if not data or self.done:
            return
        if self.coding == "identity":
            self._append(data)
            return
        self._fed = True
        inflater, data = self._ready(data)
        while inflater is not None and data:
            out = self._step(inflater, data)
            if inflater.eof:
                self.done = True
                return
            if not out and inflater.unconsumed_tail == data:
                raise BadEncoding(f"{self.coding} data that does not decode")  # no progress
            data = inflater.unconsumed_tail
            yield

    def finish(self) -> Iterator[None]:
        """The raw stream ended: drain what zlib still holds; a cut-short stream is refused."""
        if self.coding == "identity" or self.done or not self._fed:
            return  # nothing to drain; no body at all is fine (204, HEAD, an empty 200)
        if self._inflater is None:  # one byte of deflate data
            raise BadEncoding(f"compressed body is truncated ({self.coding})")
        while True:
            out = self._step(self._inflater, b"")
            if self._inflater.eof:
                self.done = True
                return
            if not out:
                raise BadEncoding(f"compressed body is truncated ({self.coding})")
            yield

    def _step(self, inflater: zlib._Decompress, data: bytes) -> bytes:
        try:
            out = inflater.decompress(data, min(self.cap - self.size + 1, STEP))
        except zlib.error:
            raise BadEncoding(f"body is not valid {self.coding} data") from None
        self._append(out)
        return out
