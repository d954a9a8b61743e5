"""Connector discovery through the ``idpbridge.connectors`` entry-point group.

Each entry point names either a :class:`ConnectorPlugin` descriptor (preferred: it is cheap to
import, so listing connectors loads none of their dependencies) or a
:class:`~idpbridge.Connector` subclass. The built-in connectors register exactly like third-party
plugins do.

Rules:

* A plugin whose ``requires`` modules are missing is listed as unavailable with the exact
  ``pip install`` line; loading it raises :class:`~idpbridge.PluginError` with that hint.
* A plugin declares the plugin API version it was built for; a different major version or a newer
  minor version than this SDK speaks is refused.
* A plugin that fails to import is listed as broken; the others are unaffected. Its import runs
  in a daemon worker thread: any exception (``SystemExit`` and ``KeyboardInterrupt`` raised by the
  plugin included) is ``plugin.broken``, and an import still running after
  ``$IDPBRIDGE_PLUGIN_IMPORT_TIMEOUT`` seconds (default 10) is ``plugin.timeout`` while listing
  (:meth:`Registry.get` waits for the same import without a bound). A real Ctrl-C reaches the
  main thread, which is only waiting, and stops the program as usual.
* Every descriptor field is checked (``plugin.invalid``): ``api_version`` two ints, ``methods``
  known :class:`~idpbridge.Method` values, names and titles strings of sane length.
* Everything a plugin supplies (names, titles, versions, error text) is made terminal-safe in
  :class:`ConnectorInfo`: escape sequences, control characters and bidi overrides are removed.
* Name conflicts: a connector shipped with idpbridge itself wins over a third-party one of the
  same name (a warning names both distributions). Two third-party distributions claiming one
  name are a conflict: neither loads until one is uninstalled.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata as md
import importlib.util
import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ._plugin_load import Entry, accept, describe_object, dist_of, install_hint, label, load_checked
from ._plugins import (
    ImportTimeout,
    Job,
    check_api_version,
    check_fields,
    check_name,
    contained,
    import_timeout,
    labelled,
)
from ._terminal import terminal_safe
from ._version import PLUGIN_API_VERSION
from .errors import PluginError
from .methods import Method

if TYPE_CHECKING:
    from .connector import Connector
    from .sheet import ProviderSheet

__all__ = [
    "ENTRY_POINT_GROUP",
    "ConnectorInfo",
    "ConnectorPlugin",
    "Registry",
    "default_registry",
]

ENTRY_POINT_GROUP = "idpbridge.connectors"
log = logging.getLogger("idpbridge")


@dataclasses.dataclass(frozen=True, slots=True)
class ConnectorPlugin:
    """A lightweight description of a connector, registered as an entry point.

    Args:
        name: registry name (``"okta"``); must equal the entry point's name.
        title: human title (``"Okta"``).
        methods: methods the connector supports.
        connector: ``"package.module:ClassName"`` of the :class:`~idpbridge.Connector`.
        api_version: the plugin API version it was written against.
        requires: top-level modules that must be importable (checked without importing).
        extra: the pip extra that installs ``requires`` (``"cognito"``).
        install_hint: overrides the generated ``pip install`` line.
    """

    name: str
    title: str
    methods: frozenset[Method]
    connector: str
    api_version: tuple[int, int] = PLUGIN_API_VERSION
    requires: tuple[str, ...] = ()
    extra: str | None = None
    install_hint: str | None = None
    description: str = ""
    #: The :class:`~idpbridge.kit.ProviderSheet` it was built from (:meth:`ProviderSheet.plugin`).
    sheet: ProviderSheet | None = dataclasses.field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Check every field; a wrong type or shape raises ``PluginError(code="plugin.invalid")``."""
        check_fields(self)

    def missing(self) -> list[str]:
        """Required modules that cannot be found (nothing is imported to find out)."""
        out = []
        for mod in self.requires:
            try:
                if importlib.util.find_spec(mod) is None:
                    out.append(mod)
            except (ImportError, ValueError):
                out.append(mod)
        return out

    def load(self) -> type[Connector[Any]]:
        """Import and return the connector class."""
        from .connector import Connector

        module_name, _, attr = self.connector.partition(":")
        module = importlib.import_module(module_name)
        obj: Any = module
        for part in attr.split(".") if attr else ():
            obj = getattr(obj, part)
        if not (isinstance(obj, type) and issubclass(obj, Connector)):
            raise TypeError(f"{self.connector} is not a Connector subclass")
        return obj


