"""Prometheus metrics of one process: requests, latencies, cache hits, misses and errors.

Both adapters record into the same collectors (label ``protocol`` tells them apart), so /metrics shows
one picture of the service whichever protocol a caller used. Beside ours, the standard gRPC server
metrics under go-grpc-prometheus's names and labels (``grpc_server_started_total``,
``grpc_server_handled_total``, ``grpc_server_msg_received_total``, ``grpc_server_msg_sent_total``,
``grpc_server_handling_seconds``), recorded by ``curation.rpc.server_metrics`` for every gRPC service
(health and reflection too), so dashboards and alerts written for any gRPC server read this one. Those
are counted in plain integers (``GrpcMethodStats``, one per method, bound once) and turned into
Prometheus families when scraped: a call pays a few integer additions, not a lock per counter (the
prometheus-client way cost about 10 us a call, measured).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

__all__ = ["CONTENT_TYPE_LATEST", "GRPC_LABELS", "GrpcMethodStats", "GrpcServerMetrics", "Metrics"]

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
# go-grpc-prometheus's labels: grpc_type is unary, client_stream, server_stream or bidi_stream.
GRPC_LABELS = ("grpc_type", "grpc_service", "grpc_method")


class Metrics:
    """The collectors, in a registry of their own (so tests can build as many services as they like)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "curation_requests",
            "Requests answered, by protocol, method and outcome code.",
            ["protocol", "method", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "curation_request_duration_seconds",
            "Time from request received to response sent, by protocol and method.",
            ["protocol", "method"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "curation_requests_in_flight", "Requests being handled now.", ["protocol"], registry=self.registry
        )
        self.cache_lookups = Counter(
            "curation_cache_lookups",
            "Cache lookups by backend and result (hit or miss).",
            ["backend", "result"],
            registry=self.registry,
        )
        self.cache_errors = Counter(
            "curation_cache_errors",
            "Cache backend failures (the request was answered without the cache).",
            ["backend", "kind"],
            registry=self.registry,
        )
        self.cache_stores = Counter(
            "curation_cache_stores",
            "Values written to the cache, refused (oversize) or rejected on read (corrupt, stale).",
            ["backend", "result"],
            registry=self.registry,
        )
        self.cache_rejected = Counter(
            "curation_cache_rejected",
            "Cache entries read but not served (then recomputed and overwritten), by reason: corrupt, "
            "mismatch (schema, operation or key digest), unsigned, unknown_key, bad_signature (forged or "
            "tampered).",
            ["backend", "reason"],
            registry=self.registry,
        )
        self.compute_seconds = Histogram(
            "curation_compute_seconds",
            "Time spent computing uncached answers in worker threads, by operation.",
            ["operation"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        # The standard gRPC server metrics (the module docstring), in a collector of their own.
        self.grpc_server = GrpcServerMetrics()
        self.registry.register(self.grpc_server)

    # CacheObserver: the cache reports through these, without importing prometheus itself.
    def on_hit(self, backend: str) -> None:
        self.cache_lookups.labels(backend, "hit").inc()

    def on_miss(self, backend: str) -> None:
        self.cache_lookups.labels(backend, "miss").inc()

    def on_error(self, backend: str, kind: str) -> None:
        self.cache_errors.labels(backend, kind).inc()

    def on_store(self, backend: str) -> None:
        self.cache_stores.labels(backend, "stored").inc()

    def on_reject_oversize(self, backend: str) -> None:
        self.cache_stores.labels(backend, "oversize").inc()

    def on_reject_invalid(self, backend: str, reason: str) -> None:
        self.cache_stores.labels(backend, "invalid").inc()
        self.cache_rejected.labels(backend, reason).inc()

    def observe_compute(self, operation: str, seconds: float) -> None:
        self.compute_seconds.labels(operation).observe(seconds)

    def render(self) -> bytes:
        """The Prometheus text exposition of every collector."""
        return generate_latest(self.registry)


class GrpcMethodStats:
    """The standard gRPC server counts of one method (labels ``GRPC_LABELS``), updated in place.

    Only the serving process's event loop updates them (grpc.aio runs every handler on it), so plain
    integers need no lock; a scrape reads them whole.
    """

    __slots__ = ("buckets", "handled", "received", "seconds", "sent", "started")

    def __init__(self) -> None:
        self.started = 0
        self.received = 0
        self.sent = 0
        self.handled: dict[str, int] = {}  # status code name -> calls
        self.buckets = [0] * (len(_LATENCY_BUCKETS) + 1)  # the last one is +Inf
        self.seconds = 0.0

    def done(self, code: str, seconds: float) -> None:
        """One call ended with ``code`` after ``seconds``."""
        self.handled[code] = self.handled.get(code, 0) + 1
        self.buckets[bisect_left(_LATENCY_BUCKETS, seconds)] += 1
        self.seconds += seconds


class GrpcServerMetrics(Collector):
    """go-grpc-prometheus's five families over the ``GrpcMethodStats`` of every method called so far."""

    def __init__(self) -> None:
        self._methods: dict[tuple[str, str, str], GrpcMethodStats] = {}

    def method(self, grpc_type: str, service: str, method: str) -> GrpcMethodStats:
        """The stats of one method (made on first use; bind it once, not per call)."""
        return self._methods.setdefault((grpc_type, service, method), GrpcMethodStats())

    def collect(self) -> Iterator[Metric]:
        started = CounterMetricFamily(
            "grpc_server_started", "RPCs started on the server.", labels=GRPC_LABELS
        )
        handled = CounterMetricFamily(
            "grpc_server_handled",
            "RPCs completed on the server, by status code, whether they succeeded or failed.",
            labels=[*GRPC_LABELS, "grpc_code"],
        )
        received = CounterMetricFamily(
            "grpc_server_msg_received",
            "Messages received by the server (one per unary request, each one of a stream).",
            labels=GRPC_LABELS,
        )
        sent = CounterMetricFamily(
            "grpc_server_msg_sent",
            "Messages sent by the server (one per unary response, each one of a stream).",
            labels=GRPC_LABELS,
        )
        seconds = HistogramMetricFamily(
            "grpc_server_handling_seconds",
            "Time from an RPC's start to its end as the server's handler saw it.",
            labels=GRPC_LABELS,
        )
        for labels, stats in list(self._methods.items()):
            started.add_metric(labels, stats.started)
            received.add_metric(labels, stats.received)
            sent.add_metric(labels, stats.sent)
            for code, count in list(stats.handled.items()):
                handled.add_metric([*labels, code], count)
            cumulative, total = [], 0
            for bound, count in zip(
                [*map(floatToGoString, _LATENCY_BUCKETS), "+Inf"], stats.buckets, strict=True
            ):
                total += count
                cumulative.append((bound, float(total)))
            seconds.add_metric(labels, cumulative, stats.seconds)
        yield from (started, handled, received, sent, seconds)
