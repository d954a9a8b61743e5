"""Returning-user migration rate: ``Migrator.migrate`` vs the same read in raw SQLAlchemy, in one run.

For an identity that is already linked and whose attributes did not change, a migration is one
indexed read (a primary-key join of links and users) and no write. The baseline is that same
``SELECT`` (SQLAlchemy Core, same engine, same pool, JSON column decoded) with nothing around it.
Target: idpbridge >= 0.8x the baseline, on SQLite (file, WAL) and PostgreSQL.

Rates are migrations per wall-clock second (the database work happens in a thread or in another
process, so CPU time of this process would flatter both). The two contenders alternate in short
blocks (``--block`` calls, ``--pairs`` pairs) over ``--users`` pre-migrated identities and the
ratio reported is the median of the per-pair ratios, so load from other processes on a shared
machine hits both sides alike. PostgreSQL is a throwaway server started like the test
suite's (tests/peers/postgres.py) unless ``--pg URL`` is given. Timings are never asserted.

    python bench/bench_jit.py [--block 250] [--pairs 20] [--users 500] [--pg URL | --no-pg]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.peers.postgres

from idpbridge import Identity  # noqa: E402
from idpbridge.jit import MigrationAction, Migrator, SQLUserStore  # noqa: E402
from idpbridge.jit import _schema as schema  # noqa: E402

ISSUER = "https://legacy.example.com"


def identities(n: int) -> list[Identity]:
    return [
        Identity(
            provider="okta",
            connector="okta",
            issuer=ISSUER,
            subject=f"00u{i:08d}",
            email=f"user{i}@example.com",
            email_verified=True,
            name=f"User {i}",
            given_name="User",
            family_name=str(i),
            claims={"sub": f"00u{i:08d}", "locale": "en-NZ"},
        )
        for i in range(n)
    ]


async def rate(fn: Callable[[int], Awaitable[None]], n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        await fn(i)
    return n / (time.perf_counter() - start)


async def measure(url: str, block: int, pairs: int, users: int) -> tuple[float, float, float]:
    store = await SQLUserStore.open(url)
    try:
        people = identities(users)
        migrator = Migrator(store)
        for person in people:
            await migrator.migrate(person)
        for person in people:  # every one is now a returning user with nothing to write
            assert (await migrator.migrate(person)).action is MigrationAction.UNCHANGED

        users_t, links_t = schema.users, schema.links
        stmt = (
            sa.select(users_t.c.id, users_t.c.email, users_t.c.email_verified, users_t.c.attributes)
            .select_from(links_t.join(users_t, links_t.c.user_id == users_t.c.id))
            .where(links_t.c.issuer == sa.bindparam("issuer"), links_t.c.subject == sa.bindparam("subject"))
        )
        engine = store.engine

        async def baseline(i: int) -> None:
            person = people[i % users]
            async with engine.connect() as conn:
                row = (await conn.execute(stmt, {"issuer": person.issuer, "subject": person.subject})).first()
            assert row is not None

        async def idpbridge(i: int) -> None:
            await migrator.migrate(people[i % users])

        await rate(baseline, 200)  # warm both paths and the pool
        await rate(idpbridge, 200)
        base_rates, our_rates, ratios = [], [], []
        for pair in range(pairs):  # alternate short blocks (and their order) so load hits both alike
            if pair % 2:
                o = await rate(idpbridge, block)
                b = await rate(baseline, block)
            else:
                b = await rate(baseline, block)
                o = await rate(idpbridge, block)
            base_rates.append(b)
            our_rates.append(o)
            ratios.append(o / b)
        return statistics.median(base_rates), statistics.median(our_rates), statistics.median(ratios)
    finally:
        await store.aclose()


@contextlib.contextmanager
def postgres(url: str | None, enabled: bool) -> Iterator[str | None]:
    if not enabled:
        yield None
    elif url:
        yield url
    else:
        from tests.peers.postgres import running_postgres

        with (
            tempfile.TemporaryDirectory(prefix="bench-jit-logs-") as logs,
            running_postgres(Path(logs)) as server,
        ):
            yield server.create_database("bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--block", type=int, default=250, help="calls per timed block")
    parser.add_argument("--pairs", type=int, default=20, help="baseline/idpbridge block pairs")
    parser.add_argument("--users", type=int, default=500, help="pre-migrated identities cycled through")
    parser.add_argument("--pg", help="PostgreSQL URL to use instead of starting a throwaway server")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = parser.parse_args()

    results: dict[str, tuple[float, float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-jit-") as tmp:
        results["SQLite (file, WAL)"] = asyncio.run(
            measure(str(Path(tmp) / "users.db"), args.block, args.pairs, args.users)
        )
    with postgres(args.pg, not args.no_pg) as pg_url:
        if pg_url:
            results["PostgreSQL"] = asyncio.run(measure(pg_url, args.block, args.pairs, args.users))

    print(
        f"returning-user migrations: {args.pairs} pairs of {args.block}-call blocks, {args.users} identities"
    )
    for name, (base, ours, ratio) in results.items():
        print(f"{name:<20} raw SQLAlchemy read : {base:9.0f} /s (median block)")
        print(f"{name:<20} Migrator.migrate    : {ours:9.0f} /s (median block)")
        print(f"{name:<20} ratio               : {ratio:.2f}x  (median of paired blocks; target >= 0.8x)")


if __name__ == "__main__":
    main()
