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
* A plugin that fails to import is listed as broken; the others are unaffected.
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

from ._version import PLUGIN_API_VERSION
from .errors import PluginError, sanitize
from .methods import Method

if TYPE_CHECKING:
    from .connector import Connector

__all__ = [
    "ENTRY_POINT_GROUP",
    "ConnectorInfo",
    "ConnectorPlugin",
    "Registry",
    "default_registry",
]

ENTRY_POINT_GROUP = "idpbridge.connectors"
_BUILTIN_DIST = "idpbridge"
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "methods", frozenset(Method(m) for m in self.methods))
        object.__setattr__(self, "api_version", tuple(self.api_version))
        object.__setattr__(self, "requires", tuple(self.requires))

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
    """A connector as listed by the registry (JSON-ready through :meth:`as_dict`)."""

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
        }


def api_compatible(version: tuple[int, int]) -> bool:
    """Whether a plugin built for ``version`` can run on this SDK."""
    return version[0] == PLUGIN_API_VERSION[0] and version[1] <= PLUGIN_API_VERSION[1]


@dataclasses.dataclass(slots=True)
class _Entry:
    name: str
    ep: md.EntryPoint
    distribution: str | None
    version: str | None
    plugin: ConnectorPlugin | None = None
    cls: type[Connector[Any]] | None = None
    error: PluginError | None = None

    @property
    def builtin(self) -> bool:
        return self.distribution == _BUILTIN_DIST


def _hint(entry: _Entry, plugin: ConnectorPlugin) -> str:
    if plugin.install_hint:
        return plugin.install_hint
    dist = entry.distribution or plugin.name
    return f'pip install "{dist}[{plugin.extra}]"' if plugin.extra else f'pip install "{dist}"'


