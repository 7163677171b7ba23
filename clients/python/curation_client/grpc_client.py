"""The gRPC clients, blocking (``CurationClient``) and asyncio (``AsyncCurationClient``): a typed method
per RPC (inherited from ``_surface``), TLS or plaintext, bearer token and metadata on every call, and
UNAVAILABLE retried on idempotent RPCs by gRPC itself (service config)."""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

import grpc
from google.protobuf.message import Message

from curation_client._base import CallDefaults, CallOptions, Metadata, checked
from curation_client._surface import RPCS, AsyncStreamingMethods, SyncStreamingMethods
from curation_client.errors import from_grpc_error
from curation_client.retry import DEFAULT_RETRY, RetryPolicy
from curation_client.rpc import Rpc

__all__ = ["DEFAULT_CHANNEL_OPTIONS", "AsyncCurationClient", "CurationClient", "channel_credentials"]

Q = TypeVar("Q", bound=Message)
R = TypeVar("R", bound=Message)

# The server's default limits (512 MiB each way); gRPC's own default would refuse answers over 4 MiB.
# gRPC retries a call only while its request fits the retry buffer (default 256 KiB): 32 MiB here.
DEFAULT_CHANNEL_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("grpc.max_receive_message_length", 512 * 1024 * 1024),
    ("grpc.max_send_message_length", 512 * 1024 * 1024),
    ("grpc.per_rpc_retry_buffer_size", 32 * 1024 * 1024),
)


def channel_credentials(
    *,
    secure: bool = False,
    root_certificates: bytes | None = None,
    private_key: bytes | None = None,
    certificate_chain: bytes | None = None,
    credentials: grpc.ChannelCredentials | None = None,
) -> grpc.ChannelCredentials | None:
    """TLS credentials (None: plaintext). ``credentials`` as given; otherwise TLS when ``secure`` or
    any PEM is given: ``root_certificates`` to trust (default: the system's), ``private_key`` and
    ``certificate_chain`` for mutual TLS."""
    if credentials is not None:
        return credentials
    if secure or root_certificates or private_key or certificate_chain:
        return grpc.ssl_channel_credentials(root_certificates, private_key, certificate_chain)
    return None


