"""Pure ASGI middleware: request context (ID, metrics, access log, audit log), the shutdown gate and the
request body size limit.

Pure ASGI rather than ``BaseHTTPMiddleware`` so the limit applies to the byte stream itself (before
anything is buffered or parsed) and the request ID context variable reaches the route unchanged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from curation import audit
from curation.contract import REQUEST_ID_HEADER
from curation.draining import SHUTTING_DOWN, Drain
from curation.errors import INTERNAL_MESSAGE, CurationError, InvalidArgument, PayloadTooLarge, Unavailable
from curation.logs import REQUEST_ID, sanitize_request_id
from curation.metrics import Metrics
from curation.rest.errors import error_response

__all__ = ["BodyLimitMiddleware", "DrainMiddleware", "RequestContextMiddleware"]

access_log = logging.getLogger("curation.rest")

# What a request that stopped because its client went away is counted as (nginx's convention).
CLIENT_CLOSED_REQUEST = 499


class DrainMiddleware:
    """The shutdown gate (``Runtime.drain``) on REST: once shutdown has begun, a call gets 503
    ``unavailable`` with ``Connection: close`` (also on a kept-alive connection, which is then closed
    cleanly instead of reset), and every other response -- calls admitted before, and the probes in
    ``always_open``, which keep answering -- carries ``Connection: close`` too. Admitted calls are
    counted in flight so shutdown knows when they are done."""

    def __init__(self, app: ASGIApp, *, drain: Drain, always_open: frozenset[str]) -> None:
        self.app = app
        self.drain = drain
        self.always_open = always_open

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start" and self.drain.draining:
                MutableHeaders(scope=message)["connection"] = "close"
            await send(message)

        if scope["path"] in self.always_open:
            await self.app(scope, receive, closing)
        elif self.drain.draining:
            await error_response(Unavailable(SHUTTING_DOWN), close=True)(scope, receive, send)
        else:
            with self.drain.call():
                await self.app(scope, receive, closing)


class BodyLimitMiddleware:
    """Reject bodies over ``max_bytes`` with 413 ``payload_too_large`` before they are read or parsed.

    A declared ``Content-Length`` over the limit is answered at once, without reading a byte. Without
    one (chunked transfer), the bytes are counted as they arrive and reading stops with
    ``PayloadTooLarge`` as soon as the count passes the limit (the route's exception handler answers).
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            problem: CurationError | None = None
            if not declared.isdigit():
                problem = InvalidArgument("Content-Length must be a decimal integer", field="content-length")
            elif int(declared) > self.max_bytes:
                problem = self._too_large()
            if problem is not None:
                await error_response(problem)(scope, receive, send)
                return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large()
            return message

        await self.app(scope, limited, send)

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"request body is larger than {self.max_bytes} bytes", field="body")


class RequestContextMiddleware:
    """Per request: the request ID (``x-request-id`` in, sanitized, or a fresh one; set in the logs'
    context variable and echoed as a response header), in-flight/count/latency metrics labelled
    ``protocol="rest"`` and the RPC name (or the path of a known non-RPC route), one access log line, and
    for the paths of ``rpcs`` one audit line (``curation.audit``; the route fills in who and how much).
    """

    def __init__(
        self, app: ASGIApp, *, metrics: Metrics, labels: Mapping[str, str], rpcs: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.metrics = metrics
        # path -> metric label; anything else is "other" (fuzzed paths must not grow label sets).
        self.labels = dict(labels)
        self.rpcs = rpcs

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = sanitize_request_id(Headers(scope=scope).get(REQUEST_ID_HEADER))
        token = REQUEST_ID.set(request_id)
        label = self.labels.get(scope["path"], "other")
        status = 500
        started = False
        began = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        record = audit.AuditRecord("rest", label) if scope["path"] in self.rpcs else None
        audited = audit.begin(record)
        in_flight = self.metrics.in_flight.labels("rest")
        in_flight.inc()
        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:  # the client left (or its body timed out): nobody to answer
            status = CLIENT_CLOSED_REQUEST
        except Exception:
            access_log.exception("unhandled error", extra={"path": scope["path"]})
            if started:
                raise
            await error_response(CurationError(INTERNAL_MESSAGE))(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - began
            in_flight.dec()
            self.metrics.requests.labels("rest", label, str(status)).inc()
            self.metrics.latency.labels("rest", label).observe(seconds)
            access_log.info(
                "%s %s %d",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "rpc": label,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                },
            )
            if record is not None:
                audit.emit(record, audit.http_outcome(status), seconds, http_status=status)
            audit.end(audited)
            REQUEST_ID.reset(token)
