"""Peak memory of compressed-body bombs, as a ratio of the body cap, against a normal response.

A threaded HTTP/1.1 server on 127.0.0.1 sends crafted bodies over a real socket; idpbridge's
``HttpClient`` fetches each one with ``max_response_bytes`` = ``--cap`` and ``tracemalloc``
records the peak of traced bytes during the request (after a warm-up request, so imports and
the connection are not counted). Rows:

* baseline — an uncompressed JSON body of exactly the cap (accepted);
* gzip / deflate (zlib) / deflate (raw) — ``--bomb`` MiB of zeros in one small response;
* stacked — ``gzip, gzip`` and ``gzip, deflate``: a few hundred bytes that inflate to the bomb twice over;
* 8 concurrent — eight gzip bombs at once, and eight baselines at once.

Target: every bomb row <= 2.0x the cap, and no worse than the baseline row of the same run.

    python bench/bench_bomb.py [--cap-kib 1024] [--bomb-mib 64]
"""

from __future__ import annotations

import argparse
import asyncio
import http.server
import threading
import tracemalloc
import zlib
from collections.abc import Awaitable, Callable

from idpbridge import MalformedResponse
from idpbridge.http import NO_RETRY, HttpClient, HttpPolicy

MiB = 1024 * 1024


def compress(data: bytes | None, wbits: int, size: int = 0) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, wbits)
    if data is not None:
        return c.compress(data) + c.flush()
    zero = bytes(MiB)
    return b"".join(c.compress(zero) for _ in range(size // MiB)) + c.flush()


def serve(routes: dict[str, tuple[bytes, str | None]]) -> tuple[http.server.ThreadingHTTPServer, int]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            body, encoding = routes[self.path]
            try:
                self.send_response(200)
                self.send_header("content-type", "application/json")
                if encoding:
                    self.send_header("content-encoding", encoding)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.handle_error = lambda request, address: None  # type: ignore[method-assign] # resets are expected
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, httpd.server_address[1]


async def peak(fn: Callable[[], Awaitable[object]]) -> tuple[int, str]:
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        try:
            await fn()
            outcome = "accepted"
        except MalformedResponse as exc:
            outcome = exc.code
        return tracemalloc.get_traced_memory()[1] - base, outcome
    finally:
        tracemalloc.stop()


async def main(cap: int, bomb: int) -> None:
    gzip_bomb = compress(None, 31, bomb)
    routes: dict[str, tuple[bytes, str | None]] = {
        "/warm": (b"{}", None),
        "/baseline": (b'"' + b"x" * (cap - 2) + b'"', None),
        "/gzip": (gzip_bomb, "gzip"),
        "/deflate-zlib": (compress(None, 15, bomb), "deflate"),
        "/deflate-raw": (compress(None, -15, bomb), "deflate"),
        "/gzip-gzip": (compress(gzip_bomb, 31), "gzip, gzip"),
        "/gzip-deflate": (compress(gzip_bomb, 15), "gzip, deflate"),
    }
    httpd, port = serve(routes)
    client = HttpClient(HttpPolicy(max_body=cap, retry=NO_RETRY))
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(8):  # warm: imports, and a pool of connections for the concurrent rows
            await asyncio.gather(*(client.get(f"{url}/warm") for _ in range(8)))
        rows: list[tuple[str, int, int, str]] = []
        for path in routes:
            if path == "/warm":
                continue
            size, outcome = await peak(lambda p=path: client.get(f"{url}{p}"))  # type: ignore[misc]
            rows.append((path.lstrip("/"), len(routes[path][0]), size, outcome))
        for path in ("/baseline", "/gzip"):

            async def eight(p: str = path) -> None:
                results = await asyncio.gather(
                    *(client.get(f"{url}{p}") for _ in range(8)), return_exceptions=True
                )
                for r in results:
                    if isinstance(r, BaseException) and not isinstance(r, MalformedResponse):
                        raise r
                if any(isinstance(r, MalformedResponse) for r in results):
                    raise next(r for r in results if isinstance(r, MalformedResponse))

            size, outcome = await peak(eight)
            rows.append((f"8 concurrent {path.lstrip('/')}", 8 * len(routes[path][0]), size, outcome))
    finally:
        await client.aclose()
        httpd.shutdown()

    base = next(r[2] for r in rows if r[0] == "baseline")
    print(f"cap {cap / MiB:g} MiB, bomb {bomb / MiB:g} MiB of zeros; peak traced bytes per request")
    print(f"{'response':<26}{'on the wire':>14}{'peak':>14}{'x cap':>8}{'x baseline':>12}  outcome")
    for name, wire, size, outcome in rows:
        per = 8 if name.startswith("8 ") else 1
        ratios = f"{size / (per * cap):>8.2f}{size / (per * base):>12.2f}"
        print(f"{name:<26}{wire:>14,}{size:>14,}{ratios}  {outcome}")
    print("(8 concurrent rows: x cap and x baseline are per response)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap-kib", type=int, default=1024, help="max_response_bytes in KiB (default 1024)")
    parser.add_argument("--bomb-mib", type=int, default=64, help="what one bomb inflates to, in MiB")
    args, _ = parser.parse_known_args()  # nox passes the same arguments to every bench script
    asyncio.run(main(args.cap_kib * 1024, args.bomb_mib * MiB))