def channel_options(retry: RetryPolicy | None, options: Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The default options, the retry policy's service config, then ``options`` (which win)."""
    merged = dict(DEFAULT_CHANNEL_OPTIONS)
    if retry is not None:
        merged["grpc.enable_retries"] = 1
        merged["grpc.service_config"] = retry.service_config(RPCS)
    merged.update(options)
    return list(merged.items())


def _open(
    module: Any, target: str, tls: grpc.ChannelCredentials | None, options: list[tuple[str, Any]]
) -> Any:
    """A channel of ``module`` (``grpc`` or ``grpc.aio``): TLS when ``tls`` is given."""
    if tls is None:
        return module.insecure_channel(target, options=options)
    return module.secure_channel(target, tls, options=options)


class CurationClient(SyncStreamingMethods):
    """Blocking gRPC client of ``target`` (``host:port``). ``timeout`` (seconds) is the default deadline
    of a call; ``namespace``, ``bearer_token`` (sent as ``authorization: Bearer ...``) and ``metadata``
    go with every call. TLS: see :func:`channel_credentials`. ``retry=None`` turns retries off;
    ``options`` are further channel options; ``channel`` a ready channel (then TLS, retry and options are
    its own)."""

    def __init__(
        self,
        target: str,
        *,
        namespace: str | None = None,
        timeout: float | None = None,
        metadata: Metadata = (),
        bearer_token: str | None = None,
        secure: bool = False,
        root_certificates: bytes | None = None,
        private_key: bytes | None = None,
        certificate_chain: bytes | None = None,
        credentials: grpc.ChannelCredentials | None = None,
        retry: RetryPolicy | None = DEFAULT_RETRY,
        options: Sequence[tuple[str, Any]] = (),
        channel: grpc.Channel | None = None,
    ) -> None:
        CallDefaults.__init__(
            self, namespace=namespace, timeout=timeout, metadata=metadata, bearer_token=bearer_token
        )
        if channel is None:
            tls = channel_credentials(
                secure=secure,
                root_certificates=root_certificates,
                private_key=private_key,
                certificate_chain=certificate_chain,
                credentials=credentials,
            )
            channel = _open(grpc, target, tls, channel_options(retry, options))
        self._channel = channel
        self._stubs: dict[str, Any] = {}

    def _invoke(self, rpc: Rpc[Q, R], request: Q, options: CallOptions) -> R:
        if (stub := self._stubs.get(rpc.path)) is None:
            stub = self._stubs[rpc.path] = self._channel.unary_unary(
                rpc.path,
                request_serializer=rpc.request_type.SerializeToString,
                response_deserializer=rpc.response_type.FromString,
            )
        try:
            response: R = stub(
                checked(rpc, request),
                timeout=self.call_timeout(options),
                metadata=self.call_metadata(options),
            )
        except grpc.RpcError as error:
            raise from_grpc_error(error) from None
        return response

    def _invoke_stream(
        self,
        rpc: Rpc[Q, R],
        requests: Iterable[Q],
        options: CallOptions,
    ) -> R:
        stub = self._channel.stream_unary(
            rpc.path,
            request_serializer=rpc.request_type.SerializeToString,
            response_deserializer=rpc.response_type.FromString,
        )
        try:
            response: R = stub(
                (checked(rpc, request) for request in requests),
                timeout=self.call_timeout(options),
                metadata=self.call_metadata(options),
            )
        except grpc.RpcError as error:
            raise from_grpc_error(error) from None
        return response

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncCurationClient(AsyncStreamingMethods):
    """asyncio gRPC client (``grpc.aio``): the parameters and methods of :class:`CurationClient`,
    awaited; a client-streaming call takes an iterable or an async iterable."""

    def __init__(
        self,
        target: str,
        *,
        namespace: str | None = None,
        timeout: float | None = None,
        metadata: Metadata = (),
        bearer_token: str | None = None,
        secure: bool = False,
        root_certificates: bytes | None = None,
        private_key: bytes | None = None,
        certificate_chain: bytes | None = None,
        credentials: grpc.ChannelCredentials | None = None,
        retry: RetryPolicy | None = DEFAULT_RETRY,
        options: Sequence[tuple[str, Any]] = (),
        channel: grpc.aio.Channel | None = None,
    ) -> None:
        CallDefaults.__init__(
            self, namespace=namespace, timeout=timeout, metadata=metadata, bearer_token=bearer_token
        )
        if channel is None:
            tls = channel_credentials(
                secure=secure,
                root_certificates=root_certificates,
                private_key=private_key,
                certificate_chain=certificate_chain,
                credentials=credentials,
            )
            channel = _open(grpc.aio, target, tls, channel_options(retry, options))
        self._channel = channel
        self._stubs: dict[str, Any] = {}

    async def _invoke(self, rpc: Rpc[Q, R], request: Q, options: CallOptions) -> R:
        if (stub := self._stubs.get(rpc.path)) is None:
            stub = self._stubs[rpc.path] = self._channel.unary_unary(
                rpc.path,
                request_serializer=rpc.request_type.SerializeToString,
                response_deserializer=rpc.response_type.FromString,
            )
        try:
            response: R = await stub(
                checked(rpc, request),
                timeout=self.call_timeout(options),
                metadata=self.call_metadata(options),
            )
        except grpc.RpcError as error:
            raise from_grpc_error(error) from None
        return response

    async def _invoke_stream(
        self,
        rpc: Rpc[Q, R],
        requests: AsyncIterable[Q] | Iterable[Q],
        options: CallOptions,
    ) -> R:
        stub = self._channel.stream_unary(
            rpc.path,
            request_serializer=rpc.request_type.SerializeToString,
            response_deserializer=rpc.response_type.FromString,
        )
        try:
            response: R = await stub(
                _checked_stream(rpc, requests),
                timeout=self.call_timeout(options),
                metadata=self.call_metadata(options),
            )
        except grpc.RpcError as error:
            raise from_grpc_error(error) from None
        return response

    async def close(self) -> None:
        await self._channel.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


async def _checked_stream(rpc: Rpc[Q, R], requests: AsyncIterable[Q] | Iterable[Q]) -> Any:
    """The requests of a client stream, each checked, as an async iterator (grpc.aio takes either)."""
    if isinstance(requests, AsyncIterable):
        async for request in requests:
            yield checked(rpc, request)
    else:
        for request in requests:
            yield checked(rpc, request)
