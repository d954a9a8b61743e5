"""Full password login against the local oidc-provider: idpbridge vs a hand-written client.

* **warm login** — one ROPC exchange plus ID-token validation per login, sequential, caches warm
  on both sides:
  - *baseline*: httpx.AsyncClient + authlib's ``client_secret_basic`` encoder for the token request,
    then joserfc (the JOSE library authlib itself recommends) verifying RS256 with a pre-parsed
    key and checking iss/aud/sub/exp/iat with 60 s leeway and "no nonce";
  - *idpbridge*: ``OIDCConnector.authenticate(Password(...))`` with ``fetch_userinfo=False`` (the
    same exchange), i.e. discovery/JWKS caches, strict JSON, error classification, identity
    normalization. Targets: idpbridge / baseline <= 1.03 in wall time, <= 1.05 in client CPU.
  Both run interleaved one login at a time (the order reversed every round); wall time is the
  median of single logins, client CPU the mean per login.
* **cold start** — 1,000 concurrent ``authenticate()`` calls on a fresh connector; requests are
  counted on the wire (httpx event hook). Target: exactly 1 discovery and 1 JWKS fetch.

Starts ``node tests/peers/oidc-provider/server.mjs`` on a free loopback port (run
``bash tests/peers/install.sh`` first). Prints figures and writes them into bench/README.md;
timings are never asserted.

    python bench/bench_login.py [--logins 200] [--rounds 5] [--cold 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from _peers import redis_server
from authlib.oauth2.auth import ClientAuth
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from idpbridge import Authenticated, ContinuationKeys, Password
from idpbridge.oidc import OIDCConnector

ROOT = Path(__file__).resolve().parent.parent
OP_DIR = ROOT / "tests" / "peers" / "oidc-provider"
README = Path(__file__).resolve().parent / "README.md"
CLIENT_ID, CLIENT_SECRET = "test-client", "test-secret"
USER, PASSWORD = "alice", "alice-pass"
SCOPE = "openid email profile"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_op(port: int) -> subprocess.Popen[bytes]:
    node = shutil.which("node")
    if node is None or not (OP_DIR / "node_modules" / "oidc-provider").is_dir():
        sys.exit("node or oidc-provider missing: run `bash tests/peers/install.sh`")
    key = RSAKey.generate_key(2048, private=True)
    jwks = {"keys": [{**key.as_dict(private=True), "kid": "bench", "alg": "RS256", "use": "sig"}]}
    proc = subprocess.Popen(  # noqa: S603 - our own peer script
        [node, "server.mjs"],
        cwd=OP_DIR,
        env={**os.environ, "OP_PORT": str(port), "OP_JWKS_JSON": json.dumps(jwks)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/.well-known/openid-configuration"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("oidc-provider did not start")


class Baseline:
    """What a careful developer writes by hand with httpx, authlib and joserfc."""

    def __init__(self, issuer: str, client: httpx.AsyncClient) -> None:
        self.issuer = issuer
        self.client = client
        self.token_endpoint = ""
        self.keys: KeySet | None = None

    async def setup(self) -> None:
        disc = (await self.client.get(f"{self.issuer}/.well-known/openid-configuration")).json()
        self.token_endpoint = disc["token_endpoint"]
        self.keys = KeySet.import_key_set((await self.client.get(disc["jwks_uri"])).json())

    async def login(self) -> dict[str, Any]:
        data = {"grant_type": "password", "username": USER, "password": PASSWORD, "scope": SCOPE}
        auth = ClientAuth(CLIENT_ID, CLIENT_SECRET, "client_secret_basic")
        _, headers, _ = auth.prepare("POST", self.token_endpoint, {}, "")
        response = await self.client.post(self.token_endpoint, data=data, headers=headers)
        body = response.json()
        if response.status_code != 200 or "error" in body:
            raise RuntimeError(body)
        assert self.keys is not None
        token = jwt.decode(body["id_token"], self.keys, algorithms=["RS256"])
        registry = jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": CLIENT_ID},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
        )
        registry.validate(token.claims)
        if "nonce" in token.claims:
            raise RuntimeError("unexpected nonce")
        return token.claims


def connector(issuer: str, **options: Any) -> OIDCConnector:
    return OIDCConnector(
        issuer=issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        methods=["password"],
        scopes=SCOPE.split(),
        fetch_userinfo=False,
        continuation_keys=ContinuationKeys.generate(),
        **options,
    )


async def warm(issuer: str, logins: int, rounds: int, redis_url: str | None) -> dict[str, float]:
    """Interleave single logins (baseline, idpbridge, [idpbridge on Redis], …, order reversed every
    round) so that load on a shared machine hits all alike; per side, the median wall time of one
    login and the mean CPU time."""
    async with httpx.AsyncClient() as raw, connector(issuer) as conn:
        base = Baseline(issuer, raw)
        await base.setup()

        def login(c: OIDCConnector) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                result = await c.authenticate(Password(USER, PASSWORD))
                assert isinstance(result, Authenticated)

            return run

        sides: dict[str, Callable[[], Awaitable[Any]]] = {"baseline": base.login, "idpbridge": login(conn)}
        shared = None
        if redis_url is not None:
            from idpbridge.redis_cache import RedisCache

            shared = connector(issuer, cache=RedisCache.from_url(redis_url, prefix="bench-login:"))
            sides["redis"] = login(shared)
        for _ in range(20):  # warm all: connections, caches, code paths
            for fn in sides.values():
                await fn()
        wall: dict[str, list[float]] = {name: [] for name in sides}
        cpu: dict[str, float] = dict.fromkeys(sides, 0.0)
        for r in range(rounds * logins):
            order = list(sides.items()) if r % 2 == 0 else list(sides.items())[::-1]
            for name, fn in order:
                c0, t0 = time.process_time(), time.perf_counter()
                await fn()
                wall[name].append(time.perf_counter() - t0)
                cpu[name] += time.process_time() - c0
        if shared is not None:
            await shared.aclose()
            await shared.cache.aclose()  # type: ignore[attr-defined]
    n = rounds * logins
    b, o = statistics.median(wall["baseline"]), statistics.median(wall["idpbridge"])
    bc, oc = cpu["baseline"] / n, cpu["idpbridge"] / n
    extra: dict[str, float] = {}
    if "redis" in wall:
        rw, rc = statistics.median(wall["redis"]), cpu["redis"] / n
        extra = {
            "redis_ms": rw * 1e3,
            "redis_ratio": rw / o,
            "redis_cpu_ms": rc * 1e3,
            "redis_cpu_ratio": rc / oc,
        }
    return {
        **extra,
        "baseline_ms": b * 1e3,
        "idpbridge_ms": o * 1e3,
        "ratio": o / b,
        "baseline_cpu_ms": bc * 1e3,
        "idpbridge_cpu_ms": oc * 1e3,
        "cpu_ratio": oc / bc,
        "logins": n,
    }


async def cold(issuer: str, n: int) -> dict[str, float]:
    counts: dict[str, int] = {}

    async def count(request: httpx.Request) -> None:
        counts[request.url.path] = counts.get(request.url.path, 0) + 1

    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(event_hooks={"request": [count]}, limits=limits, timeout=60) as client:
        conn = connector(issuer, timeouts={"connect": 30, "read": 60, "total": 120}, http_client=client)
        started = time.perf_counter()
        results = await asyncio.gather(*(conn.authenticate(Password(USER, PASSWORD)) for _ in range(n)))
        elapsed = time.perf_counter() - started
        await conn.aclose()
    ok = sum(isinstance(r, Authenticated) for r in results)
    return {
        "calls": n,
        "authenticated": ok,
        "discovery_fetches": counts.get("/.well-known/openid-configuration", 0),
        "jwks_fetches": counts.get("/jwks", 0),
        "token_requests": counts.get("/token", 0),
        "seconds": elapsed,
    }


def write_readme(w: dict[str, float], c: dict[str, float], args: argparse.Namespace) -> None:
    redis_row = (
        f"| idpbridge on `RedisCache` (shared tier) | {w['redis_ms']:.2f} ms | {w['redis_ratio']:.3f} "
        f"| {w['redis_cpu_ms']:.2f} ms | {w['redis_cpu_ratio']:.3f} |\n"
        if "redis_ms" in w
        else ""
    )
    section = f"""<!-- bench_login:start -->
