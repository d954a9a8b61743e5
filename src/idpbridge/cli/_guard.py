"""One line on stderr and a non-zero exit for every failure of an ``idpbridge`` command.

The root command group runs click in non-standalone mode and turns what comes out into a single
``error: …`` line: usage errors (exit 2, or click's own code), :class:`~idpbridge.IdpBridgeError`
(exit 2 for configuration and plugin errors, else 1), ``OSError`` (exit 1), and any other
exception (exit 1, with a hint to rerun with ``IDPBRIDGE_DEBUG=1``, which re-raises it so Python
prints the traceback). Ctrl-C exits 130. Every printed value is made terminal-safe.

It also holds the option validators the commands share (ports, paths, durations).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from .._terminal import terminal_safe
from ..errors import ConfigurationError, IdpBridgeError, PluginError, sanitize
from ._help import HelpMixin

__all__ = ["DEBUG_ENV", "GuardedGroup", "callback_path", "error_line", "positive_seconds"]

DEBUG_ENV = "IDPBRIDGE_DEBUG"
_LIMIT = 500


def _click_exception() -> type[Exception]:
    """click's ``ClickException`` (typer >= 0.2x ships its own copy of click: found by name)."""
    for cls in typer.BadParameter.__mro__:
        if cls.__name__ == "ClickException":
            return cls
    return typer.BadParameter  # pragma: no cover - every click has ClickException


_CLICK_EXCEPTION = _click_exception()


def error_line(exc: BaseException) -> tuple[str, int]:
    """The one line to print for ``exc`` and the exit status to use."""
    if isinstance(exc, IdpBridgeError):
        status = 2 if isinstance(exc, ConfigurationError | PluginError) else 1
        return f"error: {type(exc).__name__} [{exc.code}]: {terminal_safe(exc, limit=_LIMIT)}", status
    if isinstance(exc, OSError):
        what = exc.strerror or sanitize(exc, limit=200) or type(exc).__name__
        where = f": {exc.filename}" if exc.filename is not None else ""
        return terminal_safe(f"error: {what}{where}", limit=_LIMIT), 1
    text = sanitize(terminal_safe(exc, limit=400), limit=200)
    message = f"error: unexpected {type(exc).__name__}" + (f": {text}" if text else "")
    return f"{message} (rerun with {DEBUG_ENV}=1 for a traceback)", 1


class GuardedGroup(HelpMixin, TyperGroup):
    """The root group: every failure below it ends as one ``error: …`` line (see the module doc)."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line; exit with the command's status (see the module doc)."""
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            status = rv if isinstance(rv, int) else 0
        except typer.Abort:
            typer.echo("error: aborted", err=True)
            status = 1
        except _CLICK_EXCEPTION as exc:
            usage: Any = exc
            if type(exc).__name__ == "NoArgsIsHelpError":  # bare ``idpbridge``: the help, as before
                usage.show()
            else:
                typer.echo(f"error: {terminal_safe(usage.format_message(), limit=_LIMIT)}", err=True)
            status = usage.exit_code
        except Exception as exc:
            if os.environ.get(DEBUG_ENV):
                raise
            line, status = error_line(exc)
            typer.echo(line, err=True)
        if standalone_mode:
            sys.exit(status)
        return status


def positive_seconds(value: float | None) -> float | None:
    """Option callback: a finite number of seconds greater than zero (or unset)."""
    if value is not None and not (math.isfinite(value) and value > 0):
        raise typer.BadParameter(f"must be a positive number of seconds, got {value}")
    return value


def callback_path(value: str) -> str:
    """Option callback: the path of a loopback redirect URI (``/callback``)."""
    if not (
        value.startswith("/")
        and len(value) <= 200
        and value.isascii()
        and value.isprintable()
        and not any(c in value for c in " ?#")
    ):
        raise typer.BadParameter(
            f"must be a URL path starting with '/', without spaces, '?' or '#', got {terminal_safe(value)!r}"
        )
    return value
