"""Helpers shared by the CLI commands: loading one connector, printing failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

import typer

from .._api import Connectors, load
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


def fail(exc: IdpBridgeError, *, status: int = 1) -> NoReturn:
    """Print an idpbridge error (already sanitized) to stderr and exit."""
    typer.echo(f"error: {type(exc).__name__} [{exc.code}]: {exc}", err=True)
    raise typer.Exit(status)
