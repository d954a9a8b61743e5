"""A cold start against a counting loopback IdP: shared by tests/core/test_coldstart.py and
bench/bench_coldstart.py.

:class:`CountingIdP` serves a discovery document and a key set on 127.0.0.1 and counts the GETs
per path; :func:`worker` is one ``spawn``-ed worker process that validates the same token with
``calls`` concurrent ``authenticate(ExternalToken(...))`` on a fresh connector whose cache is a
:class:`~idpbridge.redis_cache.RedisCache` (or the in-process memory cache when ``redis_url`` is
``None``).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import traceback
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CLIENT_ID = "coldstart-client"
DISCOVERY = "/.well-known/openid-configuration"
JWKS = "/jwks"


class CountingIdP:
    """Discovery and JWKS on loopback; ``counts[path]`` is how many GETs each path got."""

    def __init__(self) -> None:
        from joserfc.jwk import RSAKey

        self.key = RSAKey.generate_key(2048, parameters={"kid": "cold-1", "use": "sig", "alg": "RS256"})
        self.counts: Counter[str] = Counter()
        lock = threading.Lock()
        idp = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with lock:
                    idp.counts[self.path] += 1
                if self.path == DISCOVERY:
                    doc: dict[str, Any] = {
                        "issuer": idp.issuer,
                        "authorization_endpoint": f"{idp.issuer}/auth",
                        "token_endpoint": f"{idp.issuer}/token",
                        "jwks_uri": f"{idp.issuer}{JWKS}",
                        "response_types_supported": ["code"],
                        "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                    }
                elif self.path == JWKS:
                    doc = {"keys": [idp.key.as_dict(private=False)]}
                else:
                    self.send_error(404)
                    return
                time.sleep(0.05)  # a real IdP takes a while: every cold caller is waiting meanwhile
                body = json.dumps(doc).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("cache-control", "max-age=300")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def token(self) -> str:
        from joserfc import jws

        now = int(time.time())
        claims = {"iss": self.issuer, "sub": "user-1", "aud": CLIENT_ID, "iat": now, "exp": now + 3600}
        return jws.serialize_compact({"alg": "RS256", "kid": "cold-1"}, json.dumps(claims), self.key)

    def __enter__(self) -> CountingIdP:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


async def cold_calls(issuer: str, token: str, calls: int, *, redis_url: str | None, prefix: str) -> list[str]:
    """``calls`` concurrent validations on a fresh connector; the outcome of each (``"ok"`` or the
    error code)."""
    from idpbridge import Authenticated, ContinuationKeys, ExternalToken, IdpBridgeError
    from idpbridge.cache import Cache, MemoryCache
    from idpbridge.oidc import OIDCConnector

    cache: Cache
    if redis_url is None:
        cache = MemoryCache()
    else:
        from idpbridge.redis_cache import RedisCache

        cache = RedisCache.from_url(redis_url, prefix=prefix)
    conn = OIDCConnector(
        issuer=issuer,
        client_id=CLIENT_ID,
        methods=["token"],
        cache=cache,
        timeouts={"connect": 30, "read": 60, "total": 120, "authenticate": 120},
        continuation_keys=ContinuationKeys.generate(),
    )

    async def one() -> str:
        try:
            outcome = await conn.authenticate(ExternalToken(token))
        except IdpBridgeError as exc:
            return exc.code
        return "ok" if isinstance(outcome, Authenticated) else type(outcome).__name__

    try:
        return list(await asyncio.gather(*(one() for _ in range(calls))))
    finally:
        await conn.aclose()
        if redis_url is not None:
            await cache.aclose()  # type: ignore[attr-defined]


def worker(index: int, job: tuple[str, str, int, str, str], queues: Any) -> None:
    """One worker process: wait for the others, then ``calls`` concurrent cold validations.

    ``job`` is ``(issuer, token, calls, redis_url, prefix)``.
    """
    issuer, token, calls, redis_url, prefix = job
    barrier, outbox = queues
    try:
        barrier.wait(60)  # every worker starts cold at the same moment
        results = asyncio.run(cold_calls(issuer, token, calls, redis_url=redis_url, prefix=prefix))
        outbox.put((index, Counter(results)))
    except BaseException:  # report, so the parent fails with the reason instead of a timeout
        outbox.put((index, traceback.format_exc()))


def run_workers(idp: CountingIdP, workers: int, calls: int, redis_url: str, prefix: str) -> list[Any]:
    """Start ``workers`` spawned processes sharing ``redis_url``; their results, by worker index."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    barrier, outbox = ctx.Barrier(workers), ctx.Queue()
    token = idp.token()
    procs = [
        ctx.Process(target=worker, args=(i, (idp.issuer, token, calls, redis_url, prefix), (barrier, outbox)))
        for i in range(workers)
    ]
    for p in procs:
        p.start()
    try:
        results = dict(outbox.get(timeout=120) for _ in procs)
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    return [results[i] for i in range(workers)]
