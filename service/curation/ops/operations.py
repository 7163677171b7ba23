"""The ops seam: validate, key, look up, compute off the event loop, store, respond.

Both adapters call ``Operations.dispatch`` with a parsed request message (``dispatch_body`` first for a
byte-identical repeat, ``dispatch_stream`` for a client stream's chunks); nothing protocol-specific
happens here, so gRPC and REST cannot drift. CPU-heavy work runs in a bounded thread pool and the event
loop stays free for health checks. Identical requests in flight at the same time are computed once.
``Operations`` is the ``Seam`` the adapters call and the ``Host`` a direct operation's handler uses.

Cost: a request's estimated cost (``OperationSpec.cost``) is checked against the per-request budget,
then the computation waits for admission (``curation.ops.admission``: memory budget for concurrent work,
fair queue per tenant; a CPU-heavy request's stages in worker threads hold one of its tenant's heavy
tickets, so one tenant never holds every worker). Cancellation: every computation runs under a
``CancelToken`` (the core calls ``checkpoint()`` in its long loops); the token is cancelled when the
caller's deadline passes, when the caller leaves (for a shared computation: when its last caller leaves)
and at shutdown, so the worker is free again within one checkpoint interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from google.protobuf.message import DecodeError, Message

from curation.cache.base import Cache
from curation.contract import DEFAULT_CACHE_TTL_SECONDS, OFF_LOOP_BYTES
from curation.core import Cancelled, CancelToken, cancellable
from curation.errors import CurationError, DeadlineExceeded, LimitExceeded, NotFound, Unavailable
from curation.internal.v1 import cache_pb2
from curation.ops.admission import Admission
from curation.ops.bindings import TenantBindings
from curation.ops.enum_numbers import check_enum_numbers
from curation.ops.envelopes import SCHEMA_VERSION, Envelopes, Rejected, SigningKeys
from curation.ops.keys import (
    body_alias_key,
    canonical_bytes,
    check_namespace,
    key_digest,
    storage_key,
    tenant_prefix,
)
from curation.ops.operation_spec import BodyFormat, Context, Cost, OperationSpec
from curation.ops.paging import check_page_size, check_page_token, sign_page_token
from curation.ops.recent import RecentPayloads
from curation.settings import Settings
from curation.store import MemoryStore, Store
from curation.v1 import common_pb2

__all__ = [
    "CACHED_NOT_FOUND",
    "CACHE_SCHEMA_VERSION",
    "DEFAULT_MAX_REQUEST_MEMORY_BYTES",
    "Observer",
    "Operations",
]

log = logging.getLogger("curation.ops")

# Version of the envelope layout itself (curation.ops.envelopes); each operation has its own besides.
CACHE_SCHEMA_VERSION = SCHEMA_VERSION
# The in-process store's budget when none is given (wiring passes the configured store).
DEFAULT_STORE_BYTES = 1024**3  # holds four puts at the documented maximum of vector bytes
# The estimated peak memory one request may take (its Cost.memory_bytes), unless configured otherwise.
DEFAULT_MAX_REQUEST_MEMORY_BYTES = 3 * 1024**3
# The one answer to a digest with nothing under it in the caller's tenant (expired, never computed, or
# another tenant's: the message does not echo the digest, so every such answer is the same).
CACHED_NOT_FOUND = "nothing is cached under this key (expired, or never computed here)"

T = TypeVar("T")
M = TypeVar("M", bound=Message)


AnySpec = OperationSpec[Any, Any, Any]

# True inside a request that already holds its admission grant (a direct operation calling ``cached``).
_ADMITTED: ContextVar[bool] = ContextVar("curation_admitted", default=False)
# True inside a CPU-heavy request (a large body, or a heavy estimated cost): its stages in worker threads
# take one of its tenant's heavy tickets (``Admission.heavy``); and True while one is held.
_HEAVY: ContextVar[bool] = ContextVar("curation_heavy", default=False)
_TICKET: ContextVar[bool] = ContextVar("curation_ticket", default=False)


def _is_big(request: Message, body_size: int | None) -> bool:
    """Whether ``request`` (``body_size`` bytes when known) is worth a worker thread to read whole
    (measuring it serializes it under upb)."""
    return (request.ByteSize() if body_size is None else body_size) >= OFF_LOOP_BYTES


def _stopped(reason: str) -> CurationError:
    """The error a caller sees for a computation stopped at a checkpoint."""
    if reason == "deadline":
        return DeadlineExceeded("deadline passed before the answer was ready")
    return Unavailable(f"the computation was stopped ({reason}); retry")


@dataclass(eq=False, slots=True)
class _Shared:
    """One computation in flight and how many callers still wait for it (at 0 it is cancelled)."""

    task: asyncio.Task[Message]
    waiters: int = 0


class Observer(Protocol):
    """Counters the seam reports to (``curation.metrics.Metrics`` implements it)."""

    def on_reject_invalid(self, backend: str, reason: str) -> None: ...

    def observe_compute(self, operation: str, seconds: float) -> None: ...


class _NullObserver:
    def on_reject_invalid(self, backend: str, reason: str) -> None:
        pass

    def observe_compute(self, operation: str, seconds: float) -> None:
        pass


class Operations:
    """Runs every registered operation. One instance per process, shared by both adapters."""

    def __init__(
        self,
        specs: Iterable[AnySpec],
        cache: Cache,
        *,
        workers: int = 4,
        ttl_seconds: int = DEFAULT_CACHE_TTL_SECONDS,
        observer: Observer | None = None,
        local_bytes: int = 256 * 1024 * 1024,
        max_request_memory_bytes: int = DEFAULT_MAX_REQUEST_MEMORY_BYTES,
        admission: Admission | None = None,
        store: Store | None = None,
        envelopes: Envelopes | None = None,
    ) -> None:
        self.specs: dict[str, AnySpec] = {}
        for spec in specs:
            if spec.name in self.specs:
                raise ValueError(f"operation {spec.name} registered twice")
            self.specs[spec.name] = spec
        self.cache = cache
        self.ttl_seconds = ttl_seconds
        self._observer: Observer = observer or _NullObserver()
        self._executor = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="curation-worker")
        self._in_flight: dict[str, _Shared] = {}
        self._recent = RecentPayloads(local_bytes)
        self.max_request_memory_bytes = max_request_memory_bytes
        # Data callers stored on purpose (never evicted), and the signer of every cache entry.
        self.store: Store = store if store is not None else MemoryStore(max_bytes=DEFAULT_STORE_BYTES)
        self.envelopes = envelopes if envelopes is not None else Envelopes(SigningKeys.random())
        # Binds the identifiers a caller gets (page tokens, model IDs) to its tenant, with the same keys.
        self.bindings = TenantBindings(self.envelopes.keys)
        self.admission = admission or Admission(
            slots=max(1, workers),
            memory_bytes=2 * max_request_memory_bytes,
            heavy_bytes=max_request_memory_bytes // 16,
        )
        # The token of every computation in the pool, and the future its caller's wait ends on.
        self._running: dict[CancelToken, asyncio.Future[str]] = {}
        self._closed = False

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        specs: Iterable[AnySpec],
        cache: Cache,
        *,
        observer: Observer | None = None,
        store: Store | None = None,
        envelopes: Envelopes | None = None,
        share: int = 1,
    ) -> Operations:
        """The seam as configured, holding ``1/share`` of the process-wide budgets (one compute process
        of ``share``): the decoded tier and the admission budget are split, the per-request one is not."""
        share = max(1, share)
        return cls(
            specs,
            cache,
            workers=settings.workers,
            ttl_seconds=settings.cache_ttl_seconds,
            observer=observer,
            local_bytes=settings.local_cache_bytes // share,
            max_request_memory_bytes=settings.max_request_memory_bytes,
            admission=Admission(
                slots=max(1, settings.workers),
                memory_bytes=settings.admission_memory_bytes // share,
                heavy_bytes=settings.max_request_memory_bytes // 16,
                max_waiting=settings.max_waiting,
                tenant_heavy=settings.tenant_heavy,
            ),
            store=store,
            envelopes=envelopes,
        )

    def spec(self, name: str) -> AnySpec:
        try:
            return self.specs[name]
        except KeyError:
            raise NotFound(f"unknown operation {name}") from None

    def close(self) -> None:
        """Stop taking work and cancel what runs: each computation stops at its next checkpoint."""
        self._closed = True
        self.cancel_running("shutdown")
        self._executor.shutdown(wait=False, cancel_futures=True)

    def cancel_running(self, reason: str) -> None:
        """Cancel every computation running in the pool: its caller gets ``Unavailable`` at once and the
        computation stops at its next ``checkpoint()`` (shutdown, at the end of its grace)."""
        for token, stopped in list(self._running.items()):
            token.cancel(reason)
            if not stopped.done():
                stopped.set_result(reason)

    @property
    def running(self) -> int:
        """Computations whose threads have not returned yet (cancelled ones included until they stop)."""
        return len(self._running)

    # ------------------------------------------------------------------ budgets
    def check_cost(self, cost: Cost, *, field: str) -> None:
        """Refuse a request whose estimated peak memory is over the per-request budget."""
        if cost.memory_bytes > self.max_request_memory_bytes:
            raise LimitExceeded(
                f"the request would take about {cost.memory_bytes:,} bytes of memory, over the per-request "
                f"budget of {self.max_request_memory_bytes:,} (CURATION_MAX_REQUEST_MEMORY_BYTES)",
                field=field,
            )

    def estimate(self, spec: AnySpec, request: Message) -> Cost:
        """The request's estimated cost, refused when over the budget (maxima are named by ``spec.cost``)."""
        if spec.cost is None:
            return Cost(0)
        cost: Cost = spec.cost(request)
        self.check_cost(cost, field="request")
        return cost

    def _prepare(self, spec: AnySpec, request: Message) -> tuple[Message, Cost]:
        """The request in its canonical form (what its cache key is made of) and its checked cost; an
        enum number its enum does not define is refused first (every operation's request comes here)."""
        check_enum_numbers(request)
        if spec.canonical is not None:
            request = spec.canonical(request)
        return request, self.estimate(spec, request)

    # ------------------------------------------------------------------ running
    async def run(self, fn: Callable[..., T], *args: Any, ctx: Context) -> T:
        """Run a blocking callable in the worker pool under a cancel token with the caller's deadline.

        When the caller leaves (this coroutine is cancelled) or the deadline passes, the token is cancelled
        and the computation stops at its next checkpoint; the caller is not kept waiting for that."""
        if self._closed:
            raise Unavailable("the service is shutting down")
        async with self._ticket(ctx):
            return await self._run(fn, *args, ctx=ctx)

    async def _run(self, fn: Callable[..., T], *args: Any, ctx: Context) -> T:
        if ctx.deadline is not None and ctx.deadline <= time.monotonic():
            raise DeadlineExceeded("deadline passed before the computation started")
        token = CancelToken(ctx.deadline)

        def call() -> T:
            with cancellable(token):
                return fn(*args)

        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self._executor, call)
        except RuntimeError:  # the pool was shut down: the process is stopping
            raise Unavailable("the service is shutting down") from None
        stopped: asyncio.Future[str] = loop.create_future()
        self._running[token] = stopped
        future.add_done_callback(lambda _: self._running.pop(token, None))
        try:
            return await self._wait(future, stopped, ctx)
        except asyncio.CancelledError:
            token.cancel("caller left")
            raise
        except Cancelled as exc:
            raise _stopped(exc.reason) from None
        finally:
            if not future.done():  # nobody waits for it any more: stop it at its next checkpoint
                token.cancel("abandoned")

    @staticmethod
    async def _wait(future: asyncio.Future[T], stopped: asyncio.Future[str], ctx: Context) -> T:
        """``future``'s result; ``Cancelled`` as soon as ``stopped`` is settled (``cancel_running``: the
        caller is answered now, the thread stops at its next checkpoint); ``DeadlineExceeded`` when the
        caller's deadline passes first."""
        timeout = None if ctx.deadline is None else max(0.0, ctx.deadline - time.monotonic())
        waiting: set[asyncio.Future[Any]] = {future, stopped}
        done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if future in done:
            return future.result()
        if stopped in done:
            raise Cancelled(stopped.result())
        raise DeadlineExceeded("deadline passed before the answer was ready")

    # ------------------------------------------------------------------ heavy requests
    @staticmethod
    @contextlib.contextmanager
    def heavy_request(heavy: bool = True) -> Iterator[None]:
        """Mark the request handled in the block as CPU-heavy (when ``heavy``): from here on its stages in
        worker threads each hold one of its tenant's heavy tickets (``Admission.heavy``)."""
        if not heavy or _HEAVY.get():
            yield
            return
        reset = _HEAVY.set(True)
        try:
            yield
        finally:
            _HEAVY.reset(reset)

    def _ticket(self, ctx: Context) -> Any:
        """One of the tenant's heavy tickets for a heavy request's stage (none again if it holds one)."""
        if not _HEAVY.get() or _TICKET.get() or not self.admission.tenant_heavy:
            return contextlib.nullcontext()
        return self._hold_ticket(ctx)

    @contextlib.asynccontextmanager
    async def _hold_ticket(self, ctx: Context) -> AsyncIterator[None]:
        async with self.admission.heavy(ctx.namespace, deadline=ctx.deadline):
            reset = _TICKET.set(True)
            try:
                yield
            finally:
                _TICKET.reset(reset)

    # ------------------------------------------------------------------ dispatch
    async def dispatch(
        self,
        name: str,
        request: Message,
        ctx: Context,
        *,
        body_digest: str | None = None,
        body_format: BodyFormat = BodyFormat.JSON,
        body_size: int | None = None,
        body: bytes | None = None,
    ) -> Message:
        """Answer one request. ``body_digest`` is the SHA-256 of the raw bytes it was parsed from (JSON for
        REST, wire bytes for gRPC), remembered so that a byte-identical repeat is answered unparsed;
        ``body_size`` their length (else the request's size is measured, which serializes it); ``body``
        those bytes, when at hand (a body in canonical form then needs no second hash for its key)."""
        spec = self.spec(name)
        check_namespace(ctx.namespace)
        if spec.stream is not None:
            raise ValueError(f"{name} is a client-streaming operation: use dispatch_stream")
        if spec.handle is not None:
            self._check_token(spec, request, ctx, None)
            if spec.cost is not None and _is_big(request, body_size):  # reads every string's length
                request, cost = await self.run(self._prepare, spec, request, ctx=ctx)
            else:
                request, cost = self._prepare(spec, request)
            with self.heavy_request(self.admission.is_heavy(cost)):
                async with self._admitted(ctx, cost):
                    response: Message = await spec.handle(self, request, ctx)
            return self._signed(spec, response, ctx)
        assert spec.evaluate is not None and spec.respond is not None and spec.payload_type is not None
        # A large request is prepared and keyed in a worker thread: its cost reads every string's
        # length, its key serializes and hashes the whole request (~50 ms at 35 MB).
        known = None if body is None or body_digest is None else (body, body_digest)
        if _is_big(request, body_size):
            request, cost, digest = await self.run(self._keyed, spec, request, ctx.namespace, known, ctx=ctx)
        else:
            request, cost, digest = self._keyed(spec, request, ctx.namespace, known)
        self._check_token(spec, request, ctx, digest)
        evaluate = spec.evaluate
        with self.heavy_request(self.admission.is_heavy(cost)):
            payload, info = await self._cached(
                name,
                digest,
                lambda: evaluate(request),
                spec.payload_type,
                ctx,
                version=spec.version,
                cost=cost,
            )
        answer = self._signed(spec, spec.respond(payload, request, info), ctx)
        if body_digest is not None:
            await self._store_alias(
                spec, ctx, body_digest, body_format=body_format, digest=info.key_digest, request=request
            )
        return answer

    def _keyed(
        self, spec: AnySpec, request: Message, namespace: str, known: tuple[bytes, str] | None = None
    ) -> tuple[Message, Cost, str]:
        """:meth:`_prepare` for a cached operation, its page size checked before anything is computed,
        and the digest of its cache key (``known``: the body and its digest, see ``key_digest``)."""
        request, cost = self._prepare(spec, request)
        if "page_size" in spec.paging_fields:
            check_page_size(request.page_size)  # type: ignore[attr-defined]  # a paging field by contract
        material = canonical_bytes(request, spec.paging_fields)
        return request, cost, key_digest(spec.name, spec.version, namespace, material, known=known)

    async def dispatch_stream(self, name: str, chunks: Sequence[Message], ctx: Context) -> Message:
        """Answer a client stream: its chunks merged (in a worker thread) into one request of the unary
        operation the stream stands for, answered as that one would be (same cache entry), then wrapped."""
        stream = self.spec(name).stream
        if stream is None:
            raise ValueError(f"{name} is not a client-streaming operation")
        check_namespace(ctx.namespace)
        stream.check_chunks(len(chunks))
        for i, chunk in enumerate(chunks):  # named by position, as a chunk that does not parse is
            check_enum_numbers(chunk, f"stream[{i}].")
        async with self._admitted(ctx, Cost(sum(c.ByteSize() for c in chunks))):
            merged = await self.run(stream.merge, chunks, ctx=ctx)
        return stream.wrap(await self.dispatch(stream.answered_by, merged, ctx))

    async def dispatch_body(
        self,
        name: str,
        ctx: Context,
        body_digest: str,
        *,
        body_format: BodyFormat = BodyFormat.JSON,
        max_payload_bytes: int | None = None,
    ) -> Message | None:
        """Fast path: the answer to a byte-identical body seen before, or None (then parse it).

        ``max_payload_bytes``: answer only from a cached result at most that large (a caller on a loop
        that must stay prompt leaves larger ones to be decoded elsewhere)."""
        spec = self.specs.get(name)
        if spec is None or spec.handle is not None or spec.payload_type is None or spec.respond is None:
            return None
        check_namespace(ctx.namespace)
        alias_key = body_alias_key(ctx.namespace, name, spec.version, body_digest, body_format)
        raw = await self.cache.get(alias_key)
        if raw is None:
            return None
        alias = self._open(raw, "alias:" + name, "", cache_pb2.BodyAlias, key=alias_key)
        if alias is None:
            return None
        payload = await self._load(spec, ctx.namespace, alias.key_digest, max_payload_bytes)
        if payload is None:
            return None
        try:
            paging = spec.request_type.FromString(alias.paging_request)
        except DecodeError:
            return None
        info = common_pb2.CacheInfo(cached=True, key_digest=alias.key_digest)
        return self._signed(spec, spec.respond(payload, paging, info), ctx)

    async def load_payload(self, name: str, digest: str, namespace: str, payload_type: type[M]) -> M:
        """The cached payload of operation ``name`` stored under ``digest`` (a fitted model, ...);
        ``payload_type`` must be the operation's (a caller asking for another type is a bug)."""
        spec = self.spec(name)
        if spec.payload_type is not payload_type:
            raise TypeError(f"{name} stores {spec.payload_type}, not {payload_type}")
        check_namespace(namespace)
        payload = await self._load(spec, namespace, digest)
        if payload is None:
            raise NotFound(CACHED_NOT_FOUND)
        assert isinstance(payload, payload_type)
        return payload

    async def flush_cache(self, namespace: str) -> int:
        """Remove every cache entry of ``namespace`` (results and body aliases, in the cache and in this
        process's decoded tier), never its stored data; the number removed from the cache."""
        prefix = tenant_prefix(check_namespace(namespace))
        self.forget_local(prefix)
        return await self.cache.delete_prefix(prefix)

    def forget_local(self, prefix: str) -> int:
        """Drop this process's decoded copies of the cache entries under ``prefix`` (a flush elsewhere:
        ``curation.workers`` tells every process); how many."""
        return self._recent.drop_prefix(prefix)

    async def cached(
        self,
        name: str,
        material: bytes,
        compute: Callable[[], M],
        payload_type: type[M],
        ctx: Context,
        *,
        version: int | None = None,
        cost: Cost | None = None,
    ) -> tuple[M, common_pb2.CacheInfo]:
        """The payload for ``material`` from the cache, or computed in a worker thread and stored.

        Identical computations in flight are shared; the shared one is cancelled when its last caller
        leaves. ``cost`` is what admission reserves while it runs (a direct operation's caller holds its
        own grant already)."""
        spec = self.spec(name)
        version = spec.version if version is None else version
        digest = key_digest(name, version, ctx.namespace, material)
        return await self._cached(name, digest, compute, payload_type, ctx, version=version, cost=cost)

    async def _cached(
        self,
        name: str,
        digest: str,
        compute: Callable[[], M],
        payload_type: type[M],
        ctx: Context,
        *,
        version: int,
        cost: Cost | None,
    ) -> tuple[M, common_pb2.CacheInfo]:
        """:meth:`cached` with the key's digest already made."""
        key = storage_key(ctx.namespace, name, version, digest)
        local = self._recent.get(key, payload_type)
        if local is not None:
            return local, common_pb2.CacheInfo(cached=True, key_digest=digest)
        raw = await self.cache.get(key)
        if raw is not None:
            hit = self._open(raw, f"{name}@v{version}", digest, payload_type, key=key)
            if hit is not None:
                self._recent.put(key, hit, len(raw))
                return hit, common_pb2.CacheInfo(cached=True, key_digest=digest)
        shared = self._in_flight.get(key)
        owner = shared is None
        if shared is None:
            store = self._stored(key, f"{name}@v{version}", digest)
            task = asyncio.create_task(self._compute(name, compute, ctx, cost or Cost(0), store))
            shared = self._in_flight[key] = _Shared(task)
            task.add_done_callback(self._forget_shared(key, shared))
        payload = await self._wait_for(shared, ctx)
        if not owner:  # a caller's payload is its own to read: the others get a copy
            payload = payload_type.FromString(payload.SerializeToString())
        assert isinstance(payload, payload_type)
        return payload, common_pb2.CacheInfo(cached=False, key_digest=digest)

    # ------------------------------------------------------------------ tenant-bound page tokens
    def _check_token(self, spec: AnySpec, request: Message, ctx: Context, digest: str | None) -> None:
        """Refuse, before anything is computed, a page token not issued to this tenant (``NotFound``) or
        (``digest`` known) issued for another request (``curation.ops.paging``)."""
        if spec.pages:
            paged: Any = request  # AIP-158: ``page_token`` in, ``next_page_token`` out (``spec.pages``)
            check_page_token(paged.page_token, ctx.namespace, self.bindings, digest)

    def _signed(self, spec: AnySpec, response: Message, ctx: Context) -> Message:
        """``response`` with its next page token bound to the caller's tenant."""
        paged: Any = response
        if spec.pages and paged.next_page_token:
            paged.next_page_token = sign_page_token(paged.next_page_token, ctx.namespace, self.bindings)
        return response

    # ------------------------------------------------------------------ internals
    def _admitted(self, ctx: Context, cost: Cost) -> Any:
        """The admission grant for a request (none again for a request already holding one)."""
        if _ADMITTED.get():
            return contextlib.nullcontext()
        return self._grant(ctx, cost)

    @contextlib.asynccontextmanager
    async def _grant(self, ctx: Context, cost: Cost) -> AsyncIterator[None]:
        async with self.admission.admit(ctx.namespace, cost, deadline=ctx.deadline):
            reset = _ADMITTED.set(True)
            try:
                yield
            finally:
                _ADMITTED.reset(reset)

    async def _compute(
        self,
        name: str,
        compute: Callable[[], M],
        ctx: Context,
        cost: Cost,
        store: Callable[[M], Awaitable[None]],
    ) -> M:
        """A shared computation: admitted, run, timed and stored. It has no deadline of its own: every
        caller waits with its own, and the last one to leave cancels it."""
        shared = Context(ctx.namespace, ctx.request_id)
        # A heavy request's ticket before its slot: a slot is never held idle waiting for a ticket.
        async with self._ticket(shared), self._admitted(shared, cost):
            started = time.perf_counter()
            payload = await self.run(compute, ctx=shared)
        self._observer.observe_compute(name, time.perf_counter() - started)
        await store(payload)
        return payload

    def _stored(self, key: str, operation: str, digest: str) -> Callable[[Message], Awaitable[None]]:
        """Writes a computed payload under ``key``: the decoded tier and the cache (an envelope)."""

        async def store(payload: Message) -> None:
            stored = self.envelopes.seal(
                operation=operation, key_digest=digest, key=key, payload=payload.SerializeToString()
            )
            self._recent.put(key, payload, len(stored))
            await self.cache.set(key, stored, ttl_seconds=self.ttl_seconds)

        return store

    def _forget_shared(self, key: str, shared: _Shared) -> Callable[[asyncio.Task[Message]], None]:
        def done(task: asyncio.Task[Message]) -> None:
            if self._in_flight.get(key) is shared:
                del self._in_flight[key]
            if not task.cancelled():
                task.exception()  # retrieved: its waiters re-raise it, or nobody waits any more

        return done

    async def _wait_for(self, shared: _Shared, ctx: Context) -> Message:
        """Wait for a shared computation within this caller's deadline; leaving cancels it if nobody else
        waits."""
        shared.waiters += 1
        remaining = None if ctx.deadline is None else max(0.0, ctx.deadline - time.monotonic())
        try:
            return await asyncio.wait_for(asyncio.shield(shared.task), timeout=remaining)
        except TimeoutError:
            raise DeadlineExceeded("deadline passed before the answer was ready") from None
        finally:
            shared.waiters -= 1
            if shared.waiters == 0 and not shared.task.done():
                shared.task.cancel()

    async def _load(
        self, spec: AnySpec, namespace: str, digest: str, max_bytes: int | None = None
    ) -> Message | None:
        payload_type: type[Message] | None = spec.payload_type
        assert payload_type is not None
        key = storage_key(namespace, spec.name, spec.version, digest)
        local = self._recent.get(key, payload_type, max_size=max_bytes)
        if local is not None:
            return local
        raw = await self.cache.get(key)
        if raw is None or (max_bytes is not None and len(raw) > max_bytes):
            return None
        payload = self._open(raw, f"{spec.name}@v{spec.version}", digest, payload_type, key=key)
        if payload is not None:
            self._recent.put(key, payload, len(raw))
        return payload

    def _open(self, raw: bytes, operation: str, digest: str, payload_type: type[M], *, key: str) -> M | None:
        """Open a signed envelope read under ``key``; anything forged, unsigned, stale or corrupt is
        rejected (a miss, counted with its reason), never served."""
        try:
            return payload_type.FromString(
                self.envelopes.open(raw, operation=operation, key_digest=digest, key=key)
            )
        except (Rejected, DecodeError) as error:
            reason = error.reason if isinstance(error, Rejected) else "corrupt"
            self._observer.on_reject_invalid(self.cache.name, reason)
            log.warning("rejected an invalid cache entry", extra={"operation": operation, "reason": reason})
            return None

    async def _store_alias(
        self,
        spec: AnySpec,
        ctx: Context,
        body_digest: str,
        *,
        body_format: BodyFormat,
        digest: str,
        request: Message,
    ) -> None:
        paging = spec.request_type()
        for field in spec.paging_fields:
            value = getattr(request, field)
            if isinstance(value, Message):
                getattr(paging, field).CopyFrom(value)
            else:
                setattr(paging, field, value)
        alias = cache_pb2.BodyAlias(key_digest=digest, paging_request=paging.SerializeToString())
        key = body_alias_key(ctx.namespace, spec.name, spec.version, body_digest, body_format)
        sealed = self.envelopes.seal(
            operation="alias:" + spec.name, key_digest="", key=key, payload=alias.SerializeToString()
        )
        await self.cache.set(key, sealed, ttl_seconds=self.ttl_seconds)
