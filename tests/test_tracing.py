"""OpenTelemetry tracing through a real server on both protocols (``curation.tracing``, the adapters'
instrumentations): the caller's W3C ``traceparent`` is continued, the stages are child spans, log lines
carry the trace, and with tracing off nothing is recorded, even with a global provider installed."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from curation.logs import JsonFormatter
from curation.server import serve
from curation.settings import Settings
from curation.tracing import SERVICE_NAME, build_tracer_provider, span_exporters
from curation.v1 import classification_pb2 as pb
from curation.v1 import diagnostics_pb2_grpc
from curation.wiring import build_runtime, start_tracing
from tests.rpc.conftest import NAME, FakeScoring, fake_spec

TRACE_ID = 0x4BF92F3577B34DA6A3CE929D0E0E4736
PARENT_ID = 0x00F067AA0BA902B7
TRACEPARENT = f"00-{TRACE_ID:032x}-{PARENT_ID:016x}-01"
PATH = "/v1/diagnostics/classification:score"
BODY = {"class_names": ["a"], "asset_ids": ["x"], "y_true": [0], "y_pred": [0]}
STAGES = {"curation.lookup", "curation.decode", "curation.compute", "curation.encode"}


class _Lines(logging.Handler):
    """The service's log lines as the entry point formats them with tracing on, parsed."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter(trace_ids=True))
        self.docs: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.docs.append(json.loads(self.format(record)))


@dataclass
class Running:
    http_port: int
    grpc_port: int
    lines: _Lines


Start = Callable[[TracerProvider | None], Awaitable[Running]]


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> TracerProvider:
    traced = TracerProvider()
    traced.add_span_processor(SimpleSpanProcessor(exporter))
    return traced


@pytest.fixture
async def start(caplog: pytest.LogCaptureFixture) -> AsyncIterator[Start]:
    """Serve the fake operation on both protocols, traced by the given provider (None: tracing off)."""
    caplog.set_level(logging.INFO, logger="curation")
    lines = _Lines()
    logging.getLogger("curation").addHandler(lines)
    running: list[tuple[asyncio.Event, asyncio.Task[int]]] = []

    async def make(provider: TracerProvider | None) -> Running:
        settings = Settings(host="127.0.0.1", http_port=0, grpc_port=0, workers=1, shutdown_grace_seconds=2)
        runtime = build_runtime(settings, [fake_spec(FakeScoring())])
        start_tracing(runtime, provider)
        stop = asyncio.Event()
        running.append((stop, asyncio.create_task(serve(settings, stop=stop, runtime=runtime))))
        for _ in range(1000):
            listening = [r for r in caplog.records if r.getMessage() == "listening"]
            serving = [r for r in caplog.records if r.getMessage() == "serving"]
            if len(listening) == len(serving) == len(running):
                ports = listening[-1].__dict__
                return Running(int(ports["http_port"]), int(ports["grpc_port"]), lines)
            await asyncio.sleep(0.01)
        raise AssertionError("the server did not start")

    try:
        yield make
    finally:
        for stop, task in running:
            stop.set()
            assert await asyncio.wait_for(task, 30) == 0
        logging.getLogger("curation").removeHandler(lines)


async def _call_grpc(port: int, request: pb.ScoreClassificationRequest) -> grpc.StatusCode:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        try:
            await diagnostics_pb2_grpc.DiagnosticsServiceStub(channel).ScoreClassification(
                request, metadata=(("traceparent", TRACEPARENT),)
            )
        except grpc.aio.AioRpcError as exc:
            return exc.code()
    return grpc.StatusCode.OK


async def _call_rest(port: int) -> int:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        assert (await client.get("/healthz")).status_code == 200
        response = await client.post(PATH, json=BODY, headers={"traceparent": TRACEPARENT})
    return response.status_code


def _server_span(spans: tuple[ReadableSpan, ...], name: str) -> ReadableSpan:
    [span] = [s for s in spans if s.kind == SpanKind.SERVER]
    assert span.name == name
    return span


def _check_continues_the_caller(server: ReadableSpan, spans: tuple[ReadableSpan, ...]) -> None:
    """The server span is the caller's child, every other span is in its trace, under it."""
    assert server.context is not None and server.parent is not None
    assert (server.context.trace_id, server.parent.span_id, server.parent.is_remote) == (
        TRACE_ID,
        PARENT_ID,
        True,
    )
    stages = [s for s in spans if s.name in STAGES]
    assert {s.name for s in stages} >= {"curation.lookup", "curation.compute", "curation.encode"}
    for span in stages:
        assert span.context is not None and span.parent is not None
        assert span.context.trace_id == TRACE_ID
        assert span.parent.span_id == server.context.span_id


def _line(lines: _Lines, logger: str) -> dict[str, object]:
    """The one line ``logger`` wrote about the scoring call."""
    [doc] = [d for d in lines.docs if d["logger"] == logger and d.get("rpc") == NAME]
    return doc


