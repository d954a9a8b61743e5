"""Top-level entry points: :func:`connect` and :func:`load`."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, overload

from ._events import Hooks
from .cache import Cache
from .config import build_settings, read_toml_sections
from .connector import Connector, SyncConnector
from .continuation import ContinuationKeys
from .registry import Registry, default_registry
from .replay import ReplayStore, default_replay_store

if TYPE_CHECKING:  # annotations only: idpbridge.http is the one module that uses httpx
    import httpx

    from .orgs import Directory

__all__ = ["Connectors", "connect", "load"]


@overload
def connect(
    provider: str,
    *,
    name: str | None = ...,
    sync: Literal[False] = ...,
    http_client: httpx.AsyncClient | None = ...,
    continuation_keys: ContinuationKeys | Sequence[str | bytes] | None = ...,
    cache: Cache | None = ...,
    replay_store: ReplayStore | None = ...,
    registry: Registry | None = ...,
    hooks: Hooks | None = ...,
    **fields: Any,
) -> Connector[Any]: ...
@overload
def connect(
    provider: str,
    *,
    name: str | None = ...,
    sync: Literal[True],
    http_client: httpx.AsyncClient | None = ...,
    continuation_keys: ContinuationKeys | Sequence[str | bytes] | None = ...,
    cache: Cache | None = ...,
    replay_store: ReplayStore | None = ...,
    registry: Registry | None = ...,
    hooks: Hooks | None = ...,
    **fields: Any,
) -> SyncConnector: ...
def connect(
    provider: str,
    *,
    name: str | None = None,
    sync: bool = False,
    http_client: httpx.AsyncClient | None = None,
    continuation_keys: ContinuationKeys | Sequence[str | bytes] | None = None,
    cache: Cache | None = None,
    replay_store: ReplayStore | None = None,
    registry: Registry | None = None,
    hooks: Hooks | None = None,
    **fields: Any,
) -> Connector[Any] | SyncConnector:
    """Create a connector for ``provider`` from keyword-argument configuration.

    >>> okta = idpbridge.connect("okta", domain="acme.okta.com", client_id="0oa…",
    ...                          client_secret="…", methods=["password", "oidc"])

    ``continuation_keys`` is a :class:`~idpbridge.ContinuationKeys` or, as in a configuration file,
    a list of base64url keys (raw 32-byte ``bytes`` keys are accepted too). ``replay_store`` keeps
    flow steps single-use across workers (see :mod:`idpbridge.replay`). ``hooks`` is a
    :class:`~idpbridge.Hooks` run after each ``authenticate()``. ``sync=True`` returns a
    blocking :class:`~idpbridge.SyncConnector`. Raises :class:`~idpbridge.PluginError` for an
    unknown or unavailable provider and :class:`~idpbridge.ConfigurationError` for invalid fields.
    """
    cls = (registry or default_registry()).get(provider)
    if continuation_keys is not None and not isinstance(continuation_keys, ContinuationKeys):
        if isinstance(continuation_keys, list | tuple) and all(isinstance(k, str) for k in continuation_keys):
            # Key text (as in a config file) is the config field of the same name: validated there.
            fields["continuation_keys"] = continuation_keys
            continuation_keys = None
        else:  # raw bytes, or not keys at all: ContinuationKeys refuses anything but real keys
            continuation_keys = ContinuationKeys(continuation_keys)
    kwargs: dict[str, Any] = {
        "instance_name": name or provider,
        "http_client": http_client,
        "continuation_keys": continuation_keys,
        "cache": cache,
        "replay_store": replay_store,
    }
    if hooks is not None:  # only when given: a plugin's own __init__ may predate the argument
        kwargs["hooks"] = hooks
    connector = cls(fields, **kwargs)
    return connector.sync() if sync else connector


class Connectors(Mapping[str, Connector[Any]]):
    """The named connectors of a configuration file; closes them all on exit.

    ``organizations`` is the file's organization directory (:class:`idpbridge.orgs.Directory`;
    empty when the file has no ``[organizations.<id>]`` tables).
    """

    def __init__(
        self,
        connectors: Mapping[str, Connector[Any]],
        *,
        resources: Sequence[Any] = (),
        organizations: Directory | None = None,
    ) -> None:
        self._connectors = dict(connectors)
        self._resources = list(resources)  # things load() created for them (a Redis pool)
        if organizations is None:
            from .orgs import Directory

            organizations = Directory({}, self._connectors)
        self.organizations: Directory = organizations

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
        """Close every connector (and the shared store connection ``load()`` opened)."""
        for c in self._connectors.values():
            await c.aclose()
        resources, self._resources = self._resources, []
        for r in resources:
            await r.aclose()

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
    replay_store: ReplayStore | None = None,
    registry: Registry | None = None,
    hooks: Hooks | None = None,
) -> Connectors:
    """Load the named connectors of a TOML file.

    .. code-block:: toml

        [settings]
        continuation_keys = ["${IDPBRIDGE_CONTINUATION_KEY}"]
        store = "${IDPBRIDGE_STORE}"        # redis://…: shared by every worker

        [connectors.okta-prod]
        provider = "okta"
        domain = "acme.okta.com"
        client_id = "0oa…"
        client_secret = "${OKTA_CLIENT_SECRET}"
        methods = ["password", "oidc"]

    ``${NAME}`` is replaced by the environment variable ``NAME`` (``env`` overrides
    ``os.environ``). Every connector is validated before any is returned. ``[settings] store``
    gives every connector a shared cache and replay store (``cache`` and ``replay_store``
    arguments, when given, take precedence); ``store = "memory"`` states that one process
    serves every flow.

    ``[organizations.<id>]`` tables (``connector = "<name>"``, ``domains = [...]``) become
    ``connectors.organizations``, an :class:`idpbridge.orgs.Directory` checked against the
    connectors before anything is returned (see ``docs/b2b.md``). ``hooks`` (a
    :class:`~idpbridge.Hooks`) is shared by every connector of the file.
    """
    sections = read_toml_sections(path, env)
    settings = build_settings(sections.settings)
    reg = registry or default_registry()
    keys = ContinuationKeys(list(settings.continuation_keys)) if settings.continuation_keys else None
    resources: list[Any] = []
    url = settings.store_url
    if url is not None and (cache is None or replay_store is None):
        from .redis_cache import RedisCache

        shared = RedisCache.from_url(url, prefix=settings.store_prefix or "idpbridge:")
        resources.append(shared)
        cache = cache if cache is not None else shared
        replay_store = replay_store if replay_store is not None else shared.replay_store()
    elif settings.store is not None and url is None and replay_store is None:
        replay_store = default_replay_store()  # "memory": one process, chosen on purpose
    built: dict[str, Connector[Any]] = {}
    extra: dict[str, Any] = {} if hooks is None else {"hooks": hooks}
    for name, table in sections.connectors.items():
        fields = dict(table)
        provider = fields.pop("provider")
        cls = reg.get(provider)
        built[name] = cls(
            fields,
            instance_name=name,
            http_client=http_client,
            continuation_keys=keys,
            cache=cache,
            replay_store=replay_store,
            **extra,
        )
    from .orgs import Directory

    directory = Directory(sections.organizations, built, continuation_keys=keys)
    return Connectors(built, resources=resources, organizations=directory)
