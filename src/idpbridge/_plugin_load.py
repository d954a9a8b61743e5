"""Loading one plugin's entry point and connector class, with every check on what it supplies.

These functions run plugin code (imports, attribute access on plugin classes), so the registry
calls them inside :func:`~idpbridge._plugins.contained`.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata as md
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ._plugins import Job, check_api_version, check_fields, check_methods, reason
from ._terminal import terminal_safe
from ._version import PLUGIN_API_VERSION
from .errors import PluginError

if TYPE_CHECKING:
    from .connector import Connector
    from .registry import ConnectorPlugin

__all__ = ["Entry", "accept", "describe_object", "dist_of", "install_hint", "label", "load_checked"]

T = TypeVar("T")
_BUILTIN_DIST = "idpbridge"


@dataclasses.dataclass(slots=True)
class Entry:
    """One discovered entry point and what the registry learned about it."""

    name: str
    ep: md.EntryPoint
    distribution: str | None
    version: str | None
    plugin: ConnectorPlugin | None = None
    cls: type[Connector[Any]] | None = None
    error: PluginError | None = None
    # Held while this entry is described or loaded (plugin code runs meanwhile in a worker thread,
    # which may itself use the registry for other connectors: no registry-wide lock is held).
    lock: threading.RLock = dataclasses.field(default_factory=threading.RLock, repr=False)
    importing: int | None = None  # the worker thread running this entry's plugin code
    describing: Job[tuple[ConnectorPlugin, type[Connector[Any]] | None]] | None = None
    loading: Job[type[Connector[Any]]] | None = None

    @property
    def builtin(self) -> bool:
        return self.distribution == _BUILTIN_DIST

    def hold(self) -> threading.RLock:
        """This entry's lock; a plugin using itself while it is imported is refused, not hung."""
        if self.importing == threading.get_ident():
            raise PluginError(
                f"connector {label(self)} uses itself while being imported", code="plugin.broken"
            )
        return self.lock

    def run(self, call: Callable[[], T]) -> Callable[[], T]:
        """``call``, marking this entry as being imported by the thread that runs it."""

        def run() -> T:
            self.importing = threading.get_ident()
            try:
                return call()
            finally:
                self.importing = None

        return run


def install_hint(entry: Entry, plugin: ConnectorPlugin) -> str:
    """The ``pip install`` line that provides ``plugin``'s missing requirements."""
    if plugin.install_hint:
        return terminal_safe(plugin.install_hint)
    dist = terminal_safe(entry.distribution or plugin.name, limit=100)
    return f'pip install "{dist}[{plugin.extra}]"' if plugin.extra else f'pip install "{dist}"'


def accept(entry: Entry, plugin: ConnectorPlugin, cls: type[Connector[Any]] | None) -> None:
    """Record a described plugin on ``entry``, with the name and API version checks."""
    from .registry import api_compatible

    shown = label(entry)
    if plugin.name != entry.name:
        entry.error = PluginError(
            f"entry point {shown} describes a connector named {terminal_safe(plugin.name)!r}",
            code="plugin.broken",
        )
        return
    entry.cls = cls
    if not api_compatible(plugin.api_version):
        want = ".".join(map(str, plugin.api_version))
        have = ".".join(map(str, PLUGIN_API_VERSION))
        entry.error = PluginError(
            f"connector {shown} was built for plugin API {want}; "
            f"this idpbridge speaks {have}. Upgrade the plugin or idpbridge.",
            code="plugin.incompatible",
        )
    entry.plugin = plugin


def label(entry: Entry) -> str:
    """``'name' from dist`` for messages, terminal-safe."""
    return f"{terminal_safe(entry.name, limit=64)!r} from {terminal_safe(entry.distribution, limit=100)}"


#: id(Distribution) -> (it, its (name, version)): every entry point of a distribution shares one
#: Distribution object, and reading its METADATA file (an email-format parse) is the costly part of
#: listing connectors, so it is read once per distribution (the object is held: the id stays its).
_DISTS: dict[int, tuple[object, tuple[str | None, str | None]]] = {}


def dist_of(ep: md.EntryPoint) -> tuple[str | None, str | None]:
    try:
        dist = getattr(ep, "dist", None)
        if dist is None:
            return None, None
        hit = _DISTS.get(id(dist))
        if hit is not None and hit[0] is dist:
            return hit[1]
        meta = dist.metadata  # one parse for both fields (``dist.name``/``.version`` parse it each)
        name, version = meta["Name"], meta["Version"]
        found = (name if isinstance(name, str) else None), (version if isinstance(version, str) else None)
    except Exception:  # unreadable metadata: list the entry point without a distribution
        return None, None
    if len(_DISTS) >= 256:
        _DISTS.clear()
    _DISTS[id(dist)] = (dist, found)
    return found


def describe_object(entry: Entry, obj: Any) -> tuple[ConnectorPlugin, type[Connector[Any]] | None]:
    """The descriptor of an entry point's object (runs inside :func:`contained`: it may touch
    plugin code through attribute access)."""
    from .registry import ConnectorPlugin

    if isinstance(obj, ConnectorPlugin):
        check_fields(obj)  # again: a frozen dataclass can still be changed with object.__setattr__
        return obj, None
    from .connector import Connector  # only for a bare class: listing descriptors loads no connector code

    if isinstance(obj, type) and issubclass(obj, Connector):
        plugin = ConnectorPlugin(
            name=getattr(obj, "name", entry.name),
            title=getattr(obj, "title", entry.name),
            methods=getattr(obj, "methods", frozenset()),
            connector=f"{obj.__module__}:{obj.__qualname__}",
            api_version=getattr(obj, "api_version", (0, 0)),
        )
        return plugin, obj
    raise PluginError(
        f"entry point {label(entry)} is neither a ConnectorPlugin nor a Connector subclass",
        code="plugin.broken",
    )


def load_checked(entry: Entry, plugin: ConnectorPlugin) -> type[Connector[Any]]:
    """Import the connector class and check it against its descriptor (inside :func:`contained`)."""
    from .registry import api_compatible

    name = entry.name
    try:
        cls = plugin.load()
    except (ImportError, AttributeError, TypeError) as exc:
        raise PluginError(
            f"connector {label(entry)} failed to load: {reason(exc)}", code="plugin.broken"
        ) from exc
    cls_version = check_api_version(getattr(cls, "api_version", plugin.api_version))
    if not api_compatible(cls_version):
        raise PluginError(
            f"connector {terminal_safe(name)!r} was built for plugin API {'.'.join(map(str, cls_version))}",
            code="plugin.incompatible",
        )
    if plugin.sheet is not None and getattr(cls, "sheet", None) is plugin.sheet and plugin.name == name:
        return cls  # descriptor and class read one sheet: nothing can disagree
    cls_name = getattr(cls, "name", None)
    if cls_name != name:
        shown = terminal_safe(cls_name, limit=64) if isinstance(cls_name, str) else cls_name
        raise PluginError(f"connector {label(entry)} loads a class named {shown!r}", code="plugin.broken")
    implemented = check_methods(getattr(cls, "methods", ()))
    if implemented != plugin.methods:
        # The listing (descriptor) must not promise what the connector does not do.
        listed = ", ".join(sorted(m.value for m in plugin.methods)) or "none"
        does = ", ".join(sorted(m.value for m in implemented)) or "none"
        raise PluginError(
            f"connector {label(entry)} lists methods {listed} but its class implements {does}",
            code="plugin.broken",
        )
    return cls
