"""Typer application: ``idpbridge connectors`` and friends."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.markup import escape

from .._version import __version__
from ..registry import default_registry
from ._common import print_rows
from ._guard import GuardedGroup
from ._help import Command
from ._jit import jit_app

app = typer.Typer(
    name="idpbridge",
    help="Authenticate users against a legacy identity provider and migrate them.",
    no_args_is_help=True,
    add_completion=False,
    cls=GuardedGroup,
)
app.add_typer(jit_app, name="jit")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"idpbridge {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """idpbridge command line."""


@app.command(cls=Command)
def connectors(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array for scripts."),
) -> None:
    """List installed connectors, their methods and whether they are ready to use."""
    infos = default_registry().list()
    if as_json:
        typer.echo(json.dumps([i.as_dict() for i in infos], indent=2))
        return
    console = Console()
    if not infos:
        console.print('No connectors are installed. Try: pip install "idpbridge[all]"', markup=False)
        return
    rows = []
    for i in infos:
        # Everything but our own styling comes from plugins: escape it, never render it as markup.
        reason = escape(i.install_hint or i.error or "")
        rows.append(
            (
                f"[bold]{escape(i.name)}[/]",
                escape(i.title),
                ", ".join(m.value for m in i.methods),
                "[green]yes[/]" if i.available else f"[red]no[/] {reason}",
                escape(f"{i.distribution or '?'} {i.version or ''}".strip()),
            )
        )
    columns = ("name", "title", "methods", "available", "from")
    print_rows(console, "idpbridge connectors", columns, rows, wrap={"title", "methods", "available"})


from . import _check, _demo, _login, _new_connector, _saml, _sandbox  # noqa: E402, F401 - command modules register themselves on `app`


def main() -> None:
    """Console-script entry point."""
    app(prog_name="idpbridge")


if __name__ == "__main__":  # pragma: no cover
    main()
