"""Cold start: how many discovery and JWKS fetches a burst of first calls makes.

* one process: ``--calls`` concurrent ``authenticate(ExternalToken(...))`` on a fresh connector
  (memory cache);
* four worker processes (``spawn``: separate interpreters) sharing one Redis through
  :class:`~idpbridge.redis_cache.RedisCache`, each making ``--calls`` concurrent calls at the same
  moment.

Requests are counted at a loopback IdP that takes 50 ms per document (so every caller arrives
while the first fetch is in flight). Target: exactly one discovery fetch and one JWKS fetch per
cache — for the whole burst in one process, and for all four processes together. The same
property is a test (tests/core/test_coldstart.py); this script reports the figures and the wall
time. Needs ``redis-server`` (``bash tests/peers/install.sh``).

    python bench/bench_coldstart.py [--calls 1000] [--workers 4]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the shared counting IdP in tests/

from _peers import redis_server
from tests.core._coldstart import DISCOVERY, JWKS, CountingIdP, cold_calls, run_workers


def main(calls: int, workers: int) -> None:
    with CountingIdP() as idp:
        t0 = time.perf_counter()
        results = Counter(asyncio.run(cold_calls(idp.issuer, idp.token(), calls, redis_url=None, prefix="")))
        elapsed = time.perf_counter() - t0
        print(
            f"one process, {calls} concurrent calls: {dict(results)}; "
            f"{idp.counts[DISCOVERY]} discovery + {idp.counts[JWKS]} JWKS fetches (target 1 + 1), "
            f"{elapsed:.2f} s"
        )
    with redis_server() as redis_url:
        if redis_url is None:
            sys.exit("redis-server missing: run `bash tests/peers/install.sh`")
        with CountingIdP() as idp:
            t0 = time.perf_counter()
            per_worker = run_workers(idp, workers, calls, redis_url, f"bench-cold-{uuid.uuid4().hex}:")
            elapsed = time.perf_counter() - t0
            total: Counter[str] = Counter()
            for result in per_worker:
                if not isinstance(result, Counter):
                    sys.exit(f"a worker failed:\n{result}")
                total.update(result)
            print(
                f"{workers} processes sharing Redis, {calls} concurrent calls each: {dict(total)}; "
                f"{idp.counts[DISCOVERY]} discovery + {idp.counts[JWKS]} JWKS fetches (target 1 + 1), "
                f"{elapsed:.2f} s including interpreter start-up"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    main(args.calls, args.workers)
