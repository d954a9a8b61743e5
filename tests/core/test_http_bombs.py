"""Compressed bodies over a real loopback socket: bounded inflation, refused encodings, peak memory.

Every test here talks to a real HTTP/1.1 server on 127.0.0.1 (``_loopback``), so the bytes go
through httpx's real streaming path; peak memory is measured with ``tracemalloc``.
"""

from __future__ import annotations

import asyncio
import gzip
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Iterator

import pytest

from idpbridge import MalformedResponse
from idpbridge._inflate import STEP, BadEncoding, BodyTooLarge, CappedBody, Coding, content_coding
from idpbridge.http import NO_RETRY, HttpClient, HttpPolicy

from ._loopback import LoopbackServer, Route, serve

MiB = 1024 * 1024
CAP = MiB  # the default max_response_bytes
BOMB = 64 * MiB  # what one small response inflates to
JSON = {"content-type": "application/json"}


def deflate(data: bytes | None, *, wbits: int, size: int = 0) -> bytes:
    """``data`` (or ``size`` zero bytes, streamed) compressed with ``wbits`` (31 gzip, 15 zlib, -15 raw)."""
    c = zlib.compressobj(9, zlib.DEFLATED, wbits)
    if data is not None:
        return c.compress(data) + c.flush()
    zero = bytes(MiB)
    return b"".join([c.compress(zero) for _ in range(size // MiB)]) + c.flush()


GZIP, ZLIB, RAW = 31, 15, -15
GZIP_BOMB = deflate(None, wbits=GZIP, size=BOMB)
ZLIB_BOMB = deflate(None, wbits=ZLIB, size=BOMB)
RAW_BOMB = deflate(None, wbits=RAW, size=BOMB)
BODY = b'{"keys": [], "note": "' + b"n" * 5000 + b'"}'


def route(body: bytes, encoding: str | None) -> Route:
    return Route(body, {**JSON, "content-encoding": encoding} if encoding else JSON)


ROUTES = {
    "/plain": route(BODY, None),
    "/at-cap": route(b'"' * CAP, None),
    # bombs: a small response that inflates far beyond the cap
    "/bomb/gzip": route(GZIP_BOMB, "gzip"),
    "/bomb/deflate-zlib": route(ZLIB_BOMB, "deflate"),
    "/bomb/deflate-raw": route(RAW_BOMB, "deflate"),
    "/bomb/gzip-small": route(deflate(None, wbits=GZIP, size=16 * MiB), "gzip"),  # one network read
    "/bomb/gzip-gzip": route(deflate(GZIP_BOMB, wbits=GZIP), "gzip, gzip"),
    "/bomb/gzip-deflate": route(deflate(GZIP_BOMB, wbits=ZLIB), "gzip, deflate"),
    "/bomb/deflate-gzip": route(deflate(ZLIB_BOMB, wbits=GZIP), "deflate, gzip"),
    "/bomb/two-headers": Route(
        deflate(GZIP_BOMB, wbits=GZIP),
        {**JSON, "content-encoding": "gzip"},
        extra_headers=(("content-encoding", "gzip"),),  # httpx joins the two lines: "gzip, gzip"
    ),
    "/bomb/br": route(GZIP_BOMB, "br"),
    "/bomb/zstd": route(GZIP_BOMB, "zstd"),
    # well-formed compressed bodies
    "/ok/gzip": route(gzip.compress(BODY), "gzip"),
    "/ok/x-gzip": route(gzip.compress(BODY), "x-gzip"),
    "/ok/GZIP": route(gzip.compress(BODY), "GZIP"),
    "/ok/deflate-zlib": route(deflate(BODY, wbits=ZLIB), "deflate"),
    "/ok/deflate-raw": route(deflate(BODY, wbits=RAW), "deflate"),
    "/ok/identity": route(BODY, "identity"),
    "/ok/gzip-identity": route(gzip.compress(BODY), "gzip, identity"),
    "/ok/gzip-at-cap": route(deflate(None, wbits=GZIP, size=CAP), "gzip"),
    "/ok/empty-gzip": route(b"", "gzip"),
    "/too-large/gzip-cap-plus-one": route(deflate(bytes(CAP + 1), wbits=GZIP), "gzip"),
    # broken compressed bodies
    "/bad/truncated": route(gzip.compress(BODY)[:-20], "gzip"),
    "/bad/corrupt": route(b"\x1f\x8b\x08\x00garbage-garbage-garbage", "gzip"),
    "/bad/not-deflate": route(b"\xff\xff\xff\xff", "deflate"),
    "/bad/short-deflate": route(b"{}", "deflate"),
    "/bad/one-byte-deflate": route(b"x", "deflate"),
    "/bad/compress": route(BODY, "compress"),
    "/bad/unknown": route(BODY, "x-custom"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    with serve(ROUTES) as s:
        yield s


async def _peak(server: LoopbackServer, path: str) -> tuple[int, object]:
    """Peak traced bytes while fetching ``path`` (after a warm-up request), and the outcome."""
    client = HttpClient(HttpPolicy(max_body=CAP, retry=NO_RETRY))
    try:
        await client.get(server.url("/plain"))  # imports, pool, connection: not part of the measure
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            try:
                outcome: object = await client.get(server.url(path))
            except MalformedResponse as exc:
                outcome = exc
            peak = tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()
    finally:
        await client.aclose()
    return peak, outcome


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/bomb/gzip", "provider.response_too_large"),
        ("/bomb/deflate-zlib", "provider.response_too_large"),
        ("/bomb/deflate-raw", "provider.response_too_large"),
        ("/bomb/gzip-gzip", "provider.bad_encoding"),
        ("/bomb/gzip-deflate", "provider.bad_encoding"),
        ("/bomb/deflate-gzip", "provider.bad_encoding"),
        ("/bomb/two-headers", "provider.bad_encoding"),
        ("/bomb/br", "provider.bad_encoding"),
        ("/bomb/zstd", "provider.bad_encoding"),
    ],
)
async def test_bomb_peak_memory_stays_under_twice_the_cap(
    server: LoopbackServer, path: str, code: str
) -> None:
    peak, outcome = await _peak(server, path)
    assert isinstance(outcome, MalformedResponse), outcome
    assert outcome.code == code
    assert peak <= 2 * CAP, f"{path}: peak {peak} bytes = {peak / CAP:.1f}x the cap"


async def test_a_normal_response_at_the_cap_stays_under_twice_the_cap(server: LoopbackServer) -> None:
    peak, outcome = await _peak(server, "/at-cap")
    assert not isinstance(outcome, BaseException)
    assert peak <= 2 * CAP, f"peak {peak} bytes = {peak / CAP:.2f}x the cap"


async def test_a_compressed_response_at_the_cap_is_accepted_within_twice_the_cap(
    server: LoopbackServer,
) -> None:
    peak, outcome = await _peak(server, "/ok/gzip-at-cap")
    assert not isinstance(outcome, BaseException)
    assert getattr(outcome, "body", None) == bytes(CAP)
    assert peak <= 2 * CAP, f"peak {peak} bytes = {peak / CAP:.2f}x the cap"


@pytest.fixture
async def client() -> AsyncIterator[HttpClient]:
    http = HttpClient(HttpPolicy(max_body=CAP, retry=NO_RETRY))
    yield http
    await http.aclose()


@pytest.mark.parametrize(
    "path",
    [
        "/ok/gzip",
        "/ok/x-gzip",
        "/ok/GZIP",
        "/ok/deflate-zlib",
        "/ok/deflate-raw",
        "/ok/identity",
        "/ok/gzip-identity",
        "/plain",
    ],
)
async def test_compressed_bodies_are_decoded(server: LoopbackServer, client: HttpClient, path: str) -> None:
    resp = await client.get(server.url(path))
    assert resp.body == BODY
    assert resp.json()["keys"] == []


async def test_an_empty_body_with_an_encoding_is_empty(server: LoopbackServer, client: HttpClient) -> None:
    assert (await client.get(server.url("/ok/empty-gzip"))).body == b""


async def test_one_byte_over_the_cap_after_inflation_is_refused(
    server: LoopbackServer, client: HttpClient
) -> None:
    with pytest.raises(MalformedResponse) as caught:
        await client.get(server.url("/too-large/gzip-cap-plus-one"))
    assert caught.value.code == "provider.response_too_large"


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/bad/truncated", "truncated"),
        ("/bad/corrupt", "not valid gzip"),
        ("/bad/not-deflate", "not valid deflate"),
        ("/bad/short-deflate", "truncated"),
        ("/bad/one-byte-deflate", "truncated"),
        ("/bad/compress", "unsupported"),
        ("/bad/unknown", "unsupported"),
        ("/bomb/gzip-gzip", "more than one"),
    ],
)
async def test_broken_or_unsupported_encodings_are_typed_errors(
    server: LoopbackServer, client: HttpClient, path: str, why: str
) -> None:
    with pytest.raises(MalformedResponse, match=why) as caught:
        await client.get(server.url(path) + "?token=secret-value")
    assert caught.value.code == "provider.bad_encoding"
    assert "secret-value" not in str(caught.value)


async def test_accept_encoding_offers_only_what_is_decoded(
    server: LoopbackServer, client: HttpClient
) -> None:
    await client.get(server.url("/plain"), headers={"accept-encoding": "gzip, deflate, br, zstd"})
    await client.get(server.url("/plain"))
    sent = [headers.get("accept-encoding") for _, path, headers in server.requests if path == "/plain"]
    assert sent[-2:] == ["gzip, deflate", "gzip, deflate"]


async def _worst_turn(client: HttpClient, url: str) -> int:
    """The most memory allocated within one event-loop turn (between two runs of a concurrent
    task) while ``url`` is fetched: a proxy for the most work done without yielding."""
    worst = 0
    done = False

    async def watcher() -> None:
        nonlocal worst
        base = tracemalloc.get_traced_memory()[0]
        while not done:
            await asyncio.sleep(0)
            current, peak = tracemalloc.get_traced_memory()
            worst = max(worst, peak - base)
            tracemalloc.reset_peak()
            base = current

    tracemalloc.start()
    task = asyncio.create_task(watcher())
    try:
        await client.get(url)
    except MalformedResponse:
        pass
    finally:
        done = True
        await task
        tracemalloc.stop()
    return worst


async def test_inflating_yields_to_the_event_loop(server: LoopbackServer, client: HttpClient) -> None:
    # A bomb is inflated in bounded steps (64 KiB of output) with the event loop running in
    # between, instead of a whole network read inflating at once (16 MiB here) in one turn. One
    # turn still holds the copies httpcore and h11 make of a 64 KiB network read.
    await client.get(server.url("/plain"))  # warm connection
    worst = await _worst_turn(client, server.url("/bomb/gzip-small"))
    assert worst <= CAP // 2, f"{worst} bytes allocated in one event-loop turn"  # was 45 MiB


@pytest.mark.parametrize(("coding", "wbits"), [("gzip", GZIP), ("deflate", ZLIB), ("deflate", RAW)])
def test_a_body_fed_one_byte_at_a_time_decodes(coding: Coding, wbits: int) -> None:
    # the zlib/raw deflate sniff needs two bytes; network reads may be split anywhere
    body = CappedBody(coding, CAP)
    data = deflate(BODY, wbits=wbits)
    for i in range(len(data)):
        for _ in body.feed(data[i : i + 1]):
            pass
    for _ in body.finish():
        pass
    assert body.value() == BODY


@pytest.mark.parametrize(("coding", "wbits"), [("gzip", GZIP), ("deflate", ZLIB), ("deflate", RAW)])
def test_inflation_steps_are_bounded(coding: Coding, wbits: int) -> None:
    # each step yields after at most STEP bytes of output; the cap ends it one byte past the cap
    body = CappedBody(coding, CAP)
    steps = 0

    def drain() -> None:
        nonlocal steps
        for _ in body.feed(deflate(None, wbits=wbits, size=4 * MiB)):
            steps += 1

    with pytest.raises(BodyTooLarge):
        drain()
    assert body.size == CAP + 1  # inflated exactly one byte past the cap, not a byte more
    assert steps >= CAP // STEP - 1


@pytest.mark.parametrize(
    ("values", "coding"),
    [
        ([], "identity"),
        (["identity"], "identity"),
        (["GZIP"], "gzip"),
        (["x-gzip"], "gzip"),
        ([" deflate "], "deflate"),
    ],
)
def test_content_coding(values: list[str], coding: str) -> None:
    assert content_coding(values) == coding


@pytest.mark.parametrize(
    "values", [["gzip", "gzip"], ["gzip", "deflate"], ["br"], ["zstd"], ["compress"], ["x"]]
)
def test_content_coding_refused(values: list[str]) -> None:
    with pytest.raises(BadEncoding):
        content_coding(values)