@dataclasses.dataclass(frozen=True, slots=True)
class ConnectorInfo:
    """A connector as listed by the registry (JSON-ready through :meth:`as_dict`).

    Every text field is terminal-safe (no escape sequences, control or bidi characters). ``code``
    is the :class:`~idpbridge.PluginError` code when the connector is not available.
    """

    name: str
    title: str
    methods: tuple[Method, ...]
    available: bool
    distribution: str | None
    version: str | None
    install_hint: str | None = None
    api_version: tuple[int, int] | None = None
    error: str | None = None
    builtin: bool = False
    code: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The listing as plain JSON types."""
        return {
            "name": self.name,
            "title": self.title,
            "methods": [m.value for m in self.methods],
            "available": self.available,
            "distribution": self.distribution,
            "version": self.version,
            "install_hint": self.install_hint,
            "api_version": ".".join(map(str, self.api_version)) if self.api_version else None,
            "builtin": self.builtin,
            "error": self.error,
            "code": self.code,
        }


def api_compatible(version: tuple[int, int]) -> bool:
    """Whether a plugin built for ``version`` can run on this SDK (``False`` for a malformed one)."""
    try:
        major, minor = check_api_version(version)
    except PluginError:
        return False
    return major == PLUGIN_API_VERSION[0] and minor <= PLUGIN_API_VERSION[1]


class Registry:
    """Discovers connectors lazily; thread-safe. ``entry_points`` is injectable for tests.

    ``import_timeout`` bounds each plugin's import while listing (seconds; default
    ``$IDPBRIDGE_PLUGIN_IMPORT_TIMEOUT`` or 10).
    """

    def __init__(
        self,
        entry_points: Callable[[], Iterable[md.EntryPoint]] | None = None,
        *,
        import_timeout: float | None = None,
    ) -> None:
        self._source = entry_points or (lambda: md.entry_points(group=ENTRY_POINT_GROUP))
        self._timeout = import_timeout
        self._entries: dict[str, Entry] | None = None
        self._conflicts: dict[str, list[Entry]] = {}
        self._lock = threading.RLock()

    def refresh(self) -> None:
        """Forget what was discovered (e.g. after installing a plugin at run time)."""
        with self._lock:
            self._entries = None
            self._conflicts = {}

    def _discover(self) -> dict[str, Entry]:
        with self._lock:
            if self._entries is not None:
                return self._entries
            by_name: dict[str, list[Entry]] = {}
            for ep in self._source():
                entry = Entry(ep.name, ep, *dist_of(ep))
                by_name.setdefault(ep.name, []).append(entry)
            entries: dict[str, Entry] = {}
            for name, candidates in by_name.items():
                dists = {c.distribution for c in candidates}
                if len(candidates) == 1 or len(dists) == 1:
                    entries[name] = candidates[0]
                    continue
                builtin = [c for c in candidates if c.builtin]
                others = sorted(terminal_safe(c.distribution, limit=100) for c in candidates if not c.builtin)
                if builtin:
                    log.warning(
                        "idpbridge: connector %r is provided by idpbridge and by %s; "
                        "the built-in one is used",
                        terminal_safe(name, limit=64),
                        ", ".join(others),
                    )
                    entries[name] = builtin[0]
                else:
                    names = ", ".join(sorted(terminal_safe(c.distribution, limit=100) for c in candidates))
                    first = candidates[0]
                    first.error = PluginError(
                        f"connector {terminal_safe(name, limit=64)!r} is provided by several "
                        f"distributions ({names}); uninstall all but one",
                        code="plugin.conflict",
                    )
                    entries[name] = first
                    self._conflicts[name] = candidates
            self._entries = entries
            return entries

    def _import_timeout(self) -> float:
        return self._timeout if self._timeout is not None else import_timeout()

    def _describe(self, entry: Entry, timeout: float | None) -> ConnectorPlugin | None:
        """Load the entry point object (a descriptor or a class); record errors on ``entry``.

        Waits for the import up to ``timeout`` seconds, without holding the entry's lock. Past it,
        :class:`ImportTimeout` is raised and the import goes on: a later call waits for the same
        import again (``get()`` without a bound), so a slow import is never cut short for good.
        """
        with entry.hold():
            if entry.plugin is not None or entry.error is not None:
                return entry.plugin
            shown = label(entry)
            job = entry.describing
            if job is None:
                try:
                    check_name(entry.name, "its entry point name")
                except PluginError as exc:
                    self._fail(entry, labelled(exc, f"connector {shown}"))
                    return None
                load = entry.run(lambda: describe_object(entry, entry.ep.load()))
                job = entry.describing = Job(load, f"connector {shown}")
        failure: PluginError | None = None
        try:
            plugin, cls = job.result(timeout)
        except ImportTimeout as exc:
            log.warning("idpbridge: %s", exc.message)
            raise
        except PluginError as exc:
            failure = exc
        with entry.hold():
            if entry.describing is job:  # the first waiter to get here records the outcome
                entry.describing = None
                if failure is not None:
                    self._fail(entry, failure)
                else:
                    accept(entry, plugin, cls)
            return entry.plugin

    @staticmethod
    def _fail(entry: Entry, error: PluginError) -> None:
        entry.error = error
        log.warning("idpbridge: %s", error.message)

    def _missing(self, entry: Entry, plugin: ConnectorPlugin, timeout: float | None) -> list[str]:
        """``plugin.missing()``; contained when a name is dotted (finding it imports its parents)."""
        if not any("." in module for module in plugin.requires):
            return plugin.missing()
        try:
            what = f"connector {label(entry)}"
            return contained(entry.run(plugin.missing), timeout=timeout, what=what)
        except ImportTimeout:
            raise
        except PluginError as exc:
            with entry.hold():
                entry.error = exc
            return []

    def names(self) -> list[str]:
        """Names of every registered connector, sorted (nothing is imported)."""
        return sorted(self._discover())

    def list(self) -> list[ConnectorInfo]:
        """Every registered connector with its availability; never raises for a bad plugin."""
        return [self.info(name) for name in self.names()]

    def info(self, name: str) -> ConnectorInfo:
        """Describe one connector. Raises :class:`PluginError` if no such connector exists.

        Each plugin import is bounded by ``import_timeout`` here: one still running after it is
        listed as ``plugin.timeout`` (and is still waited for by a later :meth:`get`).
        """
        entry = self._entry(name)
        shown = terminal_safe(name, limit=64)
        common: dict[str, Any] = {
            "name": shown,
            "distribution": terminal_safe(entry.distribution, limit=100) if entry.distribution else None,
            "version": terminal_safe(entry.version, limit=40) if entry.version else None,
            "builtin": entry.builtin,
        }
        timeout = self._import_timeout()
        pending: ImportTimeout | None = None
        try:
            plugin = self._describe(entry, timeout)
            missing = self._missing(entry, plugin, timeout) if plugin is not None else []
        except ImportTimeout as exc:
            plugin, missing, pending = None, [], exc
        if plugin is None:
            failure = pending or entry.error or PluginError("unusable plugin", code="plugin.broken")
            return ConnectorInfo(
                title=shown, methods=(), available=False, error=failure.message, code=failure.code, **common
            )
        hint = install_hint(entry, plugin) if missing else None
        code = entry.error.code if entry.error else ("plugin.unavailable" if missing else None)
        error = (
            entry.error.message if entry.error else (f"missing: {', '.join(missing)}" if missing else None)
        )
        return ConnectorInfo(
            title=terminal_safe(plugin.title, limit=100),
            methods=tuple(sorted(plugin.methods, key=list(Method).index)),
            available=error is None,
            install_hint=hint,
            api_version=plugin.api_version,
            error=error,
            code=code,
            **common,
        )

    def get(self, name: str) -> type[Connector[Any]]:
        """The connector class for ``name``, imported on first use.

        Raises :class:`PluginError` (``plugin.unknown``, ``plugin.unavailable``,
        ``plugin.incompatible``, ``plugin.invalid``, ``plugin.broken`` or ``plugin.conflict``).
        Plugin code is imported in a worker thread and waited for without a time bound (a real
        Ctrl-C still interrupts the wait).
        """
        entry = self._entry(name)
        plugin = self._describe(entry, None)
        if entry.error is not None or plugin is None:
            raise entry.error or PluginError(f"connector {name!r} is unusable", code="plugin.broken")
        missing = self._missing(entry, plugin, None)
        with entry.hold():
            if entry.error is not None:
                raise entry.error
            if missing:
                hint = install_hint(entry, plugin)
                raise PluginError(
                    f"connector {terminal_safe(name)!r} needs {', '.join(missing)}, which is not "
                    f"installed: run {hint}",
                    code="plugin.unavailable",
                    install_hint=hint,
                )
            if entry.cls is not None:
                return entry.cls
            job = entry.loading
            if job is None:
                job = entry.loading = Job(
                    entry.run(lambda: load_checked(entry, plugin)), f"connector {label(entry)}"
                )
        failure: PluginError | None = None
        try:
            cls = job.result(None)
        except PluginError as exc:
            failure = exc
        with entry.hold():
            if entry.loading is job:
                entry.loading = None
                if failure is not None:
                    entry.error = failure
                else:
                    entry.cls = cls
            if entry.error is not None:
                raise entry.error
            if entry.cls is None:  # pragma: no cover - set above, by this waiter or the first one
                raise PluginError(f"connector {name!r} is unusable", code="plugin.broken")
            return entry.cls

    def _entry(self, name: str) -> Entry:
        entries = self._discover()
        if name not in entries:
            known = ", ".join(sorted(terminal_safe(n, limit=64) for n in entries)) or "none installed"
            shown = terminal_safe(name, limit=64) if isinstance(name, str) else type(name).__name__
            raise PluginError(f"unknown connector {shown!r} (known: {known})", code="plugin.unknown")
        return entries[name]


_default: Registry | None = None
_default_lock = threading.Lock()


def default_registry() -> Registry:
    """The process-wide registry reading installed entry points."""
    global _default  # noqa: PLW0603 - a lazily created process-wide singleton
    with _default_lock:
        if _default is None:
            _default = Registry()
        return _default
