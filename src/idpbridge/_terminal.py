"""Make untrusted text (plugin names, titles, error messages) safe to print on a terminal."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["ESCAPES", "terminal_safe"]

# Whole escape sequences, so no payload ("[31m", "]8;;https://…") is left behind: CSI, OSC, DCS,
# SOS, PM and APC strings (7-bit ESC forms and their 8-bit C1 forms), then any other ESC pair.
ESCAPES = re.compile(
    r"""
      (?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?      # CSI … final byte
    | (?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])                  # OSC / DCS / SOS / PM / APC …
      [^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?                    # … up to BEL or ST (or the end)
    | \x1b[\x20-\x2f]*[\x30-\x7e]?                              # any other escape
    """,
    re.VERBOSE,
)
# Unicode categories never printed as-is: controls (C0, DEL, C1), format characters (bidi
# embeddings/overrides/isolates, zero-width characters), line/paragraph separators, surrogates.
_DROP = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_AS_SPACE = frozenset("\t\n\r\v\f\u2028\u2029\x85")


def terminal_safe(text: object, *, limit: int = 300) -> str:
    """``text`` as one printable line: escape sequences removed, controls and bidi overrides dropped
    (line breaks and tabs become spaces), cut to ``limit`` characters."""
    s = ESCAPES.sub("", str(text))
    s = "".join(
        " " if ch in _AS_SPACE else ch for ch in s if ch in _AS_SPACE or unicodedata.category(ch) not in _DROP
    )
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return s
