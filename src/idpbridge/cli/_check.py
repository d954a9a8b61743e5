"""``idpbridge check``: test configured connections (discovery, keys, client credentials, clock)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from ..errors import IdpBridgeError
from ._app import app
from ._common import CONFIG_HELP, cell, fail, find_config, unknown_connector
from ._help import Command

if TYPE_CHECKING:
    from .._api import Connectors
    from ..connector import CheckReport


async def _run(connectors: Connectors, names: list[str], status: Console) -> list[CheckReport]:
    reports = []
    async with connectors:
        # A spinner on stderr while it waits for the IdPs (a terminal only: nothing in a pipe).
        with status.status("") as spinner:
            for i, name in enumerate(names, 1):
                spinner.update(f"checking {cell(name)} ({i}/{len(names)})…")
                reports.append(await connectors[name].check())
    return reports


def _table(report: CheckReport) -> Table:
    table = Table(title=f"idpbridge check {cell(report.connector)} ({cell(report.provider)})")
    table.add_column("probe", style="bold", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("detail", overflow="fold")
    table.add_column("ms", justify="right", no_wrap=True)
    for r in report.results:
        result = "[green]ok[/]" if r.ok else "[yellow]SKIP[/]" if r.skipped else "[red]FAIL[/]"
        table.add_row(cell(r.name), result, cell(r.detail), f"{r.duration_ms:.0f}")
    return table


@app.command(cls=Command)
def check(
    connector: Annotated[
        list[str] | None,
        typer.Argument(
            help="Connector names in the configuration file (default: every one).", show_default=False
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help=CONFIG_HELP, exists=True, dir_okay=False, readable=True),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON: the report, or an array of them for several.")
    ] = False,
) -> None:
    """Probe connectors' IdPs and print the reports; exit status 1 when a probe failed."""
    from .._api import load

    path = find_config(config)
    try:
        connectors = load(path)
    except IdpBridgeError as exc:
        fail(exc, status=2)
    names = list(dict.fromkeys(connector or sorted(connectors)))
    for name in names:
        if name not in connectors:
            unknown_connector(name, path, connectors)
    if not names:
        typer.echo(f"error: {path} configures no connectors", err=True)
        raise typer.Exit(2)
    reports = asyncio.run(_run(connectors, names, Console(stderr=True)))
    ok = all(r.ok for r in reports)
    if as_json:
        data = [r.as_dict() for r in reports]
        typer.echo(json.dumps(data[0] if connector and len(names) == 1 else data, indent=2))
    else:
        console = Console()
        for report in reports:
            console.print(_table(report))
        typer.echo("all probes passed" if ok else "some probes failed")
    raise typer.Exit(0 if ok else 1)
