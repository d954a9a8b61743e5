"""The ``idpbridge`` command line."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import app

__all__ = ["app", "main"]

#: The one command line answered without loading the interactive CLI (typer, click, rich): the
#: machine-readable connector listing, which scripts and health checks call often.
_LISTING = (["connectors", "--json"],)


def main() -> None:
    """Console-script entry point."""
    if sys.argv[1:] in _LISTING:
        import json

        from ..registry import default_registry

        try:
            print(json.dumps([info.as_dict() for info in default_registry().list()], indent=2))
            return
        except KeyboardInterrupt:
            sys.exit(130)  # as the typer command exits on Ctrl-C
        except Exception:  # noqa: S110 - the full CLI runs the listing again and reports it
            pass
    from ._app import main as run

    run()


def __getattr__(name: str) -> Any:
    if name == "app":  # the typer application, loaded on first use
        from ._app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
