"""Top-level entry points: :func:`connect` and :func:`load`."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, Self, overload

import httpx

from .cache import Cache
from .config import read_toml
from .connector import Connector, SyncConnector
from .continuation import ContinuationKeys
from .errors import ConfigurationError
from .registry import Registry, default_registry

__all__ = ["Connectors", "connect", "load"]


@overload
def connect(
    provider: str,
    *,
    name: str | None = ...,
    sync: Literal[False] = ...,
    http_client: httpx.AsyncClient | None = ...,
    continuation_keys: ContinuationKeys | Sequence[str] | None = ...,
    cache: Cache | None = ...,
    registry: Registry | None = ...,
    **fields: Any,
) -> Connector[Any]: ...
@overload
def connect(
    provider: str,
    *,
    name: str | None = ...,
    sync: Literal[True],
    http_client: httpx.AsyncClient | None = ...,
    continuation_keys: ContinuationKeys | Sequence[str] | None = ...,
    cache: Cache | None = ...,
    registry: Registry | None = ...,
    **fields: Any,
) -> SyncConnector: ...
def connect(
    provider: str,
    *,
    name: str | None = None,
    sync: bool = False,
    http_client: httpx.AsyncClient | None = None,
    continuation_keys: ContinuationKeys | Sequence[str] | None = None,
    cache: Cache | None = None,
    registry: Registry | None = None,
    **fields: Any,
) -> Connector[Any] | SyncConnector:
    """Create a connector for ``provider`` from keyword-argument configuration.

    >>> okta = idpbridge.connect("okta", domain="acme.okta.com", client_id="0oa…",
    ...                          client_secret="…", methods=["password", "oidc"])

    ``continuation_keys`` is a :class:`~idpbridge.ContinuationKeys` or, as in a configuration file,
    a list of base64url keys. ``sync=True`` returns a blocking :class:`~idpbridge.SyncConnector`. Raises
    :class:`~idpbridge.PluginError` for an unknown or unavailable provider and
    :class:`~idpbridge.ConfigurationError` for invalid fields.
    """
    cls = (registry or default_registry()).get(provider)
    if continuation_keys is not None and not isinstance(continuation_keys, ContinuationKeys):
        # Key text (as in a config file) is the config field of the same name: validate it there.
        fields["continuation_keys"] = continuation_keys
        continuation_keys = None
    kwargs: dict[str, Any] = {
        "instance_name": name or provider,
        "http_client": http_client,
        "continuation_keys": continuation_keys,
        "cache": cache,
    }
    connector = cls(fields, **kwargs)
    return connector.sync() if sync else connector


class Connectors(Mapping[str, Connector[Any]]):
    """The named connectors of a configuration file; closes them all on exit."""

    def __init__(self, connectors: Mapping[str, Connector[Any]]) -> None:
        self._connectors = dict(connectors)

    def __getitem__(self, name: str) -> Connector[Any]:
        try:
            return self._connectors[name]
        except KeyError:
            known = ", ".join(sorted(self._connectors)) or "none"
            raise KeyError(f"no connector named {name!r} (configured: {known})") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._connectors)

    def __len__(self) -> int:
        return len(self._connectors)

    async def aclose(self) -> None:
        """Close every connector."""
        for c in self._connectors.values():
            await c.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def load(
    path: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
    http_client: httpx.AsyncClient | None = None,
    cache: Cache | None = None,
    registry: Registry | None = None,
) -> Connectors:
    """Load the named connectors of a TOML file.

    .. code-block:: toml

        [settings]
        continuation_keys = ["${IDPBRIDGE_CONTINUATION_KEY}"]

        [connectors.okta-prod]
        provider = "okta"
        domain = "acme.okta.com"
        client_id = "0oa…"
        client_secret = "${OKTA_CLIENT_SECRET}"
        methods = ["password", "oidc"]

    ``${NAME}`` is replaced by the environment variable ``NAME`` (``env`` overrides
    ``os.environ``). Every connector is validated before any is returned.
    """
    settings, tables = read_toml(path, env)
    reg = registry or default_registry()
    keys = None
    unknown = set(settings) - {"continuation_keys"}
    if unknown:
        raise ConfigurationError(
            f"[settings]: unknown field(s): {', '.join(sorted(unknown))}", field=sorted(unknown)[0]
        )
    if settings.get("continuation_keys"):
        keys = ContinuationKeys(list(settings["continuation_keys"]))
    built: dict[str, Connector[Any]] = {}
    for name, table in tables.items():
        fields = dict(table)
        provider = fields.pop("provider")
        cls = reg.get(provider)
        built[name] = cls(
            fields, instance_name=name, http_client=http_client, continuation_keys=keys, cache=cache
        )
    return Connectors(built)
