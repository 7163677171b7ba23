"""OpenTelemetry on the REST side: the maintained ASGI instrumentation when tracing is on, nothing else.

``opentelemetry-instrumentation-fastapi`` wraps the whole middleware stack, so the SERVER span (named
``POST /v1/...``, the route's template) is current in every middleware and route, including the access
log line of ``RequestContextMiddleware``; it continues the caller's trace from W3C ``traceparent`` (the
global propagator: ``OTEL_PROPAGATORS``, default tracecontext and baggage). Probes and ``/metrics`` are
left out, and so are the per-message ``receive`` / ``send`` spans (noise at one per body chunk).
FastAPI's own built-in telemetry stays off (``NATIVE_TELEMETRY_OFF``): one source of spans, and none when
tracing is off, whatever global provider a wrapper may have installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

__all__ = ["NATIVE_TELEMETRY_OFF", "UNTRACED_PATHS", "trace_app"]

NATIVE_TELEMETRY_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
UNTRACED_PATHS = ("/healthz", "/readyz", "/metrics")


def trace_app(app: FastAPI, provider: TracerProvider) -> None:
    """Trace every request of ``app`` (but ``UNTRACED_PATHS``) with ``provider``; call before it serves."""
    # Imported only when tracing is on (about 30 ms of imports an untraced server never pays).
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor  # noqa: PLC0415
    from opentelemetry.metrics import NoOpMeterProvider  # noqa: PLC0415

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        # Our Prometheus metrics count requests already (curation.metrics).
        meter_provider=NoOpMeterProvider(),
        excluded_urls=",".join(f"{path}$" for path in UNTRACED_PATHS),
        exclude_spans=["receive", "send"],
    )
