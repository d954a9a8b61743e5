"""OpenTelemetry spans and metrics for idpbridge (the ``otel`` extra: ``opentelemetry-api`` only).

Off until :func:`enable_opentelemetry` is called; then it uses the tracer and meter providers you
pass, or the global ones your application configured with the OpenTelemetry SDK. While off (or
when ``opentelemetry-api`` is not installed) every call site is one check of :data:`STATE`.

What is exported (see ``docs/observability.md``):

* a span per ``authenticate()`` (``authenticate <connector>``, kind INTERNAL), with a CLIENT child
  span per provider call: each HTTP request (OpenTelemetry HTTP client conventions; ``url.full``
  without query string, fragment or user info) and each Cognito API operation (AWS SDK
  conventions);
* metrics: ``idpbridge.authenticate.duration`` (histogram, s), ``idpbridge.authenticate.outcomes``
  and ``idpbridge.authenticate.errors`` (counters), ``http.client.request.duration`` (histogram,
  s), ``idpbridge.cache.lookups`` (discovery and JWKS cache hits and misses) and
  ``idpbridge.jit.migrations`` (JIT actions).

No attribute ever holds a credential, token, code, continuation, query string or username.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from ._retry import RetryableStatus
from .errors import IdpBridgeError, PluginError

if TYPE_CHECKING:
    from ._events import AuthEvent
    from .connector import Connector
    from .methods import Request

__all__ = [
    "STATE",
    "cache_lookup",
    "client_call",
    "disable_opentelemetry",
    "enable_opentelemetry",
    "http_call",
    "jit_action",
    "note_retry",
]

T = TypeVar("T")

#: Bucket boundaries (seconds) advised for the duration histograms: the HTTP semantic conventions'.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)


#: The counters: (name, unit, description), in the order _State assigns them.
_COUNTERS = (
    (
        "idpbridge.authenticate.outcomes",
        "{call}",
        "authenticate() calls by outcome (authenticated, code_sent, …, error).",
    ),
    (
        "idpbridge.authenticate.errors",
        "{error}",
        "authenticate() calls that raised, by error code (error.type).",
    ),
    (
        "idpbridge.cache.lookups",
        "{lookup}",
        "Discovery and JWKS cache lookups by result (hit, miss, stale, refresh).",
    ),
    (
        "idpbridge.jit.migrations",
        "{migration}",
        "Just-in-time migration decisions by action (created, linked, …, refused).",
    ),
)


class _State:
    """The tracer and instruments, created by :func:`enable_opentelemetry`."""

    def __init__(self, tracer_provider: Any, meter_provider: Any) -> None:
        from opentelemetry import context, metrics, trace

        from ._version import __version__

        self.trace, self.context = trace, context
        self.tracer = trace.get_tracer("idpbridge", __version__, tracer_provider)
        meter = metrics.get_meter("idpbridge", __version__, meter_provider)

        def timing(name: str, description: str) -> Any:
            return meter.create_histogram(
                name, unit="s", description=description, explicit_bucket_boundaries_advisory=DURATION_BUCKETS
            )

        self.auth_duration = timing("idpbridge.authenticate.duration", "Duration of authenticate() calls.")
        self.http_duration = timing(
            "http.client.request.duration", "Duration of HTTP client requests to identity providers."
        )
        self.outcomes, self.errors, self.cache, self.jit = (
            meter.create_counter(name, unit=unit, description=description)
            for name, unit, description in _COUNTERS
        )

    # -- authenticate() --------------------------------------------------------------------------

    def start(self, connector: Connector[Any], request: Request, method: str | None) -> tuple[Any, Any]:
        attributes = {"idpbridge.connector": connector.instance_name, "idpbridge.provider": connector.name}
        if method is not None:
            attributes["idpbridge.method"] = method
        span = self.tracer.start_span(f"authenticate {connector.instance_name}", attributes=attributes)
        return span, self.context.attach(self.trace.set_span_in_context(span))

    def finish(self, handle: tuple[Any, Any], event: AuthEvent) -> None:
        span, token = handle
        self.context.detach(token)
        common = {"idpbridge.connector": event.connector, "idpbridge.provider": event.provider}
        if event.method is not None:
            common["idpbridge.method"] = event.method
        span.set_attributes(
            {
                **common,
                "idpbridge.step": event.step,
                "idpbridge.outcome": event.outcome,
                "idpbridge.retry_count": event.retries,
            }
        )
        labels = {**common, "idpbridge.outcome": event.outcome}
        if event.error_code is not None:
            labels["error.type"] = event.error_code
            span.set_attribute("error.type", event.error_code)
            if event.error_type is not None:
                span.set_attribute("idpbridge.error.class", event.error_type)
            if event.provider_code is not None:
                span.set_attribute("idpbridge.error.provider_code", event.provider_code)
            span.set_status(self.trace.Status(self.trace.StatusCode.ERROR, event.error_code))
            self.errors.add(1, {**common, "error.type": event.error_code})
        self.outcomes.add(1, labels)
        self.auth_duration.record(event.duration, labels)
        span.end()

    def cancel(self, handle: tuple[Any, Any]) -> None:
        span, token = handle
        self.context.detach(token)
        span.set_attribute("error.type", "cancelled")
        span.set_status(self.trace.Status(self.trace.StatusCode.ERROR, "cancelled"))
        span.end()


#: The enabled instrumentation, or ``None`` (the one check every call site makes).
STATE: _State | None = None


def enable_opentelemetry(*, tracer_provider: Any = None, meter_provider: Any = None) -> None:
    """Export idpbridge's spans and metrics through OpenTelemetry.

    ``tracer_provider`` and ``meter_provider`` default to the global providers (set by your
    OpenTelemetry SDK setup). Calling it again replaces the providers. Raises
    :class:`~idpbridge.PluginError` (``plugin.missing_extra``) when ``opentelemetry-api`` is not
    installed (``pip install "idpbridge[otel]"``).
    """
    global STATE  # noqa: PLW0603 - process-wide instrumentation switch
    try:
        STATE = _State(tracer_provider, meter_provider)
    except ImportError:
        raise PluginError(
            'OpenTelemetry is not installed: pip install "idpbridge[otel]"', code="plugin.missing_extra"
        ) from None
    from . import _events

    _events._refresh()


def disable_opentelemetry() -> None:
    """Stop exporting spans and metrics (call sites go back to one check)."""
    global STATE  # noqa: PLW0603 - process-wide instrumentation switch
    STATE = None
    from . import _events

    _events._refresh()


# ---------------------------------------------------------------------------------------------
# Provider calls


class _Call:
    __slots__ = ("retries",)

    def __init__(self) -> None:
        self.retries = 0


_CALL: contextvars.ContextVar[_Call | None] = contextvars.ContextVar("idpbridge_otel_call", default=None)


def note_retry() -> None:
    """Count a retried attempt into the provider call in flight."""
    call = _CALL.get()
    if call is not None:
        call.retries += 1


def _connector() -> str | None:
    from ._events import CURRENT

    current = CURRENT.get()
    return None if current is None else current.connector


async def client_call(
    call: Awaitable[T],
    name: str,
    attributes: Mapping[str, Any],
    *,
    error_type: Callable[[BaseException], str | None] | None = None,
) -> T:
    """Await one provider call (all its attempts) inside a CLIENT span named ``name``.

    A result with a ``status`` (an HTTP response) sets ``http.response.status_code``; a failure
    sets ``error.type``: what ``error_type(exc)`` says (a provider's error code), else the HTTP
    status of an error answer the retry policy gave up on, the code of an idpbridge error, or the
    exception's class name.
    """
    state = STATE
    if state is None:
        return await call
    trace = state.trace
    attrs = dict(attributes)
    connector = _connector()
    if connector is not None:
        attrs["idpbridge.connector"] = connector
    span = state.tracer.start_span(name, kind=trace.SpanKind.CLIENT, attributes=attrs)
    tracker = _Call()
    reset = _CALL.set(tracker)
    t0 = time.perf_counter()
    error: str | None = None
    try:
        result = await call
        status = getattr(result, "status", None)
        if isinstance(status, int):
            attrs["http.response.status_code"] = status
            if status >= 400:
                error = str(status)
        return result
    except BaseException as exc:
        error = error_type(exc) if error_type is not None else None
        if isinstance(exc, RetryableStatus):
            attrs["http.response.status_code"] = exc.status
            error = error or str(exc.status)
        elif error is None:
            error = exc.code if isinstance(exc, IdpBridgeError) else _error_name(exc)
        raise
    finally:
        _CALL.reset(reset)
        if tracker.retries:
            attrs["http.request.resend_count"] = tracker.retries
        if error is not None:
            attrs["error.type"] = error
            span.set_status(trace.Status(trace.StatusCode.ERROR, error))
        span.set_attributes(attrs)
        span.end()
        if "http.request.method" in attrs:
            metric = {k: v for k, v in attrs.items() if k not in ("url.full", "http.request.resend_count")}
            state.http_duration.record(time.perf_counter() - t0, metric)


def _error_name(exc: BaseException) -> str:
    if isinstance(exc, asyncio.CancelledError):
        return "cancelled"  # as on the authenticate() span
    kind = type(exc)
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def http_call(call: Awaitable[T], method: str, url: str) -> Awaitable[T]:
    """:func:`client_call` with the HTTP client conventions; ``url`` is already redacted."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    attributes = {
        "http.request.method": method,
        "server.address": parts.hostname or "",
        "server.port": port,
        "url.full": url,
    }
    return client_call(call, method, attributes)


# ---------------------------------------------------------------------------------------------
# Counters


def cache_lookup(cache: str, result: str) -> None:
    """Count a discovery/JWKS cache lookup (``result``: hit, miss, stale, refresh)."""
    state = STATE
    if state is not None:
        state.cache.add(1, {"idpbridge.cache.name": cache, "idpbridge.cache.result": result})


def jit_action(action: str, connector: str, provider: str, error: str | None = None) -> None:
    """Count a JIT migration decision (``created``, ``linked``, ``updated``, ``unchanged``, ``refused``
    with the refusal's code as ``error.type``)."""
    state = STATE
    if state is not None:
        labels = {
            "idpbridge.jit.action": action,
            "idpbridge.connector": connector,
            "idpbridge.provider": provider,
        }
        if error is not None:
            labels["error.type"] = error
        state.jit.add(1, labels)
