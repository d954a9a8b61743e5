"""Help output that reads the same on every supported typer release.

typer 0.29 prints the value type of a flag (``--json  <bool>``), which is noise: a flag takes no
value. :class:`Command` (and :class:`HelpMixin` on the root group) give every flag an empty
metavar, which typer's help renderer shows as nothing on 0.26 to 0.29.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperCommand, TyperGroup

__all__ = ["Command", "Group", "HelpMixin"]


def _hide_flag_types(params: list[Any]) -> list[Any]:
    for param in params:
        if getattr(param, "is_flag", False) and getattr(param, "metavar", "") is None:
            param.metavar = ""
    return params


class HelpMixin:
    """Hide the value type of flags (``--json``, ``--help``) in help output."""

    def get_params(self, ctx: Any) -> list[Any]:
        """The command's parameters (and its help option), flags without a type label."""
        return _hide_flag_types(super().get_params(ctx))  # type: ignore[misc]


class Command(HelpMixin, TyperCommand):
    """The class of every ``idpbridge`` subcommand (pass ``cls=Command`` to ``app.command``)."""


class Group(HelpMixin, TyperGroup):
    """The class of every ``idpbridge`` command group below the root (``idpbridge jit``)."""
