"""gRPC clients (blocking and asyncio) over one channel, any RPC callable by name."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

import grpc
from google.protobuf.message import Message

from curation.contract import NAMESPACE_HEADER, REQUEST_ID_HEADER
from curation.v1 import classification_pb2
from curation_client.errors import from_grpc_error
from curation_client.methods import Method, resolve

__all__ = ["DEFAULT_CHANNEL_OPTIONS", "AsyncCurationClient", "CurationClient"]

M = TypeVar("M", bound=Message)

# The server's default limits (512 MiB each way); gRPC's own default would refuse answers over 4 MiB.
DEFAULT_CHANNEL_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("grpc.max_receive_message_length", 512 * 1024 * 1024),
    ("grpc.max_send_message_length", 512 * 1024 * 1024),
)


def _metadata(namespace: str, request_id: str | None) -> tuple[tuple[str, str], ...]:
    pairs = [(NAMESPACE_HEADER, namespace)]
    if request_id:
        pairs.append((REQUEST_ID_HEADER, request_id))
    return tuple(pairs)


def _checked(method: Method, request: Message) -> None:
    if request.DESCRIPTOR.full_name != method.request_type.DESCRIPTOR.full_name:
        raise TypeError(
            f"{method.path} takes {method.request_type.DESCRIPTOR.full_name}, "
            f"not {request.DESCRIPTOR.full_name}"
        )


class CurationClient:
    """Blocking gRPC client. ``timeout`` (seconds) is the default deadline of every call."""

    def __init__(
        self,
        grpc_target: str,
        *,
        namespace: str = "default",
        timeout: float | None = None,
        channel: grpc.Channel | None = None,
        options: Sequence[tuple[str, Any]] = DEFAULT_CHANNEL_OPTIONS,
    ) -> None:
        self.namespace = namespace
        self.timeout = timeout
        self._channel = channel or grpc.insecure_channel(grpc_target, options=list(options))

    def call(
        self, method: str, request: Message, *, timeout: float | None = None, request_id: str | None = None
    ) -> Message:
        """Call RPC ``method`` (short or full name); raises ``CurationClientError`` on failure."""
        rpc = resolve(method)
        _checked(rpc, request)
        stub = self._channel.unary_unary(
            rpc.path,
            request_serializer=rpc.request_type.SerializeToString,
            response_deserializer=rpc.response_type.FromString,
        )
        try:
            response: Message = stub(
                request,
                timeout=self.timeout if timeout is None else timeout,
                metadata=_metadata(self.namespace, request_id),
            )
        except grpc.RpcError as error:
            raise from_grpc_error(error) from None
        return response

    def score_classification(
        self,
        request: classification_pb2.ScoreClassificationRequest,
        *,
        timeout: float | None = None,
        request_id: str | None = None,
    ) -> classification_pb2.ScoreClassificationResponse:
        """``DiagnosticsService.ScoreClassification``."""
        response = self.call("ScoreClassification", request, timeout=timeout, request_id=request_id)
        assert isinstance(response, classification_pb2.ScoreClassificationResponse)
        return response

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncCurationClient:
    """asyncio gRPC client (``grpc.aio``); same methods as :class:`CurationClient`, awaited."""

    def __init__(
        self,
        grpc_target: str,
        *,
        namespace: str = "default",
        timeout: float | None = None,
        channel: grpc.aio.Channel | None = None,
        options: Sequence[tuple[str, Any]] = DEFAULT_CHANNEL_OPTIONS,
    ) -> None:
        self.namespace = namespace
        self.timeout = timeout
        self._channel = channel or grpc.aio.insecure_channel(grpc_target, options=list(options))

    async def call(
        self, method: str, request: Message, *, timeout: float | None = None, request_id: str | None = None
    ) -> Message:
        """Call RPC ``method`` (short or full name); raises ``CurationClientError`` on failure."""
        rpc = resolve(method)
        _checked(rpc, request)
        stub = self._channel.unary_unary(
            rpc.path,
            request_serializer=rpc.request_type.SerializeToString,
            response_deserializer=rpc.response_type.FromString,
        )
        try:
            response: Message = await stub(
                request,
                timeout=self.timeout if timeout is None else timeout,
                metadata=_metadata(self.namespace, request_id),
            )
        except grpc.aio.AioRpcError as error:
            raise from_grpc_error(error) from None
        return response

    async def score_classification(
        self,
        request: classification_pb2.ScoreClassificationRequest,
        *,
        timeout: float | None = None,
        request_id: str | None = None,
    ) -> classification_pb2.ScoreClassificationResponse:
        """``DiagnosticsService.ScoreClassification``."""
        response = await self.call("ScoreClassification", request, timeout=timeout, request_id=request_id)
        assert isinstance(response, classification_pb2.ScoreClassificationResponse)
        return response

    async def close(self) -> None:
        await self._channel.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
