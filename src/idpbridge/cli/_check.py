"""``idpbridge check``: test a configured connection (discovery, keys, client credentials, clock)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ..connector import CheckReport
from ._app import app
from ._common import cell, open_connector


async def _run(config: Path, name: str) -> CheckReport:
    connectors, connector = open_connector(config, name)
    async with connectors:
        return await connector.check()


@app.command()
def check(
    connector: Annotated[str, typer.Argument(help="Connector name in the configuration file.")],
    config: Annotated[
        Path,
        typer.Option(
            "--config",
            "-c",
            help="TOML file of named connectors.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Probe a connector's IdP and print the report; exit status 1 when a probe failed."""
    report = asyncio.run(_run(config, connector))
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        table = Table(title=f"idpbridge check {cell(report.connector)} ({cell(report.provider)})")
        table.add_column("probe", style="bold")
        table.add_column("result")
        table.add_column("detail")
        table.add_column("ms", justify="right")
        for r in report.results:
            result = "[green]ok[/]" if r.ok else "[red]FAIL[/]"
            table.add_row(cell(r.name), result, cell(r.detail), f"{r.duration_ms:.0f}")
        Console().print(table)
        typer.echo("all probes passed" if report.ok else "some probes failed")
    raise typer.Exit(0 if report.ok else 1)
