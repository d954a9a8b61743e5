"""``idpbridge saml metadata <connector>``: print the SP metadata an IdP administrator imports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app
from ._common import open_connector

saml_app = typer.Typer(help="SAML 2.0 helpers.", no_args_is_help=True)
app.add_typer(saml_app, name="saml")


@saml_app.command("metadata")
def metadata(
    connector: Annotated[str, typer.Argument(help="Name of a saml connector in the configuration file.")],
    config: Annotated[
        Path,
        typer.Option("--config", "-c", help="TOML file of named connectors.", exists=True, dir_okay=False),
    ],
) -> None:
    """Print the SP metadata XML of a configured ``saml`` connector."""
    from ..saml.config import SAMLConfig
    from ..saml.spmetadata import sp_metadata

    _, conn = open_connector(config, connector)
    if not isinstance(conn.config, SAMLConfig):
        typer.echo(f"error: connector {connector!r} is not a saml connector", err=True)
        raise typer.Exit(2)
    typer.echo(sp_metadata(conn.config), nl=False)
