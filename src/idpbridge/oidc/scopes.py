"""Scope lists: ``openid`` first, joined once (the one copy every flow uses)."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["openid_first", "scope_string"]


def openid_first(scopes: Iterable[str]) -> tuple[str, ...]:
    """``scopes`` as a tuple, with ``openid`` prepended when missing (order otherwise kept)."""
    out = tuple(scopes)
    return out if "openid" in out else ("openid", *out)


def scope_string(scopes: Iterable[str], separator: str = " ") -> str:
    """The ``scope`` parameter: :func:`openid_first` joined by ``separator``."""
    return separator.join(openid_first(scopes))
