"""What an operation is, as the ops seam runs it: one record per RPC, shared by both adapters.

A *cached* operation splits into ``evaluate`` (validate + compute, CPU-heavy, runs in a worker thread,
returns a self-contained payload message that is what the cache stores) and ``respond`` (cheap: cuts the
page the request asked for out of the payload). Fields named in ``paging_fields`` are left out of the
cache key, so every page of one request reads the same cached evaluation.

A *direct* operation (``handle``) is not cached by the seam itself: it gets the seam as a :class:`Host`
(the store for what callers keep on purpose, lookups before computing) and may cache through
``Host.cached``.

Every operation declares its ``cost``: an estimate of the memory and work a request will take, computed
from the sizes the request states before anything is allocated (:class:`Cost`). The seam checks it
against the per-request budget and the process-wide admission budget before running the operation.

A *client-streaming* operation (``stream``) receives its request in chunks; the seam merges them and
answers through another (unary) operation, so a stream and its unary twin share one cache entry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from google.protobuf.message import Message

from curation.auth.principal import Principal, Scope
from curation.cache.base import Cache
from curation.errors import LimitExceeded
from curation.ops.bindings import TenantBindings
from curation.ops.envelopes import Envelopes
from curation.store.base import Store
from curation.v1 import common_pb2

__all__ = [
    "BodyFormat",
    "Cost",
    "ClientStream",
    "Context",
    "Host",
    "OperationSpec",
    "Seam",
]

T = TypeVar("T")
M = TypeVar("M", bound=Message)
RequestT = TypeVar("RequestT", bound=Message)
ResponseT = TypeVar("ResponseT", bound=Message)
PayloadT = TypeVar("PayloadT", bound=Message)


class BodyFormat(StrEnum):
    """How a raw request body was encoded: the fast path keys byte-identical repeats per format."""

    JSON = "json"  # REST
    PROTO = "proto"  # gRPC wire bytes


@dataclass(frozen=True, slots=True)
class Cost:
    """What one request is estimated to take, from its stated sizes, before any work.

    ``memory_bytes`` is the peak the computation may hold beyond the request itself (arrays, the payload,
    the response); ``work`` is in elementary steps (pairs compared, cells scored, text bytes x pattern
    states), the unit each operation documents. Both are upper bounds, checked against budgets."""

    memory_bytes: int
    work: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.memory_bytes + other.memory_bytes, self.work + other.work)


@dataclass(frozen=True, slots=True)
class Context:
    """Per-request facts: the namespace the call acts in (its tenant), request ID, deadline, and who
    calls (``curation.ops.access`` fills it for both adapters; None inside a compute process, which
    gets only calls already authenticated and authorized by the serving process)."""

    namespace: str = "default"
    request_id: str = ""
    # time.monotonic() value after which the caller no longer waits; None = no deadline.
    deadline: float | None = None
    principal: Principal | None = None


class Host(Protocol):
    """What a direct operation's ``handle`` may use of the seam (``Operations`` implements it)."""

    @property
    def cache(self) -> Cache: ...

    @property
    def ttl_seconds(self) -> int: ...

    @property
    def store(self) -> Store:
        """Data callers stored on purpose (collections, fitted models): never evicted, with a budget."""
        ...

    @property
    def envelopes(self) -> Envelopes:
        """Signs and verifies envelopes (what is read back from the store as trusted is signed too)."""
        ...

    @property
    def bindings(self) -> TenantBindings:
        """Binds identifiers handed to a caller (model IDs) to its tenant, with the same keys."""
        ...

    def check_cost(self, cost: Cost, *, field: str) -> None:
        """Refuse (``LimitExceeded`` naming ``field``) a cost over the per-request budget: for sizes a direct
        operation learns only after reading stored data (a collection's count x dimension)."""
        ...

    async def run(self, fn: Callable[..., T], *args: Any, ctx: Context) -> T:
        """Run a blocking callable in the worker pool, within the caller's deadline."""
        ...

    async def cached(
        self,
        name: str,
        material: bytes,
        compute: Callable[[], M],
        payload_type: type[M],
        ctx: Context,
        *,
        version: int | None = None,
    ) -> tuple[M, common_pb2.CacheInfo]:
        """The payload keyed by ``material`` for operation ``name``: from the cache, or computed."""
        ...

    async def load_payload(self, name: str, digest: str, namespace: str, payload_type: type[M]) -> M:
        """The ``payload_type`` payload operation ``name`` cached under ``digest`` (NotFound when gone)."""
        ...

    async def dispatch(self, name: str, request: Message, ctx: Context) -> Message:
        """Answer ``request`` as operation ``name`` would."""
        ...

    async def flush_cache(self, namespace: str) -> int:
        """Remove every cache entry of ``namespace`` (never its stored data); how many."""
        ...


