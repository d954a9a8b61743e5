"""Request templates and JSON paths, the two small languages of a legacy connector's config.

* Placeholders: ``{username}``, ``{password}`` and ``{token}`` inside a *string value* of the
  body, the query or a header. They are replaced in one pass over the template (so a value that
  itself contains ``{password}`` is never expanded), and the encoder (JSON, form or URL encoding,
  done by the HTTP client) escapes the result: a quote, newline or brace in a value cannot change
  the structure of the request. The URL itself takes no placeholders.
* JSON paths: dotted names with array indices, ``user.profile.email``, ``groups[0]``,
  ``data.items[2].id``. A missing step yields :data:`MISSING`, never an exception.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

__all__ = ["MISSING", "PLACEHOLDERS", "JsonPath", "fill", "placeholders_in"]

#: The names a template may use.
PLACEHOLDERS: Final = frozenset({"username", "password", "token"})

_SLOT = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_STEP = re.compile(r"([^.\[\]]+)((?:\[\d{1,6}\])*)")
_INDEX = re.compile(r"\[(\d{1,6})\]")


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()


def placeholders_in(template: str) -> set[str]:
    """The placeholder names ``template`` uses (``ValueError`` for an unknown one)."""
    names = set(_SLOT.findall(template))
    unknown = names - PLACEHOLDERS
    if unknown:
        raise ValueError(
            f"unknown placeholder {{{sorted(unknown)[0]}}} (use {{username}}, {{password}} or {{token}})"
        )
    return names


def fill(template: str, values: Mapping[str, str]) -> str:
    """``template`` with each placeholder replaced once by its value (never re-expanded)."""
    return _SLOT.sub(lambda m: values.get(m.group(1), m.group(0)), template)


class JsonPath:
    """A parsed dotted path (``a.b[0].c``) into a JSON document."""

    __slots__ = ("steps", "text")

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not 0 < len(text) <= 200:
            raise ValueError("a JSON path is a non-empty string of at most 200 characters")
        steps: list[str | int] = []
        for part in text.split("."):
            match = _STEP.fullmatch(part)
            if match is None:
                raise ValueError(f"{text!r} is not a JSON path like 'user.emails[0].value'")
            steps.append(match.group(1))
            steps.extend(int(i) for i in _INDEX.findall(match.group(2)))
        self.text = text
        self.steps: tuple[str | int, ...] = tuple(steps)

    def get(self, document: Any) -> Any:
        """The value at this path in ``document``, or :data:`MISSING`."""
        node = document
        for step in self.steps:
            if isinstance(step, int):
                if not isinstance(node, list) or step >= len(node):
                    return MISSING
                node = node[step]
            else:
                if not isinstance(node, Mapping) or step not in node:
                    return MISSING
                node = node[step]
        return node

    def __repr__(self) -> str:
        return f"JsonPath({self.text!r})"

    def __str__(self) -> str:
        return self.text
