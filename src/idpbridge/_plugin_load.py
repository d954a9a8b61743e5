"""Loading one plugin's entry point and connector class, with every check on what it supplies.

These functions run plugin code (imports, attribute access on plugin classes), so the registry
calls them inside :func:`~idpbridge._plugins.contained`.
"""

from __future__ import annotations

import importlib.metadata as md
from typing import TYPE_CHECKING, Any

from ._plugins import check_api_version, check_fields, check_methods, reason
from ._terminal import terminal_safe
from .errors import PluginError

if TYPE_CHECKING:
    from .connector import Connector
    from .registry import ConnectorPlugin, _Entry

__all__ = ["describe_object", "dist_of", "label", "load_checked"]


def label(entry: _Entry) -> str:
    """``'name' from dist`` for messages, terminal-safe."""
    return f"{terminal_safe(entry.name, limit=64)!r} from {terminal_safe(entry.distribution, limit=100)}"


def dist_of(ep: md.EntryPoint) -> tuple[str | None, str | None]:
    try:
        dist = getattr(ep, "dist", None)
        if dist is None:
            return None, None
        name, version = dist.name, dist.version
        return (name if isinstance(name, str) else None), (version if isinstance(version, str) else None)
    except Exception:  # unreadable metadata: list the entry point without a distribution
        return None, None


def describe_object(entry: _Entry, obj: Any) -> tuple[ConnectorPlugin, type[Connector[Any]] | None]:
    """The descriptor of an entry point's object (runs inside :func:`contained`: it may touch
    plugin code through attribute access)."""
    from .connector import Connector
    from .registry import ConnectorPlugin

    if isinstance(obj, ConnectorPlugin):
        check_fields(obj)  # again: a frozen dataclass can still be changed with object.__setattr__
        return obj, None
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


def load_checked(entry: _Entry, plugin: ConnectorPlugin) -> type[Connector[Any]]:
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
