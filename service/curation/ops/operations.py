"""The ops seam: validate, key, look up, compute off the event loop, store, respond.

Both adapters call ``Operations.dispatch`` with a parsed request message (``dispatch_body`` first for a
byte-identical repeat, ``dispatch_stream`` for a client stream's chunks); nothing protocol-specific
happens here, so gRPC and REST cannot drift. CPU-heavy work runs in a bounded thread pool and the event
loop stays free for health checks. Identical requests in flight at the same time are computed once.
``Operations`` is the ``Seam`` the adapters call and the ``Host`` a direct operation's handler uses.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from google.protobuf.message import DecodeError, Message

from curation.cache.base import Cache
from curation.contract import DEFAULT_CACHE_TTL_SECONDS
from curation.core import Cancelled, CancelToken, cancellable
from curation.errors import DeadlineExceeded, LimitExceeded, NotFound, Unavailable
from curation.ops.keys import body_alias_key, canonical_bytes, check_namespace, key_digest, storage_key
from curation.ops.operation_spec import BodyFormat, Context, Cost, OperationSpec
from curation.ops.paging import check_page_size
from curation.ops.recent import RecentPayloads
from curation.v1 import common_pb2

__all__ = ["CACHE_SCHEMA_VERSION", "DEFAULT_MAX_REQUEST_MEMORY_BYTES", "Observer", "Operations"]

log = logging.getLogger("curation.ops")

# Version of the envelope layout itself; each operation has its own algorithm version besides.
CACHE_SCHEMA_VERSION = 1
# The estimated peak memory one request may take (its Cost.memory_bytes), unless configured otherwise.
DEFAULT_MAX_REQUEST_MEMORY_BYTES = 2 * 1024**3

T = TypeVar("T")
M = TypeVar("M", bound=Message)


AnySpec = OperationSpec[Any, Any, Any]


class Observer(Protocol):
    """Counters the seam reports to (``curation.metrics.Metrics`` implements it)."""

    def on_reject_invalid(self, backend: str) -> None: ...

    def observe_compute(self, operation: str, seconds: float) -> None: ...


class _NullObserver:
    def on_reject_invalid(self, backend: str) -> None:
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
        self._in_flight: dict[str, asyncio.Future[Message]] = {}
        self._recent = RecentPayloads(local_bytes)
        self.max_request_memory_bytes = max_request_memory_bytes
        # The token of every computation in the pool, and the future its caller's wait ends on.
        self._running: dict[CancelToken, asyncio.Future[str]] = {}

    def spec(self, name: str) -> AnySpec:
        try:
            return self.specs[name]
        except KeyError:
            raise NotFound(f"unknown operation {name}") from None

    def close(self) -> None:
        """Stop taking work; running computations finish in their threads."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    def cancel_running(self, reason: str) -> None:
        """Cancel every computation running in the pool: its caller gets ``Unavailable`` at once and the
        computation stops at its next ``checkpoint()`` (shutdown, at the end of its grace)."""
        for token, stopped in list(self._running.items()):
            token.cancel(reason)
            if not stopped.done():
                stopped.set_result(reason)

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

    # ------------------------------------------------------------------ running
    async def run(self, fn: Callable[..., T], *args: Any, ctx: Context) -> T:
        """Run a blocking callable in the worker pool, giving up when the caller's deadline passes."""
        loop = asyncio.get_running_loop()
        token = CancelToken(ctx.deadline)

        def call() -> T:
            with cancellable(token):
                return fn(*args)

        try:
            future = loop.run_in_executor(self._executor, call)
        except RuntimeError:  # the pool was shut down: the process is stopping
            raise Unavailable("the service is shutting down") from None
        stopped: asyncio.Future[str] = loop.create_future()
        self._running[token] = stopped
        try:
            return await self._wait(future, stopped, ctx)
        except Cancelled as exc:
            if exc.reason == "deadline":
                raise DeadlineExceeded("deadline passed before the answer was ready") from None
            raise Unavailable(f"the computation was stopped ({exc.reason}); retry") from None
        finally:
            del self._running[token]
            if not future.done():  # nobody waits for it any more: stop it at its next checkpoint
                future.cancel()
                token.cancel("abandoned")

    @staticmethod
    async def _wait(future: asyncio.Future[T], stopped: asyncio.Future[str], ctx: Context) -> T:
        """``future``'s result, ``Cancelled`` as soon as ``stopped`` is settled, ``DeadlineExceeded`` when
        the caller's deadline passes first."""
        timeout = None
        if ctx.deadline is not None:
            timeout = ctx.deadline - time.monotonic()
            if timeout <= 0:
                raise DeadlineExceeded("deadline passed before the computation started")
        waiting: set[asyncio.Future[Any]] = {future, stopped}
        done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if future in done:
            return future.result()
        if stopped in done:
            raise Cancelled(stopped.result())  # cancel_running: answer now; the thread stops at a checkpoint
        raise DeadlineExceeded("deadline passed before the answer was ready")

    # ------------------------------------------------------------------ dispatch
    async def dispatch(
        self,
        name: str,
        request: Message,
        ctx: Context,
        *,
        body_digest: str | None = None,
        body_format: BodyFormat = BodyFormat.JSON,
    ) -> Message:
        """Answer one request. ``body_digest`` is the SHA-256 of the raw bytes it was parsed from (JSON for
        REST, wire bytes for gRPC), remembered so that a byte-identical repeat is answered unparsed."""
        spec = self.spec(name)
        check_namespace(ctx.namespace)
        if spec.stream is not None:
            raise ValueError(f"{name} is a client-streaming operation: use dispatch_stream")
        self.estimate(spec, request)
        if spec.handle is not None:
            response: Message = await spec.handle(self, request, ctx)
            return response
        assert spec.evaluate is not None and spec.respond is not None and spec.payload_type is not None
        if "page_size" in spec.paging_fields:  # rejected before anything is computed
            check_page_size(request.page_size)  # type: ignore[attr-defined]  # a paging field by contract
        material = canonical_bytes(request, spec.paging_fields)
        evaluate = spec.evaluate
        payload, info = await self.cached(
            name, material, lambda: evaluate(request), spec.payload_type, ctx, version=spec.version
        )
        answer: Message = spec.respond(payload, request, info)
        if body_digest is not None:
            await self._store_alias(
                spec, ctx, body_digest, body_format=body_format, digest=info.key_digest, request=request
            )
        return answer

    async def dispatch_stream(self, name: str, chunks: Sequence[Message], ctx: Context) -> Message:
        """Answer a client stream: its chunks merged (in a worker thread) into one request of the unary
        operation the stream stands for, answered as that one would be (same cache entry), then wrapped."""
        stream = self.spec(name).stream
        if stream is None:
            raise ValueError(f"{name} is not a client-streaming operation")
        check_namespace(ctx.namespace)
        merged = await self.run(stream.merge, chunks, ctx=ctx)
        return stream.wrap(await self.dispatch(stream.answered_by, merged, ctx))

    async def dispatch_body(
        self, name: str, ctx: Context, body_digest: str, *, body_format: BodyFormat = BodyFormat.JSON
    ) -> Message | None:
        """Fast path: the answer to a byte-identical body seen before, or None (then parse it)."""
        spec = self.specs.get(name)
        if spec is None or spec.handle is not None or spec.payload_type is None or spec.respond is None:
            return None
        check_namespace(ctx.namespace)
        raw = await self.cache.get(
            body_alias_key(ctx.namespace, name, spec.version, body_digest, body_format)
        )
        if raw is None:
            return None
        alias = self._open(raw, "alias:" + name, "", common_pb2.BodyAlias)
        if alias is None:
            return None
        payload = await self._load(spec, ctx.namespace, alias.key_digest)
        if payload is None:
            return None
        try:
            paging = spec.request_type.FromString(alias.paging_request)
        except DecodeError:
            return None
        info = common_pb2.CacheInfo(cached=True, key_digest=alias.key_digest)
        answer: Message = spec.respond(payload, paging, info)
        return answer

    async def load_payload(self, name: str, digest: str, namespace: str, payload_type: type[M]) -> M:
        """The cached payload of operation ``name`` stored under ``digest`` (a fitted model, ...);
        ``payload_type`` must be the operation's (a caller asking for another type is a bug)."""
        spec = self.spec(name)
        if spec.payload_type is not payload_type:
            raise TypeError(f"{name} stores {spec.payload_type}, not {payload_type}")
        check_namespace(namespace)
        payload = await self._load(spec, namespace, digest)
        if payload is None:
            raise NotFound(f"nothing is cached under {digest!r} for {name} (expired or never computed)")
        assert isinstance(payload, payload_type)
        return payload

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
        """The payload for ``material`` from the cache, or computed in a worker thread and stored."""
        spec = self.spec(name)
        version = spec.version if version is None else version
        digest = key_digest(name, version, ctx.namespace, material)
        key = storage_key(ctx.namespace, name, version, digest)
        local = self._recent.get(key, payload_type)
        if local is not None:
            return local, common_pb2.CacheInfo(cached=True, key_digest=digest)
        raw = await self.cache.get(key)
        if raw is not None:
            hit = self._open(raw, f"{name}@v{version}", digest, payload_type)
            if hit is not None:
                self._recent.put(key, hit, len(raw))
                return hit, common_pb2.CacheInfo(cached=True, key_digest=digest)
        waiting = self._in_flight.get(key)
        if waiting is not None:
            shared = await asyncio.shield(waiting)
            result = payload_type.FromString(shared.SerializeToString())
            return result, common_pb2.CacheInfo(cached=False, key_digest=digest)
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            started = time.perf_counter()
            payload = await self.run(compute, ctx=ctx)
            self._observer.observe_compute(name, time.perf_counter() - started)
            future.set_result(payload)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it, nobody else must
            raise
        finally:
            del self._in_flight[key]
        envelope = common_pb2.CacheEnvelope(
            schema_version=CACHE_SCHEMA_VERSION,
            operation=f"{name}@v{version}",
            key_digest=digest,
            payload=payload.SerializeToString(),
        )
        stored = envelope.SerializeToString()
        self._recent.put(key, payload, len(stored))
        await self.cache.set(key, stored, ttl_seconds=self.ttl_seconds)
        return payload, common_pb2.CacheInfo(cached=False, key_digest=digest)

    # ------------------------------------------------------------------ internals
    async def _load(self, spec: AnySpec, namespace: str, digest: str) -> Message | None:
        payload_type: type[Message] | None = spec.payload_type
        assert payload_type is not None
        key = storage_key(namespace, spec.name, spec.version, digest)
        local = self._recent.get(key, payload_type)
        if local is not None:
            return local
        raw = await self.cache.get(key)
        if raw is None:
            return None
        payload = self._open(raw, f"{spec.name}@v{spec.version}", digest, payload_type)
        if payload is not None:
            self._recent.put(key, payload, len(raw))
        return payload

    def _open(self, raw: bytes, operation: str, digest: str, payload_type: type[M]) -> M | None:
        """Parse an envelope; anything forged, stale or corrupt is rejected (a miss), never executed."""
        try:
            envelope = common_pb2.CacheEnvelope.FromString(raw)
            if (
                envelope.schema_version != CACHE_SCHEMA_VERSION
                or envelope.operation != operation
                or (digest and envelope.key_digest != digest)
            ):
                raise ValueError("envelope does not match the lookup")
            return payload_type.FromString(envelope.payload)
        except (DecodeError, ValueError):
            self._observer.on_reject_invalid(self.cache.name)
            log.warning("rejected an invalid cache entry", extra={"operation": operation})
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
        alias = common_pb2.BodyAlias(key_digest=digest, paging_request=paging.SerializeToString())
        envelope = common_pb2.CacheEnvelope(
            schema_version=CACHE_SCHEMA_VERSION,
            operation="alias:" + spec.name,
            payload=alias.SerializeToString(),
        )
        await self.cache.set(
            body_alias_key(ctx.namespace, spec.name, spec.version, body_digest, body_format),
            envelope.SerializeToString(),
            ttl_seconds=self.ttl_seconds,
        )
