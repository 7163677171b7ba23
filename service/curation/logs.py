"""Structured JSON logs carrying the request ID of the request being served.

The request ID lives in a context variable set by each adapter (from ``x-request-id`` or a fresh one),
so every log line emitted while serving a request, in any module, carries it.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
import uuid
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
    """One JSON object per line: time, level, logger, message, request_id and any ``extra`` fields."""

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
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and key not in _DROPPED and not key.startswith("_"):
                doc[key] = value
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Send every log record to stderr as JSON (called once by the server entry point)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).setLevel(logging.WARNING)
