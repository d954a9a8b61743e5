"""The blocking facade over a connector: :class:`SyncConnector` and its private loop thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Future
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

from pydantic import SecretStr

from .errors import ConfigurationError
from .identity import TokenSet
from .methods import Method, Request
from .outcomes import Outcome

if TYPE_CHECKING:  # the connector module imports this one
    from ._events import Hooks
    from .config import ConnectorConfig
    from .connector import CheckReport, Connector

__all__ = ["SyncConnector"]

T = TypeVar("T")


class _LoopThread:
    """An event loop running in a daemon thread, for the sync facade."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="idpbridge-sync", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result()

    def stop(self) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.loop.shutdown_asyncgens(), self.loop).result(timeout=5)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=5)
            if not self._thread.is_alive():
                self.loop.close()


class SyncConnector:
    """Blocking facade over a :class:`~idpbridge.connector.Connector`; the same code runs underneath.

    The async connector runs on a private event loop thread, so this is safe to call from any
    thread of a WSGI app. Use as a context manager or call ``close()``. Every method blocks and
    returns what the async method returns; the wrapped connector is ``connector``.
    """

    def __init__(self, connector: Connector[Any]) -> None:
        self.connector = connector
        self._runner: _LoopThread | None = None
        self._lock = threading.Lock()

    # -- read-only views of the wrapped connector -------------------------------------------------

    @property
    def name(self) -> str:
        """The provider's registry name (``"okta"``, ``"oidc"``, …)."""
        return self.connector.name

    @property
    def instance_name(self) -> str:
        """This connector's name in your configuration."""
        return self.connector.instance_name

    @property
    def enabled_methods(self) -> frozenset[Method]:
        """The methods this instance accepts."""
        return self.connector.enabled_methods

    @property
    def hooks(self) -> Hooks:
        """The wrapped connector's event hooks (assigning replaces them there)."""
        return self.connector.hooks

    @hooks.setter
    def hooks(self, value: Hooks) -> None:
        self.connector.hooks = value

    @property
    def config(self) -> ConnectorConfig:
        """The validated configuration of the wrapped connector."""
        return self.connector.config  # type: ignore[no-any-return]

    # -- blocking operations ------------------------------------------------------------------------

    def authenticate(self, request: Request) -> Outcome:
        """Blocking :meth:`Connector.authenticate <idpbridge.connector.Connector.authenticate>`."""
        return self._run(lambda: self.connector.authenticate(request))

    def check(self) -> CheckReport:
        """Blocking :meth:`Connector.check <idpbridge.connector.Connector.check>`."""
        return self._run(self.connector.check)

    def refresh(
        self, refresh_token: str | SecretStr, *, subject: str | None = None, username: str | None = None
    ) -> TokenSet:
        """Blocking ``refresh()``: use a refresh token; a new ID token must keep ``subject``.

        ``username`` is passed on only when given (Cognito app clients with a secret need it).
        Raises :class:`~idpbridge.ConfigurationError` (``config.not_supported``) on a connector
        without refresh.
        """
        options: dict[str, Any] = {"subject": subject}
        if username is not None:
            options["username"] = username
        refresh = self._operation("refresh")
        return self._run(lambda: refresh(refresh_token, **options))  # type: ignore[no-any-return]

    def revoke(self, token: str | SecretStr, *, token_type_hint: str | None = None) -> None:
        """Blocking ``revoke()``: revoke an access or refresh token (RFC 7009).

        ``token_type_hint`` is passed on only when given, so a connector's own default holds.
        """
        options: dict[str, Any] = {} if token_type_hint is None else {"token_type_hint": token_type_hint}
        revoke = self._operation("revoke")
        self._run(lambda: revoke(token, **options))

    def logout_url(
        self,
        *,
        post_logout_redirect_uri: str | None = None,
        state: str | None = None,
        logout_hint: str | None = None,
    ) -> str:
        """Blocking ``logout_url()``: the RP-initiated logout URL."""
        logout_url = self._operation("logout_url")
        return self._run(  # type: ignore[no-any-return]
            lambda: logout_url(
                post_logout_redirect_uri=post_logout_redirect_uri, state=state, logout_hint=logout_hint
            )
        )

    def close(self) -> None:
        """Close the connector and stop the private loop."""
        with self._lock:
            runner, self._runner = self._runner, None
        if runner is not None:
            try:
                runner.run(self.connector.aclose())
            finally:  # never leave the loop thread behind, even if closing failed
                runner.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __getattr__(self, item: str) -> Any:
        # Plain attributes of the wrapped connector stay readable; an async operation never leaks
        # out as an un-awaited coroutine.
        value = getattr(self.connector, item)
        if asyncio.iscoroutinefunction(value):
            raise AttributeError(
                f"{type(self.connector).__name__}.{item}() is async and has no blocking version on "
                f"SyncConnector; call it on the async connector (facade.connector.{item})"
            )
        return value

    def __repr__(self) -> str:
        return f"SyncConnector({self.connector!r})"

    # -- plumbing -------------------------------------------------------------------------------------

    def _operation(self, item: str) -> Callable[..., Awaitable[Any]]:
        """The wrapped connector's async ``item``, or the typed error for a connector without it."""
        operation = getattr(self.connector, item, None)
        if operation is None:
            raise ConfigurationError(
                f"connector {self.instance_name!r} ({self.name}) does not offer {item}()",
                code="config.not_supported",
                connector=self.instance_name,
            )
        return operation  # type: ignore[no-any-return]

    def _run(self, factory: Callable[[], Awaitable[T]]) -> T:
        with self._lock:
            if self._runner is None:
                self._runner = _LoopThread()
            runner = self._runner

        async def call() -> T:
            return await factory()

        return runner.run(call())
