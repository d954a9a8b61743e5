"""The :class:`Connector` base class every provider implements (its sync facade: :mod:`._sync`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from types import CoroutineType, TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar

from pydantic import SecretStr

from . import _events
from ._deadline import within
from ._events import Hooks
from ._sync import SyncConnector  # re-exported: the facade lives in _sync.py
from ._version import PLUGIN_API_VERSION
from .cache import Cache, MemoryCache
from .config import ConnectorConfig, build_config
from .continuation import Continuation, ContinuationKeys, Continuations, process_keys
from .errors import ConfigurationError, FlowError, IdpBridgeError
from .http import HttpClient
from .methods import (
    TOTP,
    Answer,
    ExternalToken,
    FinishOIDC,
    FinishSAML,
    InvalidRequest,
    Method,
    Password,
    PollCIBA,
    PollDevice,
    Request,
    StartCIBA,
    StartDevice,
    StartOIDC,
    StartOTP,
    StartSAML,
    VerifyOTP,
)
from .outcomes import Outcome
from .redis_cache import RedisCache
from .replay import ReplayStore, claim_step, default_replay_store, probe_store, warn_no_shared_store
from .sheet import ProviderSheet

if TYPE_CHECKING:  # annotations only: idpbridge.http is the one module that uses httpx
    import httpx

__all__ = ["CheckReport", "CheckResult", "Connector", "SyncConnector"]

log = logging.getLogger("idpbridge")

ConfigT = TypeVar("ConfigT", bound=ConnectorConfig)


@dataclasses.dataclass(frozen=True, slots=True)
class CheckResult:
    """One probe of :meth:`Connector.check`.

    ``skipped`` marks a probe that could not run (its prerequisite failed, e.g. no discovery
    document for the key probe): it did not pass (``ok`` is false), and the failure that caused it
    is reported by its own probe.
    """

    name: str
    ok: bool
    detail: str = ""
    duration_ms: float = 0.0
    skipped: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class CheckReport:
    """What :meth:`Connector.check` found. ``ok`` only when every probe passed."""

    connector: str
    provider: str
    results: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        """Whether every probe passed."""
        return all(r.ok for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "connector": self.connector,
            "provider": self.provider,
            "ok": self.ok,
            "results": [dataclasses.asdict(r) for r in self.results],
        }


class Connector(Generic[ConfigT]):
    """Base class of every connector.

    Subclasses set the class attributes ``name`` (registry name), ``title``, ``methods`` (what
    it can do) and ``Config`` (its :class:`~idpbridge.ConnectorConfig` subclass), and implement
    the hooks for the methods they support (:meth:`password`, :meth:`start_oidc`, …). The base
    class routes requests, refuses methods that are not enabled, opens continuations, and stamps
    the connector name on errors.

    Args:
        config: a ``Config`` instance or a mapping of its fields (or pass fields as keywords).
        instance_name: this connector's name in your configuration (defaults to ``name``).
        http_client: an ``httpx.AsyncClient`` to use (never closed by idpbridge).
        continuation_keys: keys sealing multi-step state; defaults to the config's keys, else an
            ephemeral per-process key (with a one-time warning).
        clock: a ``() -> float`` returning POSIX seconds (tests inject one).
        cache: a :class:`~idpbridge.cache.Cache` backend for discovery and JWKS documents.
        replay_store: a :class:`~idpbridge.replay.ReplayStore` keeping flow steps single-use;
            defaults to the store of a :class:`~idpbridge.redis_cache.RedisCache` given as
            ``cache``, else the process-wide in-memory store (then configured continuation keys
            log a one-time warning and fail :meth:`check`: see
            :data:`~idpbridge.replay.SHARED_STORE_FIX`).
        hooks: a :class:`~idpbridge.Hooks` run after each :meth:`authenticate` (also reachable,
            and extensible, as the ``hooks`` attribute; see ``docs/observability.md``).
    """

    name: ClassVar[str]
    title: ClassVar[str]
    methods: ClassVar[frozenset[Method]]
    Config: ClassVar[type[ConnectorConfig]] = ConnectorConfig
    #: The plugin API this connector was written against.
    api_version: ClassVar[tuple[int, int]] = PLUGIN_API_VERSION
    #: The provider's data sheet; a subclass that sets it gets ``name``, ``title`` and ``methods``
    #: from it. A subclass that sets only ``Config``, whose class declares a ``sheet``, gets that
    #: sheet (one declaration, read by both).
    sheet: ClassVar[ProviderSheet | None] = None

    #: The settings; a subclass that annotates it (``config: AcmeConfig``) and sets no ``Config``
    #: gets that class as ``Config``.
    config: ConfigT

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        annotated = _annotated_config(cls)
        if annotated is not None:
            cls.Config = annotated
        sheet = cls.__dict__.get("sheet") or _config_sheet(cls)
        if sheet is not None:
            cls.sheet = sheet
            cls.name, cls.title, cls.methods = sheet.name, sheet.title, sheet.methods

    def __init__(
        self,
        config: ConfigT | Mapping[str, Any] | None = None,
        /,
        *,
        instance_name: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        continuation_keys: ContinuationKeys | Sequence[str | bytes] | None = None,
        clock: Callable[[], float] = time.time,
        cache: Cache | None = None,
        replay_store: ReplayStore | None = None,
        hooks: Hooks | None = None,
        **fields: Any,
    ) -> None:
        self.instance_name = instance_name or self.name
        #: Event hooks of this connector (the process-wide ones are ``idpbridge.hooks``).
        self.hooks: Hooks = hooks if hooks is not None else Hooks()
        if isinstance(config, ConnectorConfig):
            if fields:
                raise ConfigurationError(
                    "pass either a config object or fields, not both", connector=self.instance_name
                )
            if not isinstance(config, self.Config):
                raise ConfigurationError(
                    f"connector {self.instance_name!r}: expected {self.Config.__name__}, "
                    f"got {type(config).__name__}",
                    connector=self.instance_name,
                )
            self.config = config
        else:
            data = dict(config or {})
            data.update(fields)
            self.config = build_config(self.Config, data, connector=self.instance_name)  # type: ignore[assignment]
        unsupported = self.config.enabled_methods - self.methods
        if unsupported:
            raise ConfigurationError(
                f"connector {self.instance_name!r}: methods not supported: "
                f"{', '.join(sorted(m.value for m in unsupported))}",
                field="methods",
                connector=self.instance_name,
            )
        self.clock = clock
        self.cache: Cache = cache if cache is not None else MemoryCache()
        self.http = HttpClient(self.config.http_policy(), http_client)
        if continuation_keys is None:
            continuation_keys = (
                ContinuationKeys(list(self.config.continuation_keys))
                if self.config.continuation_keys
                else process_keys()
            )
        elif not isinstance(continuation_keys, ContinuationKeys):  # validated like any key input
            continuation_keys = ContinuationKeys(continuation_keys)
        self.continuations = Continuations(continuation_keys, connector=self.instance_name, clock=clock)
        chosen = replay_store is not None or isinstance(cache, RedisCache)
        if replay_store is None:
            replay_store = cache.replay_store() if isinstance(cache, RedisCache) else default_replay_store()
        self.replay_store: ReplayStore = replay_store
        # Keys this process generated cannot be held elsewhere: flows resume only here. Keys from
        # configuration can, so their "used" markers must be shared too (or one process declared).
        self._needs_shared_store = not continuation_keys.ephemeral and not chosen
        if self._needs_shared_store:
            warn_no_shared_store()

    # -- public API ---------------------------------------------------------------------------

    @property
    def enabled_methods(self) -> frozenset[Method]:
        """The methods this instance accepts (configured, and supported)."""
        return self.config.enabled_methods

    async def authenticate(self, request: Request) -> Outcome:
        """Start or resume an authentication.

        Returns an :data:`~idpbridge.Outcome`; raises :class:`~idpbridge.IdpBridgeError`
        subclasses on failure (a method that is not enabled is a
        :class:`~idpbridge.ConfigurationError`; a bad continuation a
        :class:`~idpbridge.FlowError`; a call that outlives ``timeouts.authenticate`` a
        :class:`~idpbridge.ProviderUnavailable` with code ``provider.timeout``).
        Registered event hooks and OpenTelemetry see every call (``docs/observability.md``).
        """
        if _events.ENABLED:  # the one check while nothing observes calls
            return await _events.observe(self, request, self._authenticate(request))
        return await self._authenticate(request)

    async def _authenticate(self, request: Request) -> Outcome:
        try:  # one deadline for every request of the call (timeouts.authenticate)
            return await within(self._route(request), self.config.timeouts.authenticate, what=self._what)
        except IdpBridgeError as exc:
            if exc.connector is None:
                exc.connector = self.instance_name
            raise

    def _what(self) -> str:
        return f"connector {self.instance_name!r}: authenticate()"

    async def check(self) -> CheckReport:
        """Probe the IdP (discovery, keys, client credentials where possible).

        Never raises for a failed probe: the report says what failed.
        """
        results = await self.probes()
        replay = await self._replay_probe()
        if replay is not None:
            results = [*results, replay]
        return CheckReport(connector=self.instance_name, provider=self.name, results=tuple(results))

    async def _replay_probe(self) -> CheckResult | None:
        """Whether flow steps stay single-use across workers (``None``: nothing to say)."""
        found = await probe_store(
            self.replay_store, self.instance_name, needs_shared=self._needs_shared_store
        )
        return None if found is None else CheckResult("replay_store", *found)

    async def aclose(self) -> None:
        """Release network resources."""
        await self.http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def sync(self) -> SyncConnector:
        """A blocking facade over this connector, for Django/Flask code."""
        return SyncConnector(self)

    def __repr__(self) -> str:
        methods = ",".join(sorted(m.value for m in self.enabled_methods))
        return f"<{type(self).__name__} {self.instance_name!r} methods={methods}>"

    # -- hooks for subclasses -------------------------------------------------------------------

    async def password(self, request: Password) -> Outcome:
        """Check a username and password."""
        raise self._unsupported(Method.PASSWORD)

    async def start_oidc(self, request: StartOIDC) -> Outcome:
        """Build the authorization redirect."""
        raise self._unsupported(Method.OIDC)

    async def finish_oidc(self, request: FinishOIDC, continuation: Continuation) -> Outcome:
        """Handle the authorization response."""
        raise self._unsupported(Method.OIDC)

    async def start_otp(self, request: StartOTP) -> Outcome:
        """Send a one-time code."""
        raise self._unsupported(request.otp_method)

    async def verify_otp(self, request: VerifyOTP, continuation: Continuation) -> Outcome:
        """Check a one-time code."""
        raise self._unsupported(Method(continuation.method))

    async def totp(self, request: TOTP) -> Outcome:
        """Check a TOTP code (with the password where the IdP needs it)."""
        raise self._unsupported(Method.TOTP)

    async def answer(self, request: Answer, continuation: Continuation) -> Outcome:
        """Continue an :class:`~idpbridge.InputRequired` step."""
        raise self._unsupported(Method(continuation.method))

    async def validate_token(self, request: ExternalToken) -> Outcome:
        """Validate a token the IdP issued."""
        raise self._unsupported(Method.TOKEN)

    async def start_saml(self, request: Any) -> Outcome:
        """Build the SAML AuthnRequest (a :class:`~idpbridge.methods.StartSAML` request)."""
        raise self._unsupported(Method.SAML)

    async def finish_saml(self, request: Any, continuation: Continuation) -> Outcome:
        """Validate the SAML response (a :class:`~idpbridge.methods.FinishSAML` request)."""
        raise self._unsupported(Method.SAML)

    async def start_device(self, request: Any) -> Outcome:
        """Start a device authorization (a :class:`~idpbridge.methods.StartDevice` request)."""
        raise self._unsupported(Method.DEVICE)

    async def poll_device(self, request: Any, continuation: Continuation) -> Outcome:
        """Poll a device authorization once (a :class:`~idpbridge.methods.PollDevice` request)."""
        raise self._unsupported(Method.DEVICE)

    async def start_ciba(self, request: Any) -> Outcome:
        """Start a backchannel authentication (a :class:`~idpbridge.methods.StartCIBA` request)."""
        raise self._unsupported(Method.CIBA)

    async def poll_ciba(self, request: Any, continuation: Continuation) -> Outcome:
        """Poll a backchannel authentication once (a :class:`~idpbridge.methods.PollCIBA` request)."""
        raise self._unsupported(Method.CIBA)

    async def probes(self) -> list[CheckResult]:
        """Probes run by :meth:`check`; subclasses extend. Each returns a :class:`CheckResult`."""
        return [CheckResult("configuration", True, "configuration is valid")]

    # -- helpers for subclasses -----------------------------------------------------------------

    def seal(self, method: Method, data: Mapping[str, Any]) -> tuple[SecretStr, dt.datetime]:
        """Seal flow state for ``method``; returns ``(continuation, expires_at)``."""
        token, expires_at = self.continuations.seal(method.value, data, ttl=self.config.continuation_ttl)
        return SecretStr(token), expires_at

    async def consume_continuation(
        self, continuation: Continuation, *, message: str = "this flow step was already used"
    ) -> None:
        """Mark ``continuation`` as used; a second use raises ``FlowError(code="flow.reused")``.

        One atomic :meth:`ReplayStore.claim <idpbridge.replay.ReplayStore.claim>` on the
        connector's :attr:`replay_store`, keyed by instance name and continuation id, kept until the
        continuation expires. Single use holds across every worker sharing that store (all
        connectors of this process share the default in-memory one). When the store cannot
        record the step, it is refused: :class:`~idpbridge.replay.ReplayStoreError`
        (``flow.replay_store_full`` / ``flow.replay_store_unavailable``). Call it before acting on
        a continuation that must resume a flow only once (a callback, a code answer).
        """
        ttl = max(1.0, continuation.expires_at - self.clock() + 1)
        key = f"flow-used:{self.instance_name}:{continuation.id}"
        if not await claim_step(self.replay_store, key, ttl, connector=self.instance_name):
            raise FlowError(message, code="flow.reused")

    def require(self, method: Method) -> None:
        """Raise :class:`ConfigurationError` unless ``method`` is enabled here."""
        if method not in self.enabled_methods:
            raise ConfigurationError(
                f"method {method.value!r} is not enabled on connector {self.instance_name!r}",
                code="config.method_not_enabled",
                field="methods",
                connector=self.instance_name,
            )

    def _unsupported(self, method: Method) -> ConfigurationError:
        return ConfigurationError(
            f"connector {self.instance_name!r} ({self.name}) does not support {method.value!r}",
            code="config.method_not_supported",
            field="methods",
            connector=self.instance_name,
        )

    def _route(self, request: Request) -> Coroutine[Any, Any, Outcome]:
        """The hook call ``request`` routes to, not yet awaited (the checks before it, which may
        raise, run here: a plain function, so a call adds no coroutine frame of its own)."""
        route = _ROUTES.get(type(request))
        if route is None:  # a subclass of a request type routes as that type
            route = next((r for t, r in _ROUTES.items() if isinstance(request, t)), None)
            if route is None:
                raise InvalidRequest(f"not an idpbridge request: {type(request).__name__}", field="request")
        call = route(self, request)
        return call if type(call) is CoroutineType else _awaiting(call)


# -- request routing --------------------------------------------------------------------------------
# One entry per request type: the method it needs enabled and the hook it calls. A resuming request
# opens its continuation first, and only for the methods that may resume through it (any other is
# ``flow.wrong_method``): VerifyOTP answers CodeSent (e-mail/SMS OTP); Answer answers the
# InputRequired/MFARequired steps of the flows that ask for input; an OIDC continuation (or any
# other) is refused before any hook runs.

_CODE_SENT = (Method.EMAIL_OTP.value, Method.SMS_OTP.value)
_ASKS_INPUT = (Method.PASSWORD.value, Method.TOTP.value, *_CODE_SENT)
_Route = Callable[[Connector[Any], Any], Awaitable[Outcome]]


def _starts(method: Method, hook: str) -> _Route:
    def route(conn: Connector[Any], request: Any) -> Awaitable[Outcome]:
        conn.require(method)
        return getattr(conn, hook)(request)  # type: ignore[no-any-return]

    return route


def _resumes(methods: str | tuple[str, ...], hook: str) -> _Route:
    def route(conn: Connector[Any], request: Any) -> Awaitable[Outcome]:
        if isinstance(methods, str):
            conn.require(Method(methods))
            cont = conn.continuations.open(request.continuation, method=methods)
        else:
            cont = conn.continuations.open(request.continuation, method=methods)
            conn.require(Method(cont.method))
        return getattr(conn, hook)(request, cont)  # type: ignore[no-any-return]

    return route


def _start_otp(conn: Connector[Any], request: StartOTP) -> Awaitable[Outcome]:
    conn.require(request.otp_method)
    return conn.start_otp(request)


async def _awaiting(awaitable: Awaitable[Outcome]) -> Outcome:
    """A hook that returned an awaitable other than a coroutine, as a coroutine."""
    return await awaitable


_ROUTES: dict[type[Request], _Route] = {
    Password: _starts(Method.PASSWORD, "password"),
    ExternalToken: _starts(Method.TOKEN, "validate_token"),
    StartOIDC: _starts(Method.OIDC, "start_oidc"),
    FinishOIDC: _resumes(Method.OIDC.value, "finish_oidc"),
    StartOTP: _start_otp,
    VerifyOTP: _resumes(_CODE_SENT, "verify_otp"),
    TOTP: _starts(Method.TOTP, "totp"),
    Answer: _resumes(_ASKS_INPUT, "answer"),
    StartDevice: _starts(Method.DEVICE, "start_device"),
    PollDevice: _resumes(Method.DEVICE.value, "poll_device"),
    StartCIBA: _starts(Method.CIBA, "start_ciba"),
    PollCIBA: _resumes(Method.CIBA.value, "poll_ciba"),
    StartSAML: _starts(Method.SAML, "start_saml"),
    FinishSAML: _resumes(Method.SAML.value, "finish_saml"),
}


def _config_sheet(cls: type[Connector[Any]]) -> ProviderSheet | None:
    """The sheet ``cls.Config`` declares itself, when ``cls`` sets ``Config`` but no ``sheet``."""
    config = cls.__dict__.get("Config")
    return config.__dict__.get("sheet") if isinstance(config, type) else None


def _annotated_config(cls: type[Connector[Any]]) -> type[ConnectorConfig] | None:
    """The class of ``cls``'s own ``config`` annotation, when ``cls`` sets no ``Config`` (a string
    annotation is looked up in the class's module; one that does not resolve is left alone)."""
    hint = inspect.get_annotations(cls).get("config")
    if "Config" in cls.__dict__ or hint is None:
        return None
    if isinstance(hint, str):
        hint = getattr(sys.modules.get(cls.__module__), hint, None)
    return hint if isinstance(hint, type) and issubclass(hint, ConnectorConfig) else None
