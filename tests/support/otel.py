"""OpenTelemetry exported in memory by the SDK, for the tests of idpbridge's spans and metrics."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import idpbridge

__all__ = ["Exported", "exporting"]


@dataclass
class Exported:
    """What idpbridge exported while :func:`exporting` was on."""

    spans: InMemorySpanExporter
    metrics: InMemoryMetricReader

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def authenticate_spans(self) -> list[ReadableSpan]:
        """The ``authenticate <connector>`` spans, in start order."""
        found = [s for s in self.finished() if s.name.startswith("authenticate ")]
        return sorted(found, key=lambda s: s.start_time or 0)

    def points(self, name: str) -> list[tuple[dict[str, Any], Any]]:
        """``(attributes, value or histogram count)`` of every data point of metric ``name``."""
        data = self.metrics.get_metrics_data()
        found = []
        for rm in data.resource_metrics if data else ():
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    if m.name == name:
                        for p in m.data.data_points:
                            found.append((dict(p.attributes or {}), getattr(p, "value", None) or p.count))
        return found

    def texts(self) -> list[str]:
        """Every string exported: span names, string attributes, events, statuses, metric labels."""
        out: list[str] = []
        for s in self.finished():
            out += [s.name, s.status.description or ""]
            out += [v for v in (s.attributes or {}).values() if isinstance(v, str)]
            for e in s.events:
                out += [e.name, *(str(v) for v in (e.attributes or {}).values())]
        data = self.metrics.get_metrics_data()
        for rm in data.resource_metrics if data else ():
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    for p in m.data.data_points:
                        out += [v for v in (p.attributes or {}).values() if isinstance(v, str)]
        return [t for t in out if t]


@contextmanager
def exporting() -> Iterator[Exported]:
    """idpbridge's OpenTelemetry on, into in-memory SDK exporters (off again afterwards)."""
    spans, metrics = InMemorySpanExporter(), InMemoryMetricReader()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    idpbridge.enable_opentelemetry(
        tracer_provider=tracer_provider, meter_provider=MeterProvider(metric_readers=[metrics])
    )
    try:
        yield Exported(spans, metrics)
    finally:
        idpbridge.disable_opentelemetry()
