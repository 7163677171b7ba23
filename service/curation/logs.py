"""Structured JSON logs carrying the request ID, and the trace, of the request being served.

The request ID lives in a context variable set by each adapter (from ``x-request-id`` or a fresh one),
so every log line emitted while serving a request, in any module, carries it. With tracing on
(``trace_ids``), a line emitted within a span also carries its ``trace_id`` and ``span_id`` (W3C hex, as
trace back ends index them), read from OpenTelemetry's context; with tracing off nothing is looked up.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

__all__ = ["REQUEST_ID", "JsonFormatter", "configure_logging", "new_request_id", "sanitize_request_id"]

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("curation_request_id", default="")

_MAX_REQUEST_ID = 128
# uvicorn adds an ANSI-coloured copy of its message: noise in a JSON line.
_DROPPED = frozenset({"color_message"})
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def new_request_id() -> str:
    """A fresh random request ID."""
    return uuid.uuid4().hex


def sanitize_request_id(value: str | None) -> str:
    """The caller's ID if it is short printable ASCII, else a fresh one (never echo control bytes)."""
    if value and len(value) <= _MAX_REQUEST_ID and value.isascii() and value.isprintable():
        return value
    return new_request_id()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, trace_id and span_id (with
    ``trace_ids``, inside a span) and any ``extra`` fields."""

    def __init__(self, *, trace_ids: bool = False) -> None:
        super().__init__()
        self._trace: Callable[[dict[str, Any]], None] | None = _trace_fields() if trace_ids else None

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            doc["request_id"] = request_id
        if self._trace is not None:
            self._trace(doc)
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and key not in _DROPPED and not key.startswith("_"):
                doc[key] = value
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str)


def _trace_fields() -> Callable[[dict[str, Any]], None]:
    """What adds the current span's IDs to a line; OpenTelemetry is imported only then (its API costs an
    untraced server's start, and every compute process's, tens of milliseconds)."""
    from opentelemetry import trace  # noqa: PLC0415

    def add(doc: dict[str, Any]) -> None:
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            doc["trace_id"] = trace.format_trace_id(span.trace_id)
            doc["span_id"] = trace.format_span_id(span.span_id)

    return add


def configure_logging(level: str = "INFO", *, trace_ids: bool = False) -> None:
    """Send every log record to stderr as JSON (called by the server entry point, again once the settings
    say the level and whether tracing is on)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(trace_ids=trace_ids))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).setLevel(logging.WARNING)
