"""The standard gRPC server metrics, from one interceptor over every service the server answers.

go-grpc-prometheus's names and labels (``curation.metrics``): each call counts once in
``grpc_server_started_total`` and, when it ends, once in ``grpc_server_handled_total`` with its status
code name (``OK``, ``INVALID_ARGUMENT``, ...; ``CANCELLED`` when the caller left, ``UNKNOWN`` for an
exception grpc turns into UNKNOWN) and in ``grpc_server_handling_seconds``; every message read or written
counts in ``grpc_server_msg_received_total`` / ``grpc_server_msg_sent_total``.

The wrapped handler of each method is built once and reused (a generic handler returns the same
handler object for a method every time), so a call pays one dictionary lookup and the counting. Only
coroutine and async-generator behaviours are wrapped (ours, grpc_health's and grpc_reflection's aio
servicers all are); a synchronous one, which grpc runs in its executor, passes through uncounted.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import grpc

from curation.metrics import GrpcMethodStats, Metrics

__all__ = ["ServerMetricsInterceptor"]

if TYPE_CHECKING:
    from typing import TypeAlias

    _Handler: TypeAlias = grpc.RpcMethodHandler[Any, Any]  # generic in the stubs only


def _code(error: BaseException | None, context: Any) -> grpc.StatusCode:
    """The status a call ended with: the one set (``abort``, ``set_code``), else what grpc makes of how
    the behaviour ended."""
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code
    if error is None:
        return grpc.StatusCode.OK
    return grpc.StatusCode.CANCELLED if isinstance(error, asyncio.CancelledError) else grpc.StatusCode.UNKNOWN


class _CountingContext:
    """The servicer context with ``read`` and ``write`` counted (handlers that use the reader-writer API)."""

    def __init__(self, context: Any, stats: GrpcMethodStats) -> None:
        self._context = context
        self._stats = stats

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    async def read(self) -> Any:
        message = await self._context.read()
        if message is not grpc.aio.EOF:
            self._stats.received += 1
        return message

    async def write(self, message: Any) -> None:
        await self._context.write(message)
        self._stats.sent += 1


async def _counted(requests: AsyncIterator[Any], stats: GrpcMethodStats) -> AsyncIterator[Any]:
    async for request in requests:
        stats.received += 1
        yield request


def _unary_response(behavior: Callable[..., Any], stats: GrpcMethodStats, streaming: bool) -> Any:
    async def counted(request: Any, context: Any) -> Any:
        stats.started += 1
        began = time.perf_counter()
        if streaming:
            request = _counted(request, stats)
            context = _CountingContext(context, stats)
        else:
            stats.received += 1
        error: BaseException | None = None
        try:
            response = await behavior(request, context)
            stats.sent += 1
            return response
        except BaseException as exc:
            error = exc
            raise
        finally:
            stats.done(_code(error, context).name, time.perf_counter() - began)

    return counted


def _stream_response(behavior: Callable[..., Any], stats: GrpcMethodStats, streaming: bool) -> Any:
    """The same for a streaming response: an async generator stays one, a reader-writer coroutine too
    (grpc picks how to drive a behaviour by which of the two it is)."""

    async def prepared(request: Any, context: Any) -> tuple[Any, Any, float]:
        stats.started += 1
        if streaming:
            request = _counted(request, stats)
        else:
            stats.received += 1
        return request, _CountingContext(context, stats), time.perf_counter()

    if inspect.isasyncgenfunction(behavior):

        async def generated(request: Any, context: Any) -> AsyncIterator[Any]:
            request, context, began = await prepared(request, context)
            error: BaseException | None = None
            try:
                async for response in behavior(request, context):
                    stats.sent += 1
                    yield response
            except BaseException as exc:
                error = exc
                raise
            finally:
                stats.done(_code(error, context).name, time.perf_counter() - began)

        return generated

    async def written(request: Any, context: Any) -> None:
        request, context, began = await prepared(request, context)
        error: BaseException | None = None
        try:
            await behavior(request, context)
        except BaseException as exc:
            error = exc
            raise
        finally:
            stats.done(_code(error, context).name, time.perf_counter() - began)

    return written


def _wrap(handler: _Handler, metrics: Metrics, full_method: str) -> _Handler:
    """``handler`` with its behaviour counted (unchanged when its behaviour is synchronous)."""
    service, _, method = full_method.lstrip("/").rpartition("/")
    in_stream, out_stream = handler.request_streaming, handler.response_streaming
    grpc_type = {(False, False): "unary", (True, False): "client_stream", (False, True): "server_stream"}.get(
        (in_stream, out_stream), "bidi_stream"
    )
    stats = metrics.grpc_server.method(grpc_type, service, method)
    behavior = {
        (False, False): handler.unary_unary,
        (True, False): handler.stream_unary,
        (False, True): handler.unary_stream,
        (True, True): handler.stream_stream,
    }[(in_stream, out_stream)]
    if not (inspect.iscoroutinefunction(behavior) or inspect.isasyncgenfunction(behavior)):
        return handler
    make = {
        (False, False): grpc.unary_unary_rpc_method_handler,
        (True, False): grpc.stream_unary_rpc_method_handler,
        (False, True): grpc.unary_stream_rpc_method_handler,
        (True, True): grpc.stream_stream_rpc_method_handler,
    }[(in_stream, out_stream)]
    counted = (_stream_response if out_stream else _unary_response)(behavior, stats, in_stream)
    wrapped: _Handler = make(
        counted,
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )
    return wrapped


class ServerMetricsInterceptor(grpc.aio.ServerInterceptor):
    """Counts every call of every service in ``metrics``' standard gRPC server collectors."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        # method -> (the handler found, its counted wrapper): one entry per served method.
        self._wrapped: dict[str, tuple[_Handler, _Handler]] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[_Handler | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> _Handler | None:
        handler = await continuation(handler_call_details)
        if handler is None:  # no such method: grpc answers UNIMPLEMENTED, nothing to label it by
            return None
        method = handler_call_details.method
        known = self._wrapped.get(method)
        if known is not None and known[0] is handler:
            return known[1]
        wrapped = _wrap(handler, self._metrics, method)
        self._wrapped[method] = (handler, wrapped)
        return wrapped
