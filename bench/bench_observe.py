"""What observing ``authenticate()`` costs: event hooks and OpenTelemetry, on and off.

The connector answers a password instantly (no network), so the figures are the dispatch cost
alone, the worst case for the relative overhead:

* *floor*: ``connector._authenticate(request)``, the call body without the observation switch;
* *off*: ``connector.authenticate(request)`` with no hook registered and OpenTelemetry off (the
  default): the switch is one module-attribute check;
* *hook*: one no-op hook registered on the connector;
* *otel*: ``enable_opentelemetry`` with the SDK's providers (spans processed by a no-op
  processor, metrics aggregated in memory).

Rates are calls per CPU-second, best of ``--repeat`` interleaved runs; timings are never
asserted. Target: off / floor >= 0.97.

    python bench/bench_observe.py [--n 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import ClassVar

from pydantic import SecretStr

import idpbridge
from idpbridge import Authenticated, Identity, Method, Password, TokenSet
from idpbridge.kit import Connector, ConnectorConfig


class _Config(ConnectorConfig):
    supported_methods: ClassVar[frozenset[Method]] = frozenset({Method.PASSWORD})


class Instant(Connector[_Config]):
    """Answers every password at once with the same identity."""

    name = "instant"
    title = "Instant"
    methods = frozenset({Method.PASSWORD})
    Config = _Config

    async def password(self, request: Password) -> Authenticated:
        return RESULT


RESULT = Authenticated(
    identity=Identity(provider="instant", connector="instant", issuer="https://idp.example", subject="u1"),
    tokens=TokenSet(access_token=SecretStr("a")),
    method=Method.PASSWORD,
)
REQUEST = Password("jane", "pw")


async def rate(call: object, n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        await call(REQUEST)  # type: ignore[operator]
    return n / (time.process_time() - start)


async def main(n: int, repeat: int) -> None:
    conn = Instant(methods=["password"])
    best: dict[str, float] = {}

    def hook(event: idpbridge.AuthEvent) -> None:
        return None

    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider

    tracing, meters = TracerProvider(), MeterProvider(metric_readers=[InMemoryMetricReader()])
    for _ in range(repeat):
        best["floor"] = max(best.get("floor", 0), await rate(conn._authenticate, n))
        best["off"] = max(best.get("off", 0), await rate(conn.authenticate, n))
        conn.hooks.on_outcome(hook)
        best["hook"] = max(best.get("hook", 0), await rate(conn.authenticate, n))
        conn.hooks.clear()
        idpbridge.enable_opentelemetry(tracer_provider=tracing, meter_provider=meters)
        best["otel"] = max(best.get("otel", 0), await rate(conn.authenticate, n))
        idpbridge.disable_opentelemetry()
    floor = best["floor"]
    print(f"{'contender':<8} {'calls/s':>10} {'vs floor':>9}")
    for name, value in best.items():
        print(f"{name:<8} {value:>10,.0f} {value / floor:>8.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.n, args.repeat))
