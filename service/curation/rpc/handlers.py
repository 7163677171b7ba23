"""The gRPC handlers, generated from the ops registry: one shared wrapper, no per-RPC servicer code.

For every registered operation the wrapper (0) refuses the call with UNAVAILABLE once shutdown has
begun (``Runtime.drain``) and counts it in flight otherwise, (1) takes the request ID from
``x-request-id`` (sanitized, or a fresh one), sets it in the logs' context variable and echoes it as
initial metadata, (2) reads the raw ``authorization`` value, ``x-curation-namespace`` and the caller's
deadline (``context.time_remaining()``) and asks the seam's entry (``Runtime.access``) for the call's
context -- authentication, the namespace and the operation's scope are checked there, before a byte of
the request is handed on,
(3) hands the raw request bytes to the runtime's gateway (``curation.ops.gateway``: fast path for a
byte-identical repeat, parsing, the seam, serializing — off the event loop), (4) maps a
``CurationError`` to ``context.abort`` with its ``google.rpc.Status`` (``curation.rpc.errors``),
and anything unexpected to INTERNAL (logged with the request ID), and
(5) records metrics (``protocol="grpc"``, the RPC name and the status code name), one structured
log line and one audit line (``curation.audit``).

Requests arrive and responses leave as raw bytes: parsing and serializing happen in the gateway, so a
malformed message is an ``invalid_argument`` like any other bad input. A call the client cancels (or
whose deadline passes) cancels its computation.

Client-streaming RPCs: the raw chunks are collected (their total size bounded by ``max_request_bytes``)
and handed to the gateway, which decodes and merges them and answers like the unary operation they
stand for.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import grpc

from curation import audit
from curation.contract import AUTHORIZATION_HEADER, NAMESPACE_HEADER, OFF_LOOP_BYTES, REQUEST_ID_HEADER
from curation.errors import INTERNAL_MESSAGE, CurationError, PayloadTooLarge
from curation.logs import REQUEST_ID, sanitize_request_id
from curation.ops import Caller, Context, body_digest
from curation.ops.gateway import PROTO
from curation.rpc.errors import abort_status, grpc_status
from curation.rpc.methods import RpcMethod, rpc_methods, services_of

if TYPE_CHECKING:
    from curation.wiring import Runtime

__all__ = ["build_generic_handlers", "caller_from_metadata"]

log = logging.getLogger("curation.rpc")

_Body = Callable[[Any, Context], Awaitable[bytes]]


def caller_from_metadata(context: grpc.aio.ServicerContext[Any, Any], request_id: str) -> Caller:
    """What a call says of itself: its ``authorization`` and namespace metadata (unchecked) and its
    deadline (from the call's time remaining)."""
    found: dict[str, str] = {}
    for key, value in context.invocation_metadata() or ():
        if key in (AUTHORIZATION_HEADER, NAMESPACE_HEADER) and isinstance(value, str):
            found[key] = value
    remaining = context.time_remaining()
    deadline = None if remaining is None else time.monotonic() + remaining
    return Caller(
        authorization=found.get(AUTHORIZATION_HEADER),
        namespace=found.get(NAMESPACE_HEADER),
        request_id=request_id,
        deadline=deadline,
    )


def _request_id(context: grpc.aio.ServicerContext[Any, Any]) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == REQUEST_ID_HEADER and isinstance(value, str):
            return sanitize_request_id(value)
    return sanitize_request_id(None)


def _wrap(method: RpcMethod, runtime: Runtime, body: _Body) -> Callable[..., Awaitable[bytes]]:
    """The shared behaviour around one RPC's ``body`` (see the module docstring)."""
    name = method.spec.name
    metrics = runtime.metrics
    drain = runtime.drain

    async def behavior(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
        began = time.perf_counter()
        request_id = _request_id(context)
        token = REQUEST_ID.set(request_id)
        in_flight = metrics.in_flight.labels("grpc")
        in_flight.inc()
        code = grpc.StatusCode.UNKNOWN  # until the call ends one way or another
        ctx: Context | None = None
        record = audit.AuditRecord("grpc", name)
        audited = audit.begin(record)
        try:
            await context.send_initial_metadata(((REQUEST_ID_HEADER, request_id),))
            error: CurationError
            try:
                with drain.call():  # UNAVAILABLE once shutdown has begun (never CANCELLED: clients retry it)
                    ctx = await runtime.access.admit(name, caller_from_metadata(context, request_id))
                    response = await body(request, ctx)
                    record.response_bytes = len(response)
                code = grpc.StatusCode.OK
                return response
            except CurationError as exc:
                error = exc
            except asyncio.CancelledError:
                code = grpc.StatusCode.CANCELLED
                raise
            except Exception:
                log.exception("unexpected error in %s", name, extra={"rpc": name})
                error = CurationError(INTERNAL_MESSAGE)
            code = grpc_status(error.kind)
            # abort(), not abort_with_status(): the same ending, but through the context's own abort,
            # which a wrapping interceptor (OpenTelemetry's) sees and records the status of.
            status = abort_status(error, request_id)
            await context.abort(status.code, status.details, status.trailing_metadata)
        finally:
            seconds = time.perf_counter() - began
            in_flight.dec()
            metrics.requests.labels("grpc", name, code.name).inc()
            metrics.latency.labels("grpc", name).observe(seconds)
            log.info(
                "%s %s",
                name,
                code.name,
                extra={
                    "protocol": "grpc",
                    "rpc": name,
                    "code": code.name,
                    "namespace": ctx.namespace if ctx is not None else "",
                    "duration_ms": round(seconds * 1000, 3),
                },
            )
            audit.emit(record, code.name, seconds)
            audit.end(audited)
            REQUEST_ID.reset(token)

    return behavior


def _unary_body(method: RpcMethod, runtime: Runtime) -> _Body:
    name = method.spec.name

    async def body(raw: bytes, ctx: Context) -> bytes:
        # A small body's digest is cheap here and spares the gateway computing it; a large one's is
        # computed off the event loop by the gateway (and not audited).
        digest = body_digest(raw) if len(raw) < OFF_LOOP_BYTES else None
        record = audit.current()
        if record is not None:
            record.request_bytes, record.digest = len(raw), digest or ""
        return await runtime.gateway.answer(name, raw, PROTO, ctx, digest=digest)

    return body


def _stream_body(method: RpcMethod, runtime: Runtime) -> _Body:
    name = method.spec.name
    limit = runtime.settings.max_request_bytes
    stream = method.spec.stream
    assert stream is not None  # a client-streaming method's spec

    async def body(chunks: AsyncIterator[bytes], ctx: Context) -> bytes:
        collected: list[bytes] = []
        total = 0
        async for chunk in chunks:
            total += len(chunk)
            if total > limit:
                raise PayloadTooLarge(f"the streamed request is larger than {limit} bytes", field="stream")
            collected.append(chunk)
            stream.check_chunks(len(collected))
        record = audit.current()
        if record is not None:
            record.request_bytes = total
        return await runtime.gateway.answer_stream(name, collected, PROTO, ctx)

    return body


def build_generic_handlers(runtime: Runtime) -> tuple[list[grpc.GenericRpcHandler], list[str]]:
    """One generic handler per service over ``runtime.ops.specs``, and the served service names."""
    methods = rpc_methods(runtime.ops.specs.values())
    handlers: list[grpc.GenericRpcHandler] = []
    services = services_of(methods)
    for service in services:
        table: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}
        for method in (m for m in methods if m.service == service):
            if method.client_streaming:
                table[method.method] = grpc.stream_unary_rpc_method_handler(
                    _wrap(method, runtime, _stream_body(method, runtime)),
                    request_deserializer=None,
                    response_serializer=None,
                )
            else:
                table[method.method] = grpc.unary_unary_rpc_method_handler(
                    _wrap(method, runtime, _unary_body(method, runtime)),
                    request_deserializer=None,
                    response_serializer=None,
                )
        handlers.append(grpc.method_handlers_generic_handler(service, table))
    return handlers, services
