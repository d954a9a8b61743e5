"""A terminal QR code (two modules per character cell, Unicode half blocks), drawn with segno.

Light modules are painted and dark ones left blank, as ``qrencode -t UTF8`` does, so the code
reads on the usual dark terminal background; a 4-module quiet zone surrounds it.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["QUIET_ZONE", "available", "qr_lines"]

QUIET_ZONE = 4
#: (upper module light, lower module light) -> character
_CELLS = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}


def available() -> bool:
    """Whether segno (the ``qr`` extra) is installed."""
    try:
        import segno  # noqa: F401
    except ImportError:
        return False
    return True


def matrix(text: str) -> list[list[bool]]:
    """The QR code of ``text`` (error correction M, never a Micro QR) as rows of dark modules."""
    import segno

    code = segno.make(text, error="m", micro=False, boost_error=False)
    return [[bool(v) for v in row] for row in code.matrix]


def qr_lines(text: str) -> list[str]:
    """The terminal lines of the QR code of ``text``, quiet zone included."""
    return render(matrix(text))


def render(dark: Sequence[Sequence[bool]]) -> list[str]:
    """Half-block lines for a module matrix (``True`` = dark), with the quiet zone."""
    size = len(dark) + 2 * QUIET_ZONE

    def light(y: int, x: int) -> bool:
        inside = QUIET_ZONE <= y < size - QUIET_ZONE and QUIET_ZONE <= x < size - QUIET_ZONE
        return not (inside and dark[y - QUIET_ZONE][x - QUIET_ZONE])

    return [
        "".join(_CELLS[light(y, x), y + 1 < size and light(y + 1, x)] for x in range(size))
        for y in range(0, size, 2)
    ]
