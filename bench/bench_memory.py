"""Memory: RSS over 10,000 sequential logins, and per-call allocations (tracemalloc).

* RSS (``/proc/self/statm``) of this process after a warm-up of ``--warmup`` password logins
  against the local oidc-provider, then after every 1,000 of ``--logins`` more. Target: flat (no
  growth after warm-up).
* tracemalloc, per call: the transient peak (bytes allocated at the busiest point of one call,
  above what was live before it) and the net bytes still held after ``--traced`` calls, divided
  by their number (a leak would show here), for ``TokenValidator.validate`` (warm key cache, no
  I/O) and for a full warm ``authenticate(Password(...))``.

Timings are not the point here and nothing is asserted. Starts the OP like bench_login.py.

    python bench/bench_memory.py [--warmup 1000] [--logins 10000] [--traced 500]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import sys
import tracemalloc
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_idtoken
import bench_login
import httpx
from joserfc.jwk import RSAKey

from idpbridge import Authenticated, Password
from idpbridge.cache import MemoryCache
from idpbridge.http import HttpClient
from idpbridge.oidc import ExactIssuer, JWKSManager, TokenPolicy, TokenValidator

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    gc.collect()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


async def traced(fn: Callable[[], Awaitable[object]], calls: int) -> tuple[float, float]:
    """``(transient peak bytes of one call, net bytes held per call after `calls` calls)``."""
    for _ in range(50):
        await fn()
    gc.collect()
    tracemalloc.start()
    try:
        peaks = []
        for _ in range(20):
            before, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            await fn()
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
        gc.collect()
        start, _ = tracemalloc.get_traced_memory()
        for _ in range(calls):
            await fn()
        gc.collect()
        end, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return sorted(peaks)[len(peaks) // 2], (end - start) / calls


async def validator_fn() -> Callable[[], Awaitable[object]]:
    key = RSAKey.generate_key(2048, parameters={"kid": "bench-1", "use": "sig"})
    doc = {"keys": [key.as_dict(private=False)]}
    http = HttpClient(
        client=httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=doc)))
    )
    validator = TokenValidator(JWKSManager(http, MemoryCache()))
    policy = TokenPolicy(audience=bench_idtoken.CLIENT_ID, issuer=ExactIssuer(bench_idtoken.ISSUER))
    token = bench_idtoken.make_token(key)

    async def validate() -> object:
        return await validator.validate(
            token, policy, jwks_uri=bench_idtoken.JWKS_URI, nonce=bench_idtoken.NONCE
        )

    return validate


async def main(issuer: str, warmup: int, logins: int, traced_calls: int) -> None:
    validate = await validator_fn()
    peak, held = await traced(validate, traced_calls * 10)
    print(
        f"TokenValidator.validate: transient peak {peak / 1024:.1f} KiB per call, net {held:+.1f} B per call"
    )
    async with bench_login.connector(issuer) as conn:

        async def login() -> object:
            result = await conn.authenticate(Password(bench_login.USER, bench_login.PASSWORD))
            assert isinstance(result, Authenticated)
            return result

        peak, held = await traced(login, traced_calls)
        print(
            f"authenticate(Password):  transient peak {peak / 1024:.1f} KiB per call, "
            f"net {held:+.1f} B per call"
        )
        for _ in range(warmup):
            await login()
        samples = [rss()]
        for i in range(logins):
            await login()
            if (i + 1) % 1000 == 0:
                samples.append(rss())
    mib = [s / 2**20 for s in samples]
    print(
        f"RSS after {warmup} warm-up logins, then every 1,000 of {logins}: "
        + ", ".join(f"{m:.1f}" for m in mib)
        + " MiB"
    )
    print(
        f"RSS growth over {logins} logins after warm-up: "
        f"{(samples[-1] - samples[0]) / 1024:+.0f} KiB (target: flat)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--logins", type=int, default=10000)
    parser.add_argument("--traced", type=int, default=500)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    port = bench_login.free_port()
    proc = bench_login.start_op(port)
    try:
        asyncio.run(main(f"http://127.0.0.1:{port}", args.warmup, args.logins, args.traced))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
