"""Guards around third-party plugin code: field validation and contained, time-bounded imports.

Everything a plugin supplies is untrusted: its descriptor's fields are checked for type and shape
(:func:`check_fields`), and its import runs in a daemon worker thread (:func:`contained`) so that
an exception of any kind, ``SystemExit`` and ``KeyboardInterrupt`` included, or an import that
does not finish in time, becomes a :class:`~idpbridge.PluginError` on that plugin alone.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from ._terminal import terminal_safe
from .errors import PluginError, sanitize
from .methods import Method

__all__ = [
    "DEFAULT_IMPORT_TIMEOUT",
    "TIMEOUT_ENV",
    "ImportTimeout",
    "Job",
    "check_api_version",
    "check_methods",
    "check_name",
    "contained",
    "import_timeout",
    "invalid",
    "labelled",
    "reason",
]

T = TypeVar("T")

#: Seconds one plugin's import may take while connectors are listed.
DEFAULT_IMPORT_TIMEOUT = 10.0
#: Environment variable overriding :data:`DEFAULT_IMPORT_TIMEOUT` (seconds, > 0).
TIMEOUT_ENV = "IDPBRIDGE_PLUGIN_IMPORT_TIMEOUT"

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_TARGET = re.compile(r"[A-Za-z_][\w.]{0,199}(?::[A-Za-z_][\w.]{0,99})?")
_MODULE = re.compile(r"[A-Za-z_][\w.]{0,99}")
_CODE = re.compile(r"plugin\.[a-z_]{1,30}")
_EXTRA = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_MAX_TITLE, _MAX_HINT, _MAX_DESCRIPTION, _MAX_REQUIRES = 100, 300, 2000, 32


def invalid(message: str) -> PluginError:
    """A ``plugin.invalid`` error (a descriptor field of the wrong type or shape)."""
    return PluginError(message, code="plugin.invalid")


def _show(value: object) -> str:
    return repr(terminal_safe(value, limit=40)) if isinstance(value, str) else type(value).__name__


def check_name(value: object, what: str = "name") -> str:
    """A connector name: 1-64 of letters, digits, ``_ . -``, starting with a letter or digit."""
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise invalid(f"{what} must be 1-64 letters, digits, '_', '.' or '-', got {_show(value)}")
    return value


def check_api_version(value: object) -> tuple[int, int]:
    """``(major, minor)``: exactly two non-negative ints."""
    if (
        not isinstance(value, tuple | list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 1000 for v in value)
    ):
        raise invalid(f"api_version must be a (major, minor) tuple of two ints, got {_show_seq(value)}")
    return (value[0], value[1])


def _show_seq(value: object) -> str:
    if isinstance(value, tuple | list) and len(value) <= 4:
        return terminal_safe(repr(tuple(value)), limit=40)
    return type(value).__name__


def check_methods(value: object) -> frozenset[Method]:
    """A collection of known :class:`~idpbridge.Method` values (members or their strings)."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise invalid(f"methods must be a collection of method names, got {_show(value)}")
    known = {m.value for m in Method}
    out = set()
    for item in value:
        if not isinstance(item, str) or item not in known:
            raise invalid(f"unknown method {_show(item)} (known: {', '.join(sorted(known))})")
        out.add(Method(item))
    return frozenset(out)


def _text(value: object, what: str, limit: int, *, optional: bool = False, empty: bool = True) -> None:
    if optional and value is None:
        return
    if not isinstance(value, str) or len(value) > limit or (not empty and not value):
        raise invalid(f"{what} must be a string of at most {limit} characters, got {_show(value)}")