class Registry:
    """Discovers connectors lazily; thread-safe. ``entry_points`` is injectable for tests."""

    def __init__(self, entry_points: Callable[[], Iterable[md.EntryPoint]] | None = None) -> None:
        self._source = entry_points or (lambda: md.entry_points(group=ENTRY_POINT_GROUP))
        self._entries: dict[str, _Entry] | None = None
        self._conflicts: dict[str, list[_Entry]] = {}
        self._lock = threading.RLock()

    def refresh(self) -> None:
        """Forget what was discovered (e.g. after installing a plugin at run time)."""
        with self._lock:
            self._entries = None
            self._conflicts = {}

    def _discover(self) -> dict[str, _Entry]:
        with self._lock:
            if self._entries is not None:
                return self._entries
            by_name: dict[str, list[_Entry]] = {}
            for ep in self._source():
                dist = getattr(ep, "dist", None)
                entry = _Entry(ep.name, ep, dist.name if dist else None, dist.version if dist else None)
                by_name.setdefault(ep.name, []).append(entry)
            entries: dict[str, _Entry] = {}
            for name, candidates in by_name.items():
                dists = {c.distribution for c in candidates}
                if len(candidates) == 1 or len(dists) == 1:
                    entries[name] = candidates[0]
                    continue
                builtin = [c for c in candidates if c.builtin]
                others = sorted(str(c.distribution) for c in candidates if not c.builtin)
                if builtin:
                    log.warning(
                        "idpbridge: connector %r is provided by idpbridge and by %s; "
                        "the built-in one is used",
                        name,
                        ", ".join(others),
                    )
                    entries[name] = builtin[0]
                else:
                    names = ", ".join(sorted(str(c.distribution) for c in candidates))
                    first = candidates[0]
                    first.error = PluginError(
                        f"connector {name!r} is provided by several distributions ({names}); "
                        "uninstall all but one",
                        code="plugin.conflict",
                    )
                    entries[name] = first
                    self._conflicts[name] = candidates
            self._entries = entries
            return entries

    def _describe(self, entry: _Entry) -> ConnectorPlugin | None:
        """Load the entry point object (a descriptor or a class); record errors on ``entry``."""
        if entry.plugin is not None or entry.error is not None:
            return entry.plugin
        from .connector import Connector

        try:
            obj = entry.ep.load()
        except Exception as exc:  # a broken plugin must not break listing
            entry.error = PluginError(
                f"connector {entry.name!r} from {entry.distribution} failed to import: "
                f"{type(exc).__name__}: {sanitize(exc, limit=150)}",
                code="plugin.broken",
            )
            log.warning("idpbridge: %s", entry.error.message)
            return None
        if isinstance(obj, ConnectorPlugin):
            plugin = obj
        elif isinstance(obj, type) and issubclass(obj, Connector):
            entry.cls = obj
            plugin = ConnectorPlugin(
                name=getattr(obj, "name", entry.name),
                title=getattr(obj, "title", entry.name),
                methods=frozenset(getattr(obj, "methods", ())),
                connector=f"{obj.__module__}:{obj.__qualname__}",
                api_version=tuple(getattr(obj, "api_version", (0, 0))),
            )
        else:
            entry.error = PluginError(
                f"entry point {entry.name!r} from {entry.distribution} is neither a ConnectorPlugin "
                "nor a Connector subclass",
                code="plugin.broken",
            )
            return None
        if plugin.name != entry.name:
            entry.error = PluginError(
                f"entry point {entry.name!r} from {entry.distribution} describes a connector named "
                f"{plugin.name!r}",
                code="plugin.broken",
            )
            return None
        if not api_compatible(plugin.api_version):
            want = ".".join(map(str, plugin.api_version))
            have = ".".join(map(str, PLUGIN_API_VERSION))
            entry.error = PluginError(
                f"connector {entry.name!r} from {entry.distribution} was built for plugin API {want}; "
                f"this idpbridge speaks {have}. Upgrade the plugin or idpbridge.",
                code="plugin.incompatible",
            )
        entry.plugin = plugin
        return plugin

    def names(self) -> list[str]:
        """Names of every registered connector, sorted (nothing is imported)."""
        return sorted(self._discover())

    def list(self) -> list[ConnectorInfo]:
        """Every registered connector with its availability; never raises for a bad plugin."""
        return [self.info(name) for name in self.names()]

    def info(self, name: str) -> ConnectorInfo:
        """Describe one connector. Raises :class:`PluginError` if no such connector exists."""
        entry = self._entry(name)
        with self._lock:
            plugin = self._describe(entry)
        if plugin is None:
            return ConnectorInfo(
                name=name,
                title=name,
                methods=(),
                available=False,
                distribution=entry.distribution,
                version=entry.version,
                error=entry.error.message if entry.error else "unusable plugin",
                builtin=entry.builtin,
            )
        missing = plugin.missing()
        hint = _hint(entry, plugin) if missing else None
        error = (
            entry.error.message if entry.error else (f"missing: {', '.join(missing)}" if missing else None)
        )
        return ConnectorInfo(
            name=name,
            title=plugin.title,
            methods=tuple(sorted(plugin.methods, key=list(Method).index)),
            available=error is None,
            distribution=entry.distribution,
            version=entry.version,
            install_hint=hint,
            api_version=plugin.api_version,
            error=error,
            builtin=entry.builtin,
        )

    def get(self, name: str) -> type[Connector[Any]]:
        """The connector class for ``name``, imported on first use.

        Raises :class:`PluginError` (``plugin.unknown``, ``plugin.unavailable``,
        ``plugin.incompatible``, ``plugin.broken`` or ``plugin.conflict``).
        """
        entry = self._entry(name)
        with self._lock:
            plugin = self._describe(entry)
            if entry.error is not None or plugin is None:
                raise entry.error or PluginError(f"connector {name!r} is unusable", code="plugin.broken")
            missing = plugin.missing()
            if missing:
                hint = _hint(entry, plugin)
                raise PluginError(
                    f"connector {name!r} needs {', '.join(missing)}, which is not installed: run {hint}",
                    code="plugin.unavailable",
                    install_hint=hint,
                )
            if entry.cls is None:
                try:
                    entry.cls = plugin.load()
                except Exception as exc:
                    entry.error = PluginError(
                        f"connector {name!r} from {entry.distribution} failed to load: "
                        f"{type(exc).__name__}: {sanitize(exc, limit=150)}",
                        code="plugin.broken",
                    )
                    raise entry.error from exc
                cls_version = tuple(getattr(entry.cls, "api_version", plugin.api_version))
                if not api_compatible(cls_version):
                    entry.error = PluginError(
                        f"connector {name!r} was built for plugin API {'.'.join(map(str, cls_version))}",
                        code="plugin.incompatible",
                    )
                    entry.cls = None
                    raise entry.error
                if getattr(entry.cls, "name", None) != name:
                    entry.error = PluginError(
                        f"connector {name!r} from {entry.distribution} loads a class named "
                        f"{getattr(entry.cls, 'name', None)!r}",
                        code="plugin.broken",
                    )
                    entry.cls = None
                    raise entry.error
                implemented = frozenset(getattr(entry.cls, "methods", ()))
                if implemented != plugin.methods:
                    # The listing (descriptor) must not promise what the connector does not do.
                    listed = ", ".join(sorted(m.value for m in plugin.methods)) or "none"
                    does = ", ".join(sorted(Method(m).value for m in implemented)) or "none"
                    entry.error = PluginError(
                        f"connector {name!r} from {entry.distribution} lists methods {listed} but its "
                        f"class implements {does}",
                        code="plugin.broken",
                    )
                    entry.cls = None
                    raise entry.error
            return entry.cls

    def _entry(self, name: str) -> _Entry:
        entries = self._discover()
        if name not in entries:
            known = ", ".join(sorted(entries)) or "none installed"
            raise PluginError(f"unknown connector {name!r} (known: {known})", code="plugin.unknown")
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
