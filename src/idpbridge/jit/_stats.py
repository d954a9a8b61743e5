"""``idpbridge jit stats``: totals and recent events of the reference SQL store."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from . import _schema as s
from .store import MigrationEvent

__all__ = ["StoreStats", "read_stats"]


@dataclasses.dataclass(frozen=True, slots=True)
class StoreStats:
    """Counts for ``idpbridge jit stats``: totals, events by (connector, action), recent events."""

    users: int
    links: int
    by_connector_action: tuple[tuple[str, str, int], ...]
    recent: tuple[MigrationEvent, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "users": self.users,
            "links": self.links,
            "by_connector_action": [
                {"connector": c, "action": a, "count": n} for c, a, n in self.by_connector_action
            ],
            "recent": [
                {**dataclasses.asdict(e), "at": e.at.isoformat(), "fields": list(e.fields)}
                for e in self.recent
            ],
        }


async def read_stats(engine: AsyncEngine, *, recent: int = 20) -> StoreStats:
    """Totals, event counts by connector and action, and the ``recent`` newest events."""
    async with engine.connect() as conn:
        n_users = (await conn.execute(sa.select(sa.func.count()).select_from(s.users))).scalar_one()
        n_links = (await conn.execute(sa.select(sa.func.count()).select_from(s.links))).scalar_one()
        count = sa.func.count().label("n")
        grouped = (
            sa.select(s.events.c.connector, s.events.c.action, count)
            .group_by(s.events.c.connector, s.events.c.action)
            .order_by(s.events.c.connector, s.events.c.action)
        )
        groups = tuple((c, a, int(n)) for c, a, n in (await conn.execute(grouped)).all())
        rq = sa.select(s.events).order_by(s.events.c.id.desc()).limit(max(0, recent))
        rows = (await conn.execute(rq)).mappings().all()
    events = tuple(
        MigrationEvent(
            at=_aware(r["at"]),
            connector=r["connector"],
            provider=r["provider"],
            issuer=r["issuer"],
            subject=r["subject"],
            action=r["action"],
            user_id=r["user_id"],
            code=r["code"],
            fields=tuple(f for f in r["fields"].split(",") if f),
        )
        for r in rows
    )
    return StoreStats(users=int(n_users), links=int(n_links), by_connector_action=groups, recent=events)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