def check_fields(plugin: Any) -> None:
    """Check and normalise every field of a :class:`~idpbridge.ConnectorPlugin` in place."""
    check_name(plugin.name)
    _text(plugin.title, "title", _MAX_TITLE, empty=False)
    _text(plugin.description, "description", _MAX_DESCRIPTION)
    _text(plugin.install_hint, "install_hint", _MAX_HINT, optional=True)
    if not isinstance(plugin.connector, str) or not _TARGET.fullmatch(plugin.connector):
        raise invalid(f"connector must be 'package.module:ClassName', got {_show(plugin.connector)}")
    if plugin.extra is not None and not (isinstance(plugin.extra, str) and _EXTRA.fullmatch(plugin.extra)):
        raise invalid(f"extra must be a pip extra name, got {_show(plugin.extra)}")
    requires = plugin.requires
    if isinstance(requires, str | bytes | Mapping) or not isinstance(requires, Iterable):
        raise invalid(f"requires must be a collection of module names, got {_show(requires)}")
    requires = tuple(requires)
    names_ok = all(isinstance(m, str) and _MODULE.fullmatch(m) for m in requires)
    if len(requires) > _MAX_REQUIRES or not names_ok:
        raise invalid("requires must hold importable module names")
    object.__setattr__(plugin, "requires", requires)
    object.__setattr__(plugin, "methods", check_methods(plugin.methods))
    object.__setattr__(plugin, "api_version", check_api_version(plugin.api_version))


def import_timeout() -> float:
    """The per-plugin import bound: ``$IDPBRIDGE_PLUGIN_IMPORT_TIMEOUT`` or the default."""
    raw = os.environ.get(TIMEOUT_ENV, "")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_IMPORT_TIMEOUT
    return value if 0 < value < float("inf") else DEFAULT_IMPORT_TIMEOUT


def reason(exc: BaseException) -> str:
    """``"ExcType: message"`` of a plugin's exception, sanitized and terminal-safe."""
    name = terminal_safe(type(exc).__name__, limit=60)
    text = sanitize(terminal_safe(exc, limit=400), limit=150)
    return f"{name}: {text}" if text else name


class ImportTimeout(PluginError):
    """Plugin code still running after the bound (code ``plugin.timeout``); it goes on running."""

    default_code = "plugin.timeout"


class Job(Generic[T]):
    """Plugin code ``call`` running in a daemon worker thread; wait for it with :meth:`result`.

    Any exception it raises, ``SystemExit`` and ``KeyboardInterrupt`` included, becomes a
    :class:`~idpbridge.PluginError` (``plugin.broken``). The waiting thread only waits on an
    event, so a real Ctrl-C (delivered to the main thread) still interrupts it.
    """

    def __init__(self, call: Callable[[], T], what: str) -> None:
        self.what = what
        self._done = threading.Event()
        self._box: dict[str, Any] = {}
        name = f"idpbridge-plugin-{terminal_safe(what, limit=40)}"
        threading.Thread(target=self._run, args=(call,), name=name, daemon=True).start()

    def _run(self, call: Callable[[], T]) -> None:
        try:
            self._box["value"] = call()
        except BaseException as exc:  # a plugin must not end or hang the host
            self._box["error"] = exc
        finally:
            self._done.set()

    def result(self, timeout: float | None) -> T:
        """The value; :class:`ImportTimeout` when still running after ``timeout`` seconds."""
        if not self._done.wait(timeout):
            raise ImportTimeout(
                f"{self.what} did not finish importing within {timeout:g} s (bound: ${TIMEOUT_ENV})"
            )
        if "error" in self._box:
            error = self._box["error"]
            if isinstance(error, PluginError):
                raise labelled(error, self.what) from error
            raise PluginError(
                f"{self.what} failed to import: {reason(error)}", code="plugin.broken"
            ) from error
        return self._box["value"]  # type: ignore[no-any-return]


def contained(call: Callable[[], T], *, timeout: float | None, what: str) -> T:
    """Run plugin code ``call`` in a daemon thread and wait up to ``timeout`` seconds (see :class:`Job`)."""
    return Job(call, what).result(timeout)


def labelled(error: PluginError, what: str) -> PluginError:
    """``error`` with ``what`` (``connector 'x' from dist``) in front, when it is a field error.

    Any other :class:`PluginError` is kept, with its code checked: a plugin raising one of its
    own cannot make up codes outside ``plugin.*``.
    """
    if error.code == "plugin.invalid":
        return PluginError(f"{what} is invalid: {error.message}", code="plugin.invalid")
    if not _CODE.fullmatch(error.code):
        return PluginError(f"{what} failed to import: {reason(error)}", code="plugin.broken")
    return error
