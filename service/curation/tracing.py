"""OpenTelemetry tracing in the serving process: the tracer provider the settings ask for, and stage spans.

Off unless an exporter is configured (``Settings.trace_exporters``, from the standard ``OTEL_*``
variables): then the SDK is not imported, the adapters install no instrumentation and ``Stages`` opens
no span, so an untraced request pays nothing. On: one SDK ``TracerProvider`` with a batch processor per
exporter. The SDK reads the rest of the standard variables itself: the resource (``OTEL_SERVICE_NAME``,
``OTEL_RESOURCE_ATTRIBUTES``; the service name defaults to ``curation-service``), the sampler
(``OTEL_TRACES_SAMPLER``, default parent-based always-on, so a sampled caller's trace is recorded) and
the batching (``OTEL_BSP_*``); each exporter its endpoint, headers, timeout and TLS (``OTEL_EXPORTER_*``).

The adapters hand the provider to the gRPC and ASGI instrumentations (``curation.rpc.tracing``,
``curation.rest.app``); the gateway opens a span per stage of a call below the server span (``Stages``).
Compute processes record no spans: a call they answer shows as one ``curation.compute_process`` span in
the serving process, and their log lines carry the request ID, which the serving process's lines join to
the trace ID.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from importlib.metadata import entry_points
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

import curation

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Tracer

    from curation.settings import Settings

__all__ = ["SERVICE_NAME", "Stages", "build_tracer_provider", "span_exporters"]

SERVICE_NAME = "curation-service"
_EXPORTERS = "opentelemetry_traces_exporter"
_OFF: AbstractContextManager[Any] = nullcontext()


def span_exporters(settings: Settings) -> list[type[Any]]:
    """The span exporter classes of ``settings.trace_exporters`` (empty when tracing is off).

    Raises ``ValueError`` when the SDK or a named exporter is not installed (the ``[otel]`` extra brings
    the SDK and ``otlp_proto_grpc``, ``otlp_proto_http`` and ``console``): the entry point checks it at
    start, before anything else, as a configuration error.
    """
    if not settings.tracing:
        return []
    if find_spec("opentelemetry.sdk") is None:
        raise ValueError(
            "tracing is configured (OTEL_TRACES_EXPORTER or OTEL_EXPORTER_OTLP_ENDPOINT) but the "
            "OpenTelemetry SDK is not installed: pip install 'curation-service[otel]'"
        )
    classes = []
    for name in settings.trace_exporters:
        found = entry_points(group=_EXPORTERS, name=name)
        if not found:
            raise ValueError(
                f"no OpenTelemetry span exporter named {name!r} is installed "
                "(pip install 'curation-service[otel]' brings otlp and console)"
            )
        classes.append(next(iter(found)).load())
    return classes


def build_tracer_provider(settings: Settings) -> TracerProvider | None:
    """The provider exporting to ``settings.trace_exporters``, or None when tracing is off.

    Call it after the compute processes are forked: each batch processor starts a thread, and a process
    with threads does not fork. Raises ``ValueError`` as ``span_exporters`` does.
    """
    exporters = span_exporters(settings)
    if not exporters:
        return None
    from opentelemetry.sdk.resources import Resource  # noqa: PLC0415  (only when tracing is on)
    from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415
    from opentelemetry.sdk.trace.export import BatchSpanProcessor  # noqa: PLC0415

    resource = Resource.create({"service.version": curation.__version__})
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": SERVICE_NAME}))
    provider = TracerProvider(resource=resource)
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(exporter()))
    return provider


class Stages:
    """Spans around the stages of a call (decode, compute, encode, the hop to a compute process).

    Shared by the gateways of one process and off (no tracer) until tracing starts
    (``curation.wiring.start_tracing``): then each stage is a child of the server span in effect.
    """

    def __init__(self) -> None:
        self.tracer: Tracer | None = None

    def span(self, name: str, attributes: dict[str, Any] | None = None) -> AbstractContextManager[Any]:
        """A span named ``name`` made current for the ``with`` block, or nothing when tracing is off."""
        tracer = self.tracer
        if tracer is None:
            return _OFF
        return tracer.start_as_current_span(name, attributes=attributes)
