"""JSON log lines (``curation.logs``): the request ID always, the trace and span IDs inside a span when
tracing is on."""

from __future__ import annotations

import json
import logging

from opentelemetry.sdk.trace import TracerProvider

from curation.logs import REQUEST_ID, JsonFormatter


def _line(formatter: JsonFormatter) -> dict[str, object]:
    record = logging.LogRecord("curation.test", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    record.rpc = "X/Y"
    doc = json.loads(formatter.format(record))
    assert isinstance(doc, dict)
    return doc


def test_a_line_carries_the_request_id_and_extra_fields() -> None:
    token = REQUEST_ID.set("req-1")
    try:
        doc = _line(JsonFormatter())
    finally:
        REQUEST_ID.reset(token)
    assert (doc["message"], doc["request_id"], doc["rpc"], doc["level"]) == (
        "hello you",
        "req-1",
        "X/Y",
        "info",
    )


def test_inside_a_span_a_line_carries_its_trace_and_span_ids() -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("outer") as span:
        traced, untraced = _line(JsonFormatter(trace_ids=True)), _line(JsonFormatter())
    context = span.get_span_context()
    assert (traced["trace_id"], traced["span_id"]) == (f"{context.trace_id:032x}", f"{context.span_id:016x}")
    assert "trace_id" not in untraced and "span_id" not in untraced
    outside = _line(JsonFormatter(trace_ids=True))
    assert "trace_id" not in outside and "span_id" not in outside
