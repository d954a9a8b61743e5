"""Helpers shared by the CLI commands: loading one connector, printing failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.markup import escape

from .._api import Connectors, load
from .._terminal import terminal_safe
from ..connector import Connector
from ..errors import IdpBridgeError


def open_connector(config: Path, name: str) -> tuple[Connectors, Connector[Any]]:
    """Load ``config`` and return ``(all connectors, the one named name)``; exit 2 on errors."""
    try:
        connectors = load(config)
    except IdpBridgeError as exc:
        fail(exc, status=2)
    if name not in connectors:
        known = ", ".join(sorted(connectors)) or "none"
        typer.echo(f"error: no connector named {name!r} in {config} (configured: {known})", err=True)
        raise typer.Exit(2)
    return connectors, connectors[name]


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
