"""Helpers shared by the CLI commands: finding the connectors file, loading one connector,
printing failures."""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

from .._terminal import terminal_safe
from ..errors import IdpBridgeError

if TYPE_CHECKING:  # loaded by the commands that use them, not by `idpbridge connectors`
    from .._api import Connectors
    from ..connector import Connector

CONFIG_ENV = "IDPBRIDGE_CONFIG"
DEFAULT_CONFIG = Path("idpbridge.toml")
CONFIG_HELP = f"TOML file of named connectors (default: ${CONFIG_ENV}, else ./{DEFAULT_CONFIG})."


def find_config(config: Path | None) -> Path:
    """The connectors file to use: ``-c``, else ``$IDPBRIDGE_CONFIG``, else ``./idpbridge.toml``.

    Exits 2 with one ``error:`` line when none of them names a readable file.
    """
    if config is not None:
        return config
    env = os.environ.get(CONFIG_ENV, "").strip()
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            typer.echo(f"error: ${CONFIG_ENV} names {plain(env)!r}, which is not a file", err=True)
            raise typer.Exit(2)
        return path
    if DEFAULT_CONFIG.is_file():
        return DEFAULT_CONFIG
    typer.echo(
        f"error: no connectors file: pass -c FILE, set ${CONFIG_ENV}, "
        f"or create {DEFAULT_CONFIG} in the current directory ({plain(Path.cwd())})",
        err=True,
    )
    raise typer.Exit(2)


def open_connector(config: Path | None, name: str) -> tuple[Connectors, Connector[Any]]:
    """Load ``config`` (or the file :func:`find_config` finds) and return ``(all connectors, the one
    named name)``; exit 2 on errors."""
    from .._api import load

    config = find_config(config)
    try:
        connectors = load(config)
    except IdpBridgeError as exc:
        fail(exc, status=2)
    if name not in connectors:
        unknown_connector(name, config, connectors)
    return connectors, connectors[name]


def unknown_connector(name: str, config: Path, connectors: Connectors) -> NoReturn:
    """Say that ``config`` has no connector ``name`` (listing those it has) and exit 2."""
    known = ", ".join(sorted(connectors)) or "none"
    typer.echo(f"error: no connector named {plain(name)!r} in {config} (configured: {known})", err=True)
    raise typer.Exit(2)


def cell(value: object, *, limit: int = 500) -> str:
    """Text from outside (an IdP, a plugin, a database) for a rich table cell or markup string:
    terminal-safe (no escape sequences, controls or bidi overrides) and never read as markup."""
    return escape(terminal_safe("" if value is None else value, limit=limit))


def plain(value: object, *, limit: int = 500) -> str:
    """Text from outside for a plain ``typer.echo`` line or a prompt: terminal-safe."""
    return terminal_safe("" if value is None else value, limit=limit)


def fail(exc: IdpBridgeError, *, status: int = 1) -> NoReturn:
    """Print an idpbridge error (already sanitized) to stderr and exit."""
    typer.echo(f"error: {type(exc).__name__} [{exc.code}]: {plain(exc)}", err=True)
    raise typer.Exit(status)


def print_rows(
    console: Console,
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    wrap: Collection[str] = (),
) -> None:
    """Print ``rows`` (rich markup, already made safe) as a table when it fits the console width,
    wrapping only the ``wrap`` columns (free text), else as one block per row (the first cell, then
    ``column  value`` lines). Values such as timestamps and ids are never cut. A pipe is 80 columns
    wide unless ``COLUMNS`` says otherwise."""
    t = Table(title=title)
    for column in columns:
        t.add_column(column, no_wrap=column not in wrap, overflow="fold")
    for row in rows:
        t.add_row(*row)
    needed = Measurement.get(console, console.options.update(max_width=100_000), t).minimum
    if needed <= console.width:
        console.print(t)
        return
    console.print(f"[bold]{escape(title)}[/]")
    pad = max(map(len, columns[1:]), default=0)
    for first, *rest in rows:
        console.print(first, soft_wrap=True)
        for column, value in zip(columns[1:], rest, strict=True):
            if value:
                console.print(f"    {column.ljust(pad)}  {value}", soft_wrap=column not in wrap)
