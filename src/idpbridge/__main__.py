"""``python -m idpbridge`` and the ``idpbridge`` console script."""

from __future__ import annotations

import sys

#: The one command line answered without loading the interactive CLI (typer, click, rich): the
#: machine-readable connector listing, which scripts and health checks call often.
_LISTING = ["connectors", "--json"]


def main() -> None:
    """Console-script entry point: ``idpbridge connectors --json`` directly, all else through
    :func:`idpbridge.cli.main`."""
    if sys.argv[1:] == _LISTING:
        import json

        from .registry import default_registry

        try:
            print(json.dumps([info.as_dict() for info in default_registry().list()], indent=2))
            return
        except KeyboardInterrupt:
            sys.exit(130)  # as the typer command exits on Ctrl-C
        except Exception:  # noqa: S110 - the full CLI runs the listing again and reports it
            pass
    from .cli import main as run

    run()


if __name__ == "__main__":
    main()
