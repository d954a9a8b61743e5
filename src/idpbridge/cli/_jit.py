"""``idpbridge jit …``: inspect the reference JIT user store."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from ..errors import IdpBridgeError
from ._common import cell, plain, print_rows
from ._help import Command, Group

jit_app = typer.Typer(
    name="jit",
    help="Just-in-time migration: inspect the reference user store.",
    no_args_is_help=True,
    cls=Group,
)


async def _stats(db: str, recent: int) -> Any:
    try:  # needs the [jit] or [postgres] extra; imported only when the command runs
        from ..jit.sqlstore import SQLUserStore, create_engine
    except ImportError as exc:
        raise typer.BadParameter(f'{exc.name} is missing: pip install "idpbridge[jit]"') from None
    async with SQLUserStore(create_engine(db), dispose_engine=True) as store:
        if await store.schema_version() is None:
            raise typer.BadParameter("no idpbridge JIT schema in this database", param_hint="--db")
        return await store.stats(recent=recent)


@jit_app.command(cls=Command)
def stats(
    db: str = typer.Option(
        ..., "--db", help="Database URL (postgresql://…, sqlite:///…) or an SQLite file path."
    ),
    recent: int = typer.Option(10, "--recent", min=0, max=1000, help="How many recent events to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Counts of migrations by connector and action, and the most recent events."""
    if "://" not in db and not Path(db).expanduser().is_file():
        raise typer.BadParameter(f"no such SQLite file: {db}", param_hint="--db")
    try:
        result = asyncio.run(_stats(db, recent))
    except IdpBridgeError as exc:
        typer.echo(f"error: {plain(exc)} ({exc.code})", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
        return
    console = Console()
    console.print(f"[bold]{result.users}[/] local users, [bold]{result.links}[/] linked identities")
    table = Table(title="migrations by connector")
    for column in ("connector", "action", "count"):
        table.add_column(column, justify="right" if column == "count" else "left")
    for connector, action, count in result.by_connector_action:
        table.add_row(cell(connector), cell(action), str(count))
    console.print(table)
    _print_events(console, result.recent, recent)


def _print_events(console: Console, events: Sequence[Any], recent: int) -> None:
    """The recent events; timestamps and ids are never cut (see :func:`print_rows`)."""
    rows = [
        (
            _at(e.at),
            cell(e.connector),
            cell(e.action),
            cell(e.code),
            cell(e.user_id),
            cell(", ".join(e.fields)),
        )
        for e in events
    ]
    columns = ("at (UTC)", "connector", "action", "code", "user", "fields")
    print_rows(console, f"recent events (newest first, up to {recent})", columns, rows, wrap={"fields"})


def _at(at: dt.datetime) -> str:
    """``2026-12-04 05:41:03`` in UTC (a naive time from the store is UTC already)."""
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC)
    return at.strftime("%Y-%m-%d %H:%M:%S")