## Full password login (`bench_login.py`)

Local panva/oidc-provider 9.13.3 on loopback (the test peer), ROPC + RS256 ID-token validation,
{w["logins"]:.0f} logins per side, interleaved one by one (so machine load hits both alike); wall time is the
median of single logins, CPU time the mean client-side process time per login.
Measured {time.strftime("%Y-%m-%d")} on {platform.machine()}, {os.cpu_count()} CPUs, Python
{platform.python_version()} (figures include the OP's own work, which dominates).

| | wall per login | ratio | client CPU per login | ratio |
|---|---:|---:|---:|---:|
| baseline: httpx + authlib `ClientAuth` + joserfc | {w["baseline_ms"]:.2f} ms | 1.00 \
| {w["baseline_cpu_ms"]:.2f} ms | 1.00 |
| idpbridge `authenticate(Password(...))` | {w["idpbridge_ms"]:.2f} ms | **{w["ratio"]:.3f}** \
| {w["idpbridge_cpu_ms"]:.2f} ms | **{w["cpu_ratio"]:.3f}** |
{redis_row}
Targets: wall-time ratio <= 1.03 and client-CPU ratio <= 1.05 against the baseline; on
`RedisCache`, <= 1.05 against the memory cache (its ratio column is against the row above).

Cold start: {c["calls"]:.0f} concurrent `authenticate()` calls on a fresh connector ->
{c["authenticated"]:.0f} authenticated, **{c["discovery_fetches"]:.0f} discovery fetch and
{c["jwks_fetches"]:.0f} JWKS fetch** (target: exactly 1 and 1), {c["token_requests"]:.0f} token requests,
{c["seconds"]:.1f} s wall time.

Re-run: `bash tests/peers/install.sh && python bench/bench_login.py` (or `nox -s bench`).
<!-- bench_login:end -->"""
    text = (
        README.read_text()
        if README.exists()
        else "# Benchmarks\n\nRatios against baselines measured in the same run; never asserted in tests.\n"
    )
    pattern = re.compile(r"<!-- bench_login:start -->.*?<!-- bench_login:end -->", re.S)
    text = (
        pattern.sub(lambda _: section, text)
        if pattern.search(text)
        else text.rstrip("\n") + "\n\n" + section + "\n"
    )
    README.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cold", type=int, default=1000)
    parser.add_argument("--no-write", action="store_true", help="do not update bench/README.md")
    parser.add_argument("--no-redis", action="store_true", help="skip the RedisCache side")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    port = free_port()
    proc = start_op(port)
    issuer = f"http://127.0.0.1:{port}"
    try:
        with redis_server() as redis_url:
            w = asyncio.run(warm(issuer, args.logins, args.rounds, None if args.no_redis else redis_url))
        print(
            f"warm login ({w['logins']:.0f} each): baseline {w['baseline_ms']:.2f} ms, "
            f"idpbridge {w['idpbridge_ms']:.2f} ms, ratio {w['ratio']:.3f} (target <= 1.03); "
            f"client CPU {w['baseline_cpu_ms']:.2f} vs {w['idpbridge_cpu_ms']:.2f} ms, "
            f"ratio {w['cpu_ratio']:.3f} (target <= 1.05)"
        )
        if "redis_ms" in w:
            print(
                f"warm login on RedisCache: {w['redis_ms']:.2f} ms, {w['redis_ratio']:.3f}x the memory "
                f"cache (target <= 1.05); client CPU {w['redis_cpu_ms']:.2f} ms, {w['redis_cpu_ratio']:.3f}x"
            )
        c = asyncio.run(cold(issuer, args.cold))
        print(
            f"cold start: {c['calls']:.0f} concurrent calls, {c['authenticated']:.0f} authenticated, "
            f"{c['discovery_fetches']:.0f} discovery + {c['jwks_fetches']:.0f} JWKS fetches "
            f"(target 1 + 1), {c['token_requests']:.0f} token requests, {c['seconds']:.1f} s"
        )
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    if not args.no_write:
        write_readme(w, c, args)
        print(f"figures written to {README.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
