"""Several worker PROCESSES sharing one Redis: single use holds, and a cold start fetches once.

Four ``spawn``-ed workers load the same connectors file (same continuation keys,
``store = "redis://…"``) for the real oidc-provider. Each starts two logins at the same moment
(cold: nothing cached anywhere); the test logs every user in at the OP, then hands EVERY
callback to EVERY worker, and the workers replay them all at the same moment.

* Each callback is accepted exactly once across the four processes; the three replays are
  refused with ``flow.reused`` before the code is redeemed (before the fix, each process kept
  its own "used" markers, so each accepted it and redeemed the code again).
* Discovery and JWKS are fetched once each for the whole deployment, counted at a loopback
  proxy in front of the OP (cross-process single flight through the shared cache).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.error import HTTPError

import pytest

from idpbridge import ContinuationKeys
from tests.oidc.integration._drive import oidc_provider_login
from tests.peers import oidc_provider as op

from . import _replay_worker

pytestmark = [pytest.mark.peer("redis"), pytest.mark.peer("oidc-provider")]

WORKERS = 4
FLOWS_PER_WORKER = 2
TIMEOUT = 90


class CountingProxy:
    """A loopback HTTP proxy to the OP that counts GETs by path."""

    def __init__(self, upstream: str) -> None:
        self.counts: Counter[str] = Counter()
        lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with lock:
                    proxy.counts[self.path] += 1
                try:
                    with urllib.request.urlopen(upstream + self.path, timeout=10) as resp:
                        status, headers, body = resp.status, resp.headers, resp.read()
                except HTTPError as exc:
                    status, headers, body = exc.code, exc.headers, exc.read()
                self.send_response(status)
                for name in ("content-type", "cache-control"):
                    if headers.get(name):
                        self.send_header(name, headers[name])
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> CountingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(oidc_provider: op.OIDCProviderPeer) -> Iterator[CountingProxy]:
    with CountingProxy(oidc_provider.base_url) as p:
        yield p


def _config(tmp_path: Path, oidc_provider: op.OIDCProviderPeer, proxy: CountingProxy, redis_url: str) -> Path:
    issuer_path = oidc_provider.issuer_path
    path = tmp_path / "idpbridge.toml"
    path.write_text(
        f"""
[settings]
continuation_keys = ["{ContinuationKeys.new_key()}"]
store = "{redis_url}"
store_prefix = "mp-{uuid.uuid4().hex}:"

[connectors.op]
provider = "oidc"
issuer = "{oidc_provider.issuer}"
client_id = "{op.CLIENT_ID}"
client_secret = "{op.CLIENT_SECRET}"
methods = ["oidc"]
scopes = ["openid", "email"]

[connectors.op.endpoints]
discovery = "{proxy.base_url}{issuer_path}/.well-known/openid-configuration"
jwks_uri = "{proxy.base_url}{issuer_path}/jwks"
"""
    )
    return path


def _collect(outbox: Any, kind: str) -> dict[int, Any]:
    got: dict[int, Any] = {}
    while len(got) < WORKERS:
        index, what, payload = outbox.get(timeout=TIMEOUT)
        assert what != "crash", f"worker {index} crashed:\n{payload}"
        assert what == kind, (what, kind)
        got[index] = payload
    return got


def test_replays_across_worker_processes_are_refused_and_a_cold_start_fetches_once(
    tmp_path: Path, oidc_provider: op.OIDCProviderPeer, proxy: CountingProxy, redis_url: str
) -> None:
    config = _config(tmp_path, oidc_provider, proxy, redis_url)
    jwks_path = oidc_provider.issuer_path + "/jwks"
    discovery_path = oidc_provider.issuer_path + "/.well-known/openid-configuration"
    with urllib.request.urlopen(oidc_provider.discovery_url, timeout=10) as resp:
        assert resp.read()  # the OP is up (not through the proxy: nothing counted)

    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    outbox = ctx.Queue()
    inboxes = [ctx.Queue() for _ in range(WORKERS)]
    workers = [
        ctx.Process(
            target=_replay_worker.run,
            args=(i, str(config), FLOWS_PER_WORKER, (barrier, inboxes[i], outbox)),
            daemon=True,
        )
        for i in range(WORKERS)
    ]
    for w in workers:
        w.start()
    try:
        started = _collect(outbox, "started")
        flows = [flow for i in sorted(started) for flow in started[i]]
        assert len(flows) == WORKERS * FLOWS_PER_WORKER
        assert len({c for c, _ in flows}) == len(flows)

        async def logins() -> list[tuple[str, dict[str, list[str]]]]:
            out = []
            for n, (continuation, url) in enumerate(flows):
                user = sorted(op.USERS)[n % 2]  # alice, bob (carol needs TOTP at the OP)
                callback = await oidc_provider_login(
                    url, user, op.USERS[user], redirect_prefix=op.REDIRECT_URI
                )
                out.append((continuation, callback.params))
            return out

        callbacks = asyncio.run(logins())
        for inbox in inboxes:
            inbox.put(callbacks)
        finished = _collect(outbox, "finished")
    finally:
        for w in workers:
            w.join(timeout=TIMEOUT)
            if w.is_alive():
                w.terminate()
                w.join(5)

    for n in range(len(flows)):
        outcomes = Counter(finished[i][n] for i in range(WORKERS))
        accepted = [o for o in outcomes if o.startswith("accepted:")]
        assert len(accepted) == 1, (n, outcomes)
        assert outcomes[accepted[0]] == 1, (n, outcomes)
        assert outcomes["flow.reused"] == WORKERS - 1, (n, outcomes)
    assert all(w.exitcode == 0 for w in workers)

    # a cold start of four processes: one discovery fetch and one JWKS fetch for all of them
    assert proxy.counts[discovery_path] == 1, proxy.counts
    assert proxy.counts[jwks_path] == 1, proxy.counts
