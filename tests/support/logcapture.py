"""Capture every log record of every logger at DEBUG, and look for any trace of a secret in it.

:func:`capture_all_logs` puts the root logger at DEBUG with a capturing handler and enables every
existing logger (levels and ``disabled`` restored afterwards), so records of httpx, httpcore,
botocore, urllib3 and idpbridge all arrive, formatted as a log file would show them.
:func:`traces` lists the forms a secret takes on the wire and in reprs (raw, JSON with and
without ``ensure_ascii``, Python ``str``/``bytes`` reprs of those, form/percent encoding), and
:func:`find_leaks` reports any 6-character slice of any of them found in the text.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import quote, quote_plus

__all__ = ["PLANTED", "PLANTED_ASCII", "LogCapture", "capture_all_logs", "find_leaks", "traces"]

#: Secret characters that have broken redaction before: quotes, backslashes, non-ASCII, separators.
PLANTED = "\"q'\\ü«ключ»,;&=%"
#: The same without non-ASCII, for values that travel in HTTP headers.
PLANTED_ASCII = "\"q'\\,;&=%"

_SLICE = 6


class LogCapture(logging.Handler):
    """Formats every record the way a log file would, tracebacks and extras included."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.formatter = logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s")
        self.records: list[logging.LogRecord] = []
        self.texts: list[str] = []
        self.paused = False

    def emit(self, record: logging.LogRecord) -> None:
        if self.paused:
            return
        self.records.append(record)
        self.texts.append(self.format(record) + "\n" + repr(vars(record)))

    @property
    def names(self) -> set[str]:
        return {r.name for r in self.records}

    @contextmanager
    def pause(self) -> Iterator[None]:
        """Ignore records (while the test's own browser talks to the IdP)."""
        self.paused = True
        try:
            yield
        finally:
            self.paused = False


@contextmanager
def capture_all_logs() -> Iterator[LogCapture]:
    """The root logger at DEBUG with a :class:`LogCapture`; every logger enabled and propagating."""
    handler = LogCapture()
    root = logging.getLogger()
    loggers = [root] + [
        lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    saved = [(lg, lg.level, lg.disabled) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG if lg is root else logging.NOTSET)
        lg.disabled = False
        if not lg.propagate:
            lg.addHandler(handler)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        for lg, level, disabled in saved:
            lg.setLevel(level)
            lg.disabled = disabled
            lg.removeHandler(handler)


def traces(secret: str) -> set[str]:
    """The forms ``secret`` may take in a log line."""
    forms = {secret, quote_plus(secret), quote(secret, safe="")}
    for j in (json.dumps(secret), json.dumps(secret, ensure_ascii=False)):
        forms |= {j[1:-1], repr(j)[2:-2], repr(j.encode())[3:-2]}
    forms |= {repr(secret)[1:-1], repr(secret.encode())[2:-1]}
    return {f for f in forms if f}


def find_leaks(secrets: Iterable[str], texts: Iterable[str]) -> list[tuple[str, str, str]]:
    """``(secret, slice, text excerpt)`` for every 6-character slice of a secret's trace found."""
    probes: dict[str, str] = {}
    for secret in secrets:
        assert len(secret) >= _SLICE, f"too short to probe: {secret!r}"
        for form in traces(secret):
            for i in range(max(len(form) - _SLICE + 1, 0)):
                probes.setdefault(form[i : i + _SLICE], secret)
    leaks = []
    for text in texts:
        for probe, secret in probes.items():
            at = text.find(probe)
            if at >= 0:
                leaks.append((secret, probe, text[max(at - 80, 0) : at + 80]))
    return leaks