async def test_a_grpc_call_continues_the_callers_trace(
    start: Start, provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    running = await start(provider)
    request = pb.ScoreClassificationRequest(**BODY)  # type: ignore[arg-type]
    assert await _call_grpc(running.grpc_port, request) == grpc.StatusCode.OK
    spans = exporter.get_finished_spans()
    server = _server_span(spans, f"/{NAME}")  # health is not traced
    _check_continues_the_caller(server, spans)
    assert server.resource is provider.resource
    assert server.attributes is not None and server.attributes["rpc.service"] == NAME.split("/")[0]
    assert server.context is not None
    line = _line(running.lines, "curation.rpc")  # the call's log line, written by the handler
    assert (line["code"], line["trace_id"], line["span_id"]) == (
        "OK",
        f"{TRACE_ID:032x}",
        f"{server.context.span_id:016x}",
    )


async def test_a_refused_grpc_call_records_its_status(
    start: Start, provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    running = await start(provider)
    bad = pb.ScoreClassificationRequest(class_names=["a"], asset_ids=["x"], y_true=[-1], y_pred=[0])
    assert await _call_grpc(running.grpc_port, bad) == grpc.StatusCode.INVALID_ARGUMENT
    server = _server_span(exporter.get_finished_spans(), f"/{NAME}")
    # The semantic conventions: a caller's mistake is not a server error (INTERNAL, UNAVAILABLE... are).
    assert server.status.status_code == StatusCode.UNSET
    assert server.attributes is not None
    assert server.attributes["rpc.grpc.status_code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]


async def test_a_rest_call_continues_the_callers_trace(
    start: Start, provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    running = await start(provider)
    assert await _call_rest(running.http_port) == 200
    spans = exporter.get_finished_spans()
    server = _server_span(spans, f"POST {PATH}")  # /healthz is not traced
    _check_continues_the_caller(server, spans)
    assert server.context is not None
    access = _line(running.lines, "curation.rest")  # the access log, written by the outermost middleware
    assert (access["path"], access["trace_id"], access["span_id"]) == (
        PATH,
        f"{TRACE_ID:032x}",
        f"{server.context.span_id:016x}",
    )


@pytest.fixture
def global_provider(provider: TracerProvider, monkeypatch: pytest.MonkeyPatch) -> Iterator[TracerProvider]:
    """``provider`` installed as OpenTelemetry's global one for this test only (as a wrapper such as
    ``opentelemetry-instrument`` would): whatever picks up the global provider records into it."""
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", provider)
    yield provider


async def test_with_tracing_off_nothing_is_recorded(
    start: Start, global_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    running = await start(None)
    request = pb.ScoreClassificationRequest(**BODY)  # type: ignore[arg-type]
    assert await _call_grpc(running.grpc_port, request) == grpc.StatusCode.OK
    assert await _call_rest(running.http_port) == 200
    assert exporter.get_finished_spans() == ()
    for logger in ("curation.rpc", "curation.rest"):
        assert not {"trace_id", "span_id"} & set(_line(running.lines, logger))
    # The same provider, given to the service, does record: the check above can fail.
    traced = await start(global_provider)
    assert await _call_rest(traced.http_port) == 200
    assert exporter.get_finished_spans() != ()


@pytest.mark.parametrize(
    ("env", "exporters"),
    [
        ({}, ()),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317"}, ()),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317"}, ("otlp_proto_grpc",)),
        (
            {
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            },
            ("otlp_proto_http",),
        ),
        (
            {"OTEL_TRACES_EXPORTER": "otlp,console", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"},
            ("otlp_proto_grpc", "console"),
        ),
        ({"OTEL_TRACES_EXPORTER": "console", "OTEL_SDK_DISABLED": "true"}, ()),
    ],
)
def test_exporters_follow_the_standard_variables(env: dict[str, str], exporters: tuple[str, ...]) -> None:
    settings = Settings.from_env(env)
    assert (settings.trace_exporters, settings.tracing) == (exporters, bool(exporters))


def test_an_unknown_protocol_or_exporter_is_bad_configuration() -> None:
    with pytest.raises(ValueError, match="OTLP protocol"):
        Settings.from_env({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"})
    with pytest.raises(ValueError, match="no OpenTelemetry span exporter named 'zipkin'"):
        span_exporters(Settings.from_env({"OTEL_TRACES_EXPORTER": "zipkin"}))


def test_the_provider_names_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    assert build_tracer_provider(Settings()) is None
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.delenv("OTEL_RESOURCE_ATTRIBUTES", raising=False)
    built = build_tracer_provider(Settings(trace_exporters=("console",)))
    assert built is not None and built.resource.attributes["service.name"] == SERVICE_NAME
    built.shutdown()
    monkeypatch.setenv("OTEL_SERVICE_NAME", "curation-eu")
    renamed = build_tracer_provider(Settings(trace_exporters=("console",)))
    assert renamed is not None and renamed.resource.attributes["service.name"] == "curation-eu"
    renamed.shutdown()
