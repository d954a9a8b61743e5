"""Redaction of credentials in the records of the libraries that carry idpbridge's requests.

httpx logs every request URL at INFO (Meta's ``debug_token?input_token=<user token>``, PingOne's
``/flows/<flow id>``); httpcore logs response headers (``Set-Cookie``) at DEBUG; botocore logs
request and response bodies (passwords, SECRET_HASH, Sessions, tokens) at DEBUG; urllib3 logs
request lines. :func:`install_log_redaction` attaches one :class:`logging.Filter` to each of those
loggers; it rewrites a record (message, arguments and formatted traceback) with
:func:`idpbridge._redact.redact` applied, and never drops a record.

A filter on a logger sees only records logged *on that logger*, not those of its children
(``httpcore.http11``, ``botocore.endpoint``), so the filter goes on every logger of those
libraries: the ones they name explicitly, one per module of each library found on disk (loggers
named ``__name__`` in modules not imported yet are created now, so the library's later
``getLogger`` returns the filtered logger), and any other existing logger under their names. The
scan runs again whenever idpbridge makes a client.
No global state of :mod:`logging` (record factory, logger class, handlers) is touched.

URLs that httpx passes as arguments are shown as :func:`idpbridge.http.redact_url` shows them, so
a URL that ``HttpClient.request(shown_as=...)`` hides is hidden in httpx's own line too.
"""

from __future__ import annotations

import contextvars
import importlib.util
import logging
import os
import threading
from typing import Any

from ._redact import redact

__all__ = ["SHOWN_AS", "RedactingFilter", "install_log_redaction"]

#: The URL text to show for the request in flight (``HttpClient.request(shown_as=...)``), if any.
SHOWN_AS: contextvars.ContextVar[str | None] = contextvars.ContextVar("idpbridge_shown_as", default=None)

#: Libraries whose loggers see idpbridge's requests (top-level logger names).
LIBRARIES = ("httpx", "httpcore", "h11", "h2", "hpack", "botocore", "boto3", "urllib3", "idpbridge")
#: Loggers whose names are not module names (httpcore names its loggers by protocol).
_NAMED = (
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)
#: Longest log text redacted whole; a longer record is cut (after redaction) to this many characters.
_LOG_LIMIT = 100_000


class RedactingFilter(logging.Filter):
    """Rewrites a record whose text holds something credential-shaped; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            if isinstance(record.args, tuple) and any(_is_httpx_url(a) for a in record.args):
                record.args = tuple(_redact_url(a) if _is_httpx_url(a) else a for a in record.args)
            text = record.getMessage()
        except Exception:  # a broken record is the logging system's to report, not ours
            return True
        clean = redact(text)
        if len(clean) > _LOG_LIMIT:
            clean = clean[: _LOG_LIMIT - 1] + "…"
        if clean != text:
            record.msg, record.args = clean, None
        if record.exc_info or record.exc_text:
            exc = record.exc_text or logging.Formatter().formatException(record.exc_info)  # type: ignore[arg-type]
            clean_exc = redact(exc)
            if clean_exc != exc:
                # Formatters print exc_text as it is; drop exc_info so none formats the original.
                record.exc_text, record.exc_info = clean_exc, None
        return True


def _redact_url(url: Any) -> str:
    """An httpx ``URL`` as :func:`idpbridge.http.redact_url` shows it (duck-typed: no httpx here)."""
    shown = SHOWN_AS.get()
    if shown is not None:
        return shown
    return str(url.copy_with(query=None, fragment=None, userinfo=b""))


def _is_httpx_url(value: object) -> bool:
    kind = type(value)
    return kind.__name__ == "URL" and kind.__module__.startswith("httpx")


_FILTER = RedactingFilter("idpbridge.redaction")
_lock = threading.Lock()
_prepared = False


def _module_names(package: str) -> list[str]:
    """Dotted names of the package's modules on disk, without importing any of them."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    names: list[str] = []
    for root in spec.submodule_search_locations:
        for path, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if os.path.exists(os.path.join(path, d, "__init__.py"))]
            rel = os.path.relpath(path, root)
            prefix = package if rel == "." else f"{package}.{rel.replace(os.sep, '.')}"
            names.append(prefix)
            names += [f"{prefix}.{f[:-3]}" for f in files if f.endswith(".py") and f != "__init__.py"]
    return names


def _ours(name: str) -> bool:
    return name.split(".", 1)[0] in LIBRARIES


def install_log_redaction() -> None:
    """Attach the redacting filter to every logger of :data:`LIBRARIES` (idempotent, cheap to repeat)."""
    global _prepared  # noqa: PLW0603 - a once-per-process preparation
    with _lock:
        if not _prepared:
            for name in (*LIBRARIES, *_NAMED):
                logging.getLogger(name)
            for package in LIBRARIES:
                for name in _module_names(package):
                    logging.getLogger(name)
            _prepared = True
        # A few hundred entries: cheap enough for every client idpbridge makes.
        for name, logger in list(logging.Logger.manager.loggerDict.items()):
            if isinstance(logger, logging.Logger) and _ours(name) and _FILTER not in logger.filters:
                logger.addFilter(_FILTER)
