"""Strict JSON for IdP responses (behind :func:`idpbridge.http.parse_json_object`).

Only objects at the top level; ``NaN``/``Infinity``, integers over 20 digits and duplicate keys
are refused. Errors carry a short, sanitized excerpt of the body, never the body itself.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from json.scanner import make_scanner
from typing import Any

from .errors import MalformedResponse, sanitize

__all__ = ["EXCERPT_WINDOW", "dig", "loads_object", "parse_object"]

_MAX_INT_DIGITS = 20
#: Bytes of a body looked at for an error excerpt: redacted whole, then cut short, so a token that
#: straddles the cut is still recognised.
EXCERPT_WINDOW = 4096


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)  # C speed on the common path; a size difference reveals a duplicate
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key[:40]!r}")
            seen.add(key)
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def _bounded_int(text: str) -> int:
    if len(text) > _MAX_INT_DIGITS and len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise ValueError("integer too large")
    return int(text)


def _excerpt(body: bytes | str) -> str:
    text = body[:EXCERPT_WINDOW]
    return sanitize(text.decode("utf-8", "replace") if isinstance(text, bytes) else text, limit=200)


# Built once: constructing a decoder per call costs more than parsing a small document.
_STRICT_JSON = json.JSONDecoder(
    object_pairs_hook=_no_duplicates,
    parse_constant=_reject_constant,
    parse_float=_finite_float,
    parse_int=_bounded_int,
)


#: The C scanner that decode() wraps in Python (typeshed types make_scanner as a class).
_SCAN: Callable[[str, int], tuple[Any, int]] = make_scanner(_STRICT_JSON)  # type: ignore[arg-type]


def _from(url: str | None, redact: Callable[[str], str]) -> str:
    # Only on the error path: redacting parses the URL, which costs more than a small JSON body.
    return f" from {redact(url)}" if url else ""


def loads_object(data: bytes) -> dict[str, Any] | None:
    """The same strict parse as :func:`parse_object` for callers that make their own error (token
    segments): ``None`` for anything :func:`parse_object` refuses, no message built."""
    try:
        text = data.decode("utf-8")
        try:  # the C scanner alone: decode()'s white-space regexes cost more than a small segment
            value, end = _SCAN(text, 0)
        except StopIteration:
            end = -1
        if end != len(text):  # white space around the value, or not JSON: the full decoder says
            value = _STRICT_JSON.decode(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def parse_object(
    body: bytes | str, *, status: int | None, url: str | None, redact: Callable[[str], str]
) -> dict[str, Any]:
    """Strictly parse a JSON object; ``redact`` shows ``url`` in error messages.

    Raises :class:`~idpbridge.MalformedResponse` for invalid UTF-8 or JSON, a top level that is
    not an object, duplicate keys, ``NaN``/``Infinity``, or integers over 20 digits.
    """
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        value = _STRICT_JSON.decode(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedResponse(
            f"invalid JSON{_from(url, redact)}: {sanitize(exc, limit=80)}",
            status=status,
            excerpt=_excerpt(body),
        ) from None
    if not isinstance(value, dict):
        raise MalformedResponse(
            f"expected a JSON object{_from(url, redact)}, got {type(value).__name__}",
            status=status,
            excerpt=_excerpt(body),
        )
    return value


def dig(node: Any, *keys: str) -> Any:
    """``node[k1][k2]…`` in parsed JSON, or ``None`` as soon as a step is not a mapping."""
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node