class Seam(Protocol):
    """What the adapters call: the registered operations and the three ways to answer them."""

    @property
    def specs(self) -> Mapping[str, OperationSpec[Any, Any, Any]]: ...

    async def run(self, fn: Callable[..., T], *args: Any, ctx: Context) -> T: ...

    async def dispatch(
        self,
        name: str,
        request: Message,
        ctx: Context,
        *,
        body_digest: str | None = None,
        body_format: BodyFormat = BodyFormat.JSON,
    ) -> Message: ...

    async def dispatch_body(
        self,
        name: str,
        ctx: Context,
        body_digest: str,
        *,
        body_format: BodyFormat = BodyFormat.JSON,
        max_payload_bytes: int | None = None,
    ) -> Message | None: ...

    async def dispatch_stream(self, name: str, chunks: Sequence[Message], ctx: Context) -> Message: ...


@dataclass(frozen=True, slots=True)
class ClientStream:
    """A client-streaming RPC: ``merge`` turns its chunks into one request of the unary operation
    ``answered_by``; ``wrap`` turns that operation's response into this RPC's response."""

    answered_by: str
    merge: Callable[[Sequence[Any]], Message]
    wrap: Callable[[Any], Message]
    # The documented maximum number of chunks (each is held until the stream ends); None = no maximum.
    max_chunks: int | None = None

    def check_chunks(self, count: int) -> None:
        """Refuse (``LimitExceeded``, field ``stream``) a stream that has sent more than ``max_chunks``;
        the adapter calls it as chunks arrive, so an endless stream of empty chunks is cut short."""
        if self.max_chunks is not None and count > self.max_chunks:
            raise LimitExceeded(
                f"more than the documented maximum of {self.max_chunks:,} chunks", field="stream"
            )


@dataclass(frozen=True, slots=True)
class OperationSpec(Generic[RequestT, ResponseT, PayloadT]):
    """One RPC as the seam runs it: set ``evaluate`` + ``respond`` (cached), ``handle`` (direct) or
    ``stream`` (client-streaming). ``name`` is the gRPC full method name without the leading slash, for
    example ``curation.v1.DiagnosticsService/ScoreClassification``."""

    name: str
    request_type: type[RequestT]
    response_type: type[ResponseT]
    # Bumped whenever the algorithm or the payload layout changes: old cache entries stop matching.
    version: int = 1
    # Cached operations (``payload_type`` alone lets ``load_payload`` read what a direct one cached).
    payload_type: type[PayloadT] | None = None
    evaluate: Callable[[RequestT], PayloadT] | None = None
    respond: Callable[[PayloadT, RequestT, common_pb2.CacheInfo], ResponseT] | None = None
    paging_fields: tuple[str, ...] = ()
    # Cached operations whose requests can say one thing several ways (a set as a list, say): the
    # request written the one canonical way, which the cache key is made of (the request itself when it
    # already is). Runs before the cost; raises InvalidArgument on what it cannot read.
    canonical: Callable[[RequestT], RequestT] | None = None
    # Direct operations: full control over a Host.
    handle: Callable[[Host, RequestT, Context], Awaitable[ResponseT]] | None = None
    # Client-streaming operations.
    stream: ClientStream | None = None
    # The request's estimated cost, from its stated sizes; raises LimitExceeded naming a parameter over
    # its documented maximum. Checked by the seam before evaluate/handle/merge runs. For a stream, the
    # cost is that of the merged request (``answered_by``'s).
    cost: Callable[[RequestT], Cost] | None = None
    # Loads compiled kernels at start-up, before the process reports ready (shared hooks run once).
    warm_up: Callable[[], None] | None = None
    # True when the body alone bounds the work: the request reads no stored data and nothing in it is
    # inflated (gzip) or iterated a number of times it names, so ``cost`` is cheap and its ``work`` an
    # honest bound. Only such a cached operation may be computed in the serving process, and only when
    # its body is small and its estimated work is too (``curation.workers.pool``).
    cost_from_body: bool = False
    # The scope a caller needs (checked once, by ``curation.ops.access``, for both adapters).
    scope: Scope = Scope.READ

    def __post_init__(self) -> None:
        kinds = sum((self.evaluate is not None, self.handle is not None, self.stream is not None))
        if kinds != 1:
            raise ValueError(f"operation {self.name}: set exactly one of evaluate, handle or stream")
        if self.evaluate is not None and (self.respond is None or self.payload_type is None):
            raise ValueError(f"operation {self.name}: a cached operation needs respond and payload_type")
        if self.cost_from_body and (self.evaluate is None or self.cost is None):
            raise ValueError(f"operation {self.name}: cost_from_body needs evaluate and cost")

    @property
    def cached(self) -> bool:
        return self.evaluate is not None

    @property
    def pages(self) -> bool:
        """Whether the RPC pages by token (AIP-158: ``page_token`` in, ``next_page_token`` out): the seam
        binds every token it issues to the caller's tenant and checks every one it receives."""
        return (
            "page_token" in self.request_type.DESCRIPTOR.fields_by_name
            and "next_page_token" in self.response_type.DESCRIPTOR.fields_by_name
        )
