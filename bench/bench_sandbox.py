"""Sandbox HTTP latency: sequential keep-alive requests vs a minimal server answering in one write.

* baseline — a minimal asyncio server on loopback that answers every request with the same
  response (status line, headers and the sandbox's discovery document) in **one** write.
* sandbox  — :class:`idpbridge.sandbox.Sandbox`, ``GET …/.well-known/openid-configuration``.

Both are driven by the same client (``http.client`` over one keep-alive connection, ``--n``
sequential GETs), interleaved ``--repeat`` times; the best run of each is compared. A response
sent as two small writes (headers, then body) waits for the client's delayed ACK (Nagle), about
40 ms per request on Linux; one write does not. ``--demo`` also times ``idpbridge demo`` (wall
time of the subprocess, reported as is: it has no baseline). Timings are never asserted.

    python bench/bench_sandbox.py [--n 50] [--repeat 3] [--demo]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from idpbridge.sandbox import Sandbox

PATH = "/realms/acme/.well-known/openid-configuration"


@contextmanager
def one_write_server(body: bytes) -> Iterator[int]:
    """A minimal asyncio HTTP/1.1 server on 127.0.0.1 answering ``body`` in one write; yields its port."""
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    response = head + body
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    port: list[int] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(response)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def start() -> asyncio.Server:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port.append(server.sockets[0].getsockname()[1])
        ready.set()
        return server

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(start())
        loop.run_forever()
        server.close()
        loop.run_until_complete(server.wait_closed())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield port[0]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


def sequential(port: int, n: int, host: str = "127.0.0.1") -> float:
    """Seconds for ``n`` sequential GETs of :data:`PATH` over one keep-alive connection."""
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request("GET", PATH)  # warm-up: connect, first request
        conn.getresponse().read()
        started = time.perf_counter()
        for _ in range(n):
            conn.request("GET", PATH)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"unexpected status {response.status}")
        return time.perf_counter() - started
    finally:
        conn.close()


def fetch(port: int) -> bytes:
    """The body of one GET of :data:`PATH`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", PATH)
        return conn.getresponse().read()
    finally:
        conn.close()


def demo_wall_time() -> float:
    """Wall time of ``idpbridge demo`` in a fresh directory (one run)."""
    exe = Path(sys.executable).parent / "idpbridge"
    with tempfile.TemporaryDirectory() as cwd:
        started = time.perf_counter()
        done = subprocess.run(  # noqa: S603 - our own installed command
            [str(exe), "demo", "--json"], cwd=cwd, capture_output=True, timeout=300, check=False
        )
        elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"idpbridge demo failed: {done.stderr.decode(errors='replace')[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=50, help="sequential requests per run")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs (best is kept)")
    parser.add_argument("--demo", action="store_true", help="also time `idpbridge demo` (subprocess)")
    args = parser.parse_args()

    with Sandbox() as sandbox:
        body = fetch(sandbox.port)  # the baseline answers with the very same document
        with one_write_server(body) as baseline_port:
            best_base = best_sandbox = float("inf")
            for _ in range(args.repeat):
                best_base = min(best_base, sequential(baseline_port, args.n))
                best_sandbox = min(best_sandbox, sequential(sandbox.port, args.n))
    per = 1000 / args.n
    print(f"{args.n} sequential keep-alive GETs of the discovery document (best of {args.repeat}):")
    print(f"  baseline (asyncio, one write): {best_base * per:8.2f} ms/request")
    print(f"  sandbox:                       {best_sandbox * per:8.2f} ms/request")
    print(f"  ratio sandbox / baseline:      {best_sandbox / best_base:8.1f}x")
    if args.demo:
        print(f"idpbridge demo wall time: {demo_wall_time():.2f} s")


if __name__ == "__main__":
    main()
