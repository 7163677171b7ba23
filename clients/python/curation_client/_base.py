"""What every client shares whatever its protocol: the per-call metadata and deadline, ``call`` by name,
and page iteration over ``_invoke`` — which each protocol's client implements (blocking or awaited)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from google.protobuf.message import Message

from curation_client.headers import AUTHORIZATION_HEADER, NAMESPACE_HEADER, REQUEST_ID_HEADER
from curation_client.rpc import Rpc, resolve

__all__ = [
    "AsyncBase",
    "AsyncStreamingBase",
    "CallDefaults",
    "CallOptions",
    "Metadata",
    "SyncBase",
    "SyncStreamingBase",
]

Q = TypeVar("Q", bound=Message)
R = TypeVar("R", bound=Message)
I = TypeVar("I")  # noqa: E741 - an item of a paged field

# gRPC metadata / REST headers: (lower-case name, value) pairs.
Metadata = Sequence[tuple[str, str]]

_PAGE_TOKEN = "page_token"
_NEXT_PAGE_TOKEN = "next_page_token"


@dataclass(frozen=True, slots=True)
class CallOptions:
    """What every method takes besides its request: a deadline in seconds (None: the client's),
    metadata (headers over REST) and a request ID (the server makes one when none is sent)."""

    timeout: float | None = None
    metadata: Metadata = ()
    request_id: str | None = None


class CallDefaults:
    """What a client adds to each call: the namespace, ``authorization: Bearer <token>``, fixed
    metadata, and the default deadline (seconds) of a call that gives none."""

    def __init__(
        self,
        *,
        namespace: str | None = None,
        timeout: float | None = None,
        metadata: Metadata = (),
        bearer_token: str | None = None,
    ) -> None:
        self.namespace = namespace
        self.timeout = timeout
        pairs = [(NAMESPACE_HEADER, namespace)] if namespace is not None else []
        if bearer_token is not None:
            pairs.append((AUTHORIZATION_HEADER, f"Bearer {bearer_token}"))
        self._metadata = (*pairs, *metadata)

    def call_metadata(self, options: CallOptions) -> tuple[tuple[str, str], ...]:
        """The client's metadata, then the call's, then its request ID."""
        request_id = ((REQUEST_ID_HEADER, options.request_id),) if options.request_id else ()
        return (*self._metadata, *options.metadata, *request_id)

    def call_timeout(self, options: CallOptions) -> float | None:
        return self.timeout if options.timeout is None else options.timeout


def checked(rpc: Rpc[Q, R], request: Message) -> Q:
    """``request`` if it is ``rpc``'s request type (by full name: the service's and the client's
    generated modules are interchangeable); ``TypeError`` otherwise."""
    expected = rpc.request_type.DESCRIPTOR.full_name
    if request.DESCRIPTOR.full_name != expected:
        raise TypeError(f"{rpc.path} takes {expected}, not {request.DESCRIPTOR.full_name}")
    return request  # type: ignore[return-value]


def _next_request(request: Q, token: str) -> Q:
    following = type(request)()
    following.CopyFrom(request)
    setattr(following, _PAGE_TOKEN, token)
    return following


class SyncBase(CallDefaults, ABC):
    """A blocking client: ``_invoke`` makes one call; everything else is built on it."""

    @abstractmethod
    def _invoke(self, rpc: Rpc[Q, R], request: Q, options: CallOptions) -> R: ...

    def call(
        self,
        method: str,
        request: Message,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> Message:
        """Call RPC ``method`` by name (see ``resolve``): the typed methods are the same calls."""
        rpc = resolve(method)
        response: Message = self._invoke(
            rpc, checked(rpc, request), CallOptions(timeout, metadata, request_id)
        )
        return response

    def _iterate(
        self,
        rpc: Rpc[Q, R],
        request: Q,
        items: Callable[[R], Iterable[I]],
        options: CallOptions,
    ) -> Iterator[I]:
        page = self._invoke(rpc, request, options)
        yield from items(page)
        while token := getattr(page, _NEXT_PAGE_TOKEN):
            page = self._invoke(rpc, _next_request(request, token), options)
            yield from items(page)


class AsyncBase(CallDefaults, ABC):
    """An asyncio client: ``_invoke`` makes one call; everything else is built on it."""

    @abstractmethod
    async def _invoke(self, rpc: Rpc[Q, R], request: Q, options: CallOptions) -> R: ...

    async def call(
        self,
        method: str,
        request: Message,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> Message:
        """Call RPC ``method`` by name (see ``resolve``): the typed methods are the same calls."""
        rpc = resolve(method)
        options = CallOptions(timeout, metadata, request_id)
        response: Message = await self._invoke(rpc, checked(rpc, request), options)
        return response

    async def _aiterate(
        self,
        rpc: Rpc[Q, R],
        request: Q,
        items: Callable[[R], Iterable[I]],
        options: CallOptions,
    ) -> AsyncIterator[I]:
        page = await self._invoke(rpc, request, options)
        for item in items(page):
            yield item
        while token := getattr(page, _NEXT_PAGE_TOKEN):
            page = await self._invoke(rpc, _next_request(request, token), options)
            for item in items(page):
                yield item


class SyncStreamingBase(SyncBase):
    """A blocking client that also makes client-streaming calls (gRPC)."""

    @abstractmethod
    def _invoke_stream(
        self,
        rpc: Rpc[Q, R],
        requests: Iterable[Q],
        options: CallOptions,
    ) -> R: ...


class AsyncStreamingBase(AsyncBase):
    """An asyncio client that also makes client-streaming calls (gRPC)."""

    @abstractmethod
    async def _invoke_stream(
        self,
        rpc: Rpc[Q, R],
        requests: AsyncIterable[Q] | Iterable[Q],
        options: CallOptions,
    ) -> R: ...
