"""The gRPC server's interceptors: the standard metrics always, OpenTelemetry's server spans when on.

Tracing uses the maintained instrumentation (``opentelemetry-instrumentation-grpc``'s grpc.aio server
interceptor): a SERVER span per call named ``/package.Service/Method``, child of the caller's trace when
the call carries W3C ``traceparent`` metadata (the global propagator: ``OTEL_PROPAGATORS``, default
tracecontext and baggage). Health and reflection calls are left out: probes every few seconds are noise,
and health's ``Watch`` writes through its context, which that interceptor's streaming wrapper cannot
drive. With tracing off the instrumentation is not imported and the server has no tracing interceptor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc

from curation.rpc.server_metrics import ServerMetricsInterceptor

if TYPE_CHECKING:
    from curation.wiring import Runtime

__all__ = ["UNTRACED_SERVICES", "server_interceptors"]

UNTRACED_SERVICES = ("grpc.health.v1.Health", "grpc.reflection.")


def server_interceptors(runtime: Runtime) -> list[grpc.aio.ServerInterceptor]:
    """The interceptors of a server over ``runtime``, outermost first (the span covers the counting)."""
    interceptors: list[grpc.aio.ServerInterceptor] = [ServerMetricsInterceptor(runtime.metrics)]
    if runtime.tracer_provider is not None:
        # Imported only when tracing is on (about 30 ms of imports an untraced server never pays).
        from opentelemetry.instrumentation.grpc import aio_server_interceptor  # noqa: PLC0415
        from opentelemetry.instrumentation.grpc.filters import all_of, negate, service_prefix  # noqa: PLC0415

        traced = all_of(*(negate(service_prefix(prefix)) for prefix in UNTRACED_SERVICES))
        tracing = aio_server_interceptor(tracer_provider=runtime.tracer_provider, filter_=traced)  # type: ignore[no-untyped-call]
        interceptors.insert(0, tracing)
    return interceptors
