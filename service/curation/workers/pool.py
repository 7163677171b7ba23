"""Compute processes behind the serving process: the ``Gateway`` that sends request bytes to them.

The serving process keeps the sockets, health, metrics and the cache; it parses nothing large and
computes nothing, so its event loop answers ``/healthz``, ``/readyz`` and gRPC health promptly while a
maximum-size request is parsed and scored elsewhere, and one pod uses all its cores. Each call goes to
the process with the fewest request bytes in flight; with two processes or more, heavy calls (bodies of
``HEAVY_BODY_BYTES`` or more) never go to the last one, which keeps answering small requests while the
others parse and score large ones. A small body's repeat is answered here, from the cache, without a
hop: the serving process hashes the body and answers when the cached result is small too
(``LOCAL_BYTES``), else the call goes to a process with the digest. Inside a process the seam's
admission (memory budget, fair queue per tenant) and cancel tokens apply as they do in one process.

Cancellation: when a caller leaves or its deadline passes, the process is told to cancel the call (its
computation stops at the next checkpoint). A process that has not confirmed within ``CANCEL_SECONDS``
(stuck in a call that cannot be interrupted) is killed and replaced, its other calls failing with
``unavailable`` (clients retry it). A process that dies is replaced the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import multiprocessing
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from curation.cache.base import Cache
from curation.contract import OFF_LOOP_BYTES
from curation.errors import INTERNAL_MESSAGE, CurationError, Unavailable
from curation.ops import Context, body_digest
from curation.ops.gateway import Codec, InProcess
from curation.ops.operations import Observer
from curation.store import Store
from curation.tracing import Stages
from curation.workers import child
from curation.workers.answers import RecentAnswers
from curation.workers.channel import Channel, Header, pack
from curation.workers.config import WorkerConfig, error_of
from curation.workers.memory import TRIM_AFTER_BYTES, QuietTrim

__all__ = ["CANCEL_SECONDS", "HEAVY_BODY_BYTES", "LOCAL_BYTES", "LOCAL_WORK", "ProcessPool"]

log = logging.getLogger("curation.workers")

# How long a process may take to confirm a cancelled call before it is replaced.
CANCEL_SECONDS = 5.0
# A call whose body is at least this large is heavy: it never goes to the last compute process, so small
# requests are never queued behind the parsing and scoring of large ones (the README-size request
# waited 39 s behind four 70 KB ones).
HEAVY_BODY_BYTES = 1024 * 1024
# Bodies below this size are hashed in the serving process and their repeats answered there, when the
# cached result is below it too: decoding and encoding that little costs less than the hop and never
# holds the loop long (bench/e2e.py, README request cached, 1 client p50: REST 1.31 -> 0.68 ms).
LOCAL_BYTES = 64 * 1024
# Smaller bodies of cached operations are computed here, at most LOCAL_CALLS at a time (the others still
# spread over the processes): cold README request, 1 client p50: REST 5.1 -> 2.5 ms, gRPC 5.6 -> 2.8.
LOCAL_COMPUTE_BYTES = 16 * 1024
LOCAL_CALLS = 2
# ... and only when the operation's cost follows from its body (``OperationSpec.cost_from_body``) and its
# estimated work, in the operation's own steps, is at most this: a small body may still state a large
# matrix (labeling's num_rows x num_functions) or thousands of classes (k^2 confusion cells).
LOCAL_WORK = 100_000
# The encoded answers to small repeats kept here (``curation.workers.answers``): a REST repeat of the
# README request skips its protojson encoding, a gRPC one its alias lookup and page cut.
ANSWERS_BYTES = 8 * 1024 * 1024
# How long a process may take to exit when told to stop.
STOP_SECONDS = 1.0
# The calls a compute process may make that carry no frames, per target.
_READS = {
    "cache": ("get", "get_many", "delete", "delete_prefix", "ping"),
    "store": ("get", "get_many", "delete_many", "delete_prefix", "used_bytes", "ping"),
}


@dataclass(eq=False)
class _Process:
    """One compute process as the server sees it."""

    index: int
    process: BaseProcess
    channel: Channel
    writer: ThreadPoolExecutor
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    calls: dict[int, tuple[asyncio.Future[bytes | None], int]] = field(default_factory=dict)
    bytes_in_flight: int = 0
    alive: bool = True


class ProcessPool:
    """A ``curation.ops.gateway.Gateway`` over ``config.processes`` compute processes; ``local`` (the
    serving process's own seam, over the same cache) answers small repeats without a hop."""

    def __init__(
        self,
        config: WorkerConfig,
        cache: Cache,
        store: Store,
        observer: Observer,
        *,
        local: InProcess | None = None,
        stages: Stages | None = None,
    ) -> None:
        self.config = config
        self.local = local
        # The hop to a process is one span when tracing is on (the processes record none).
        self.stages = Stages() if stages is None else stages
        self._local_running = 0
        self._answers = RecentAnswers(ANSWERS_BYTES, LOCAL_BYTES)
        self.cache = cache
        self.store = store
        self.observer = observer
        self._context = multiprocessing.get_context("spawn")
        self._procs: list[_Process] = []
        self._ids = itertools.count()
        self._closing = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._trim = QuietTrim()
        # Processes forked before the event loop (see :meth:`fork`), adopted by :meth:`start`.
        self._forked: list[tuple[BaseProcess, Connection]] = []

    # ------------------------------------------------------------------ life cycle
    def fork(self) -> bool:
        """Start every process now as a fork of this one, before its event loop; whether it did.

        Called by the entry point once this process has imported the registry and loaded every kernel
        (``curation.wiring.prepare``): the forks share those pages and skip the imports and warm-ups a
        spawned process repeats (about a second of CPU each), so they are ready within milliseconds.
        Forking is only safe without other threads, so with any running (a test's event loop, its
        executors) this starts nothing and :meth:`start` spawns them as before. Replacements are always
        spawned: by then the server's threads run.
        """
        if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
            return False
        context = multiprocessing.get_context("fork")
        for index in range(self.config.processes):
            parent_end, child_end = context.Pipe(duplex=True)
            # A fork inherits every descriptor: the earlier processes' pipe ends (and its own parent
            # end) must be closed there, or a process would never see its pipe close when the server dies.
            inherited = [end for _, end in self._forked] + [parent_end]
            process = context.Process(
                target=child.forked,
                args=(child_end, self.config, inherited),
                name=f"curation-compute-{index}",
                daemon=True,
            )
            process.start()
            child_end.close()
            self._forked.append((process, parent_end))
        return True

    async def start(self) -> None:
        """Adopt the forked processes, spawn the others (they import and warm up in parallel; see
        :meth:`wait_ready`)."""
        self._loop = asyncio.get_running_loop()
        forked, self._forked = self._forked, []
        for index in range(self.config.processes):
            if index < len(forked):
                self._procs.append(self._adopt(index, *forked[index], method="fork"))
            else:
                self._procs.append(self._spawn(index))

    async def wait_ready(self) -> None:
        """Return once every process has warmed up and said ``ready``."""
        await asyncio.gather(*(p.ready.wait() for p in self._procs))

    @property
    def pids(self) -> list[int]:
        return [p.process.pid or 0 for p in self._procs]

    def cancel_running(self, reason: str) -> None:
        """Answer every call in flight ``Unavailable`` now and tell the processes to cancel their work."""
        for proc in self._procs:
            self._send(proc, ("cancel_all", reason))
            self._fail_all(proc, f"the computation was stopped ({reason}); retry")

    async def close(self) -> None:
        """Tell every process to stop (running calls are cancelled), then kill whoever lingers."""
        self._closing = True
        for proc in self._procs:
            self._send(proc, ("stop",))
        await asyncio.to_thread(self._join_all)
        for proc in self._procs:
            self._fail_all(proc, "the service is shutting down")
            proc.writer.shutdown(wait=False, cancel_futures=True)

    def _join_all(self) -> None:
        for proc in self._procs:
            proc.process.join(STOP_SECONDS)
            if proc.process.is_alive():
                proc.process.kill()
                proc.process.join()
            proc.channel.close()

    def _spawn(self, index: int) -> _Process:
        parent_end, child_end = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=child.main, args=(child_end, self.config), name=f"curation-compute-{index}", daemon=True
        )
        process.start()
        child_end.close()
        return self._adopt(index, process, parent_end, method="spawn")

    def _adopt(self, index: int, process: BaseProcess, parent_end: Connection, *, method: str) -> _Process:
        """The server's side of a started process: its channel, writer thread and reader thread."""
        proc = _Process(
            index=index,
            process=process,
            channel=Channel(parent_end),
            writer=ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"curation-pipe-{index}"),
        )
        threading.Thread(target=self._read, args=(proc,), name=f"curation-pipe-{index}", daemon=True).start()
        log.info(
            "compute process started", extra={"index": index, "pid": process.pid, "start_method": method}
        )
        return proc

    # ------------------------------------------------------------------ calls
    async def answer(
        self, name: str, body: bytes, codec: Codec, ctx: Context, *, digest: str | None = None
    ) -> bytes:
        """A small body's repeat is answered here (its encoded answer kept, ``RecentAnswers``), and a small
        body whose cost follows from it is computed here when cheap enough; a large body is first asked
        for by its digest alone (a byte-identical repeat is answered from the cache without moving the
        body to a process), and sent only when that misses."""
        if self.local is not None and len(body) < LOCAL_BYTES:
            digest = digest or body_digest(body)
            key = (name, ctx.namespace, codec.format.value, digest)
            known = self._answers.get(key)
            if known is None:
                known = await self.local.answer_known(name, digest, codec, ctx, max_payload_bytes=LOCAL_BYTES)
                if known is not None:
                    self._answers.put(key, known)
            if known is not None:
                return known
            if self._local_compute(name, body):
                here = await self._compute_here(name, body, codec, ctx, digest)
                if here is not None:
                    return here
        elif len(body) >= OFF_LOOP_BYTES:
            if digest is None:
                digest = await asyncio.to_thread(body_digest, body)
            known = await self._call(name, [], codec, ctx, stream=False, digest=digest, probe=True)
            if known is not None:
                return known
        return await self._hop(name, body, codec, ctx, digest or "")

    async def _compute_here(
        self, name: str, body: bytes, codec: Codec, ctx: Context, digest: str
    ) -> bytes | None:
        assert self.local is not None
        self._local_running += 1
        try:
            return await self.local.answer_cheap(name, body, codec, ctx, digest=digest, max_work=LOCAL_WORK)
        finally:
            self._local_running -= 1

    async def _hop(self, name: str, body: bytes, codec: Codec, ctx: Context, digest: str) -> bytes:
        answer = await self._call(name, [body], codec, ctx, stream=False, digest=digest)
        assert answer is not None  # only a probe misses
        return answer

    def _local_compute(self, name: str, body: bytes) -> bool:
        """Whether to try answering here: a small body of an operation whose cost follows from its body
        alone (``OperationSpec.cost_from_body``: no stored data, nothing inflated), while fewer than
        ``LOCAL_CALLS`` are computed here. ``InProcess.answer_cheap`` then computes it only when its
        estimated work is at most ``LOCAL_WORK``; everything else goes to the processes."""
        if self.local is None or len(body) >= LOCAL_COMPUTE_BYTES or self._local_running >= LOCAL_CALLS:
            return False
        spec = self.local.ops.specs.get(name)
        return spec is not None and spec.cost_from_body

    async def answer_stream(self, name: str, chunks: Sequence[bytes], codec: Codec, ctx: Context) -> bytes:
        answer = await self._call(name, list(chunks), codec, ctx, stream=True)
        assert answer is not None
        return answer

    async def _call(
        self,
        name: str,
        frames: list[bytes],
        codec: Codec,
        ctx: Context,
        *,
        stream: bool,
        digest: str = "",
        probe: bool = False,
    ) -> bytes | None:
        if self._closing:
            raise Unavailable("the service is shutting down")
        size = sum(len(f) for f in frames)
        proc = self._pick(size)
        call_id = next(self._ids)
        future: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        proc.calls[call_id] = (future, size)
        proc.bytes_in_flight += size
        header = (
            "call",
            call_id,
            name,
            codec.format.value,
            stream,
            ctx.namespace,
            ctx.request_id,
            ctx.deadline,
            digest,
            probe,
        )
        if size >= TRIM_AFTER_BYTES:  # trimmed once large calls stop coming (``QuietTrim``)
            self._trim.begin()
            future.add_done_callback(lambda _: self._trim.end())
        hop = {"curation.process": proc.index, "curation.bytes": size}
        with self.stages.span("curation.compute_process", hop):
            self._send(proc, header, frames)
            try:
                return await asyncio.shield(future)
            except asyncio.CancelledError:
                if not future.done():
                    self._send(proc, ("cancel", call_id))
                    self._watch_cancel(proc, call_id)
                raise

    def _pick(self, size: int) -> _Process:
        """The process for a call of ``size`` body bytes: the least loaded one; a heavy call never goes
        to the last process (it stays free for light calls) when there are two or more."""
        live = [p for p in self._procs if p.alive]
        if not live:
            raise Unavailable("no compute process is running; retry")
        if size >= HEAVY_BODY_BYTES and len(self._procs) > 1:
            live = [p for p in live if p.index != len(self._procs) - 1] or live
        return min(live, key=lambda p: (not p.ready.is_set(), p.bytes_in_flight, len(p.calls), -p.index))

    def _send(self, proc: _Process, header: Header, frames: Sequence[bytes] = ()) -> None:
        """Send from the process's writer thread, in order, never blocking the event loop."""
        if not proc.alive:
            return
        with contextlib.suppress(RuntimeError):  # the writer was shut down: the pool is closing
            proc.writer.submit(self._write, proc, header, frames)

    def _write(self, proc: _Process, header: Header, frames: Sequence[bytes]) -> None:
        with contextlib.suppress(OSError, ValueError):  # the process is gone: its reader reports it
            proc.channel.send(header, frames)

    def _watch_cancel(self, proc: _Process, call_id: int) -> None:
        """Replace ``proc`` if it has not confirmed the cancelled call within ``CANCEL_SECONDS``."""
        assert self._loop is not None

        def check() -> None:
            if proc.alive and call_id in proc.calls and not self._closing:
                log.warning(
                    "a compute process did not stop a cancelled call: replacing it",
                    extra={"index": proc.index, "pid": proc.process.pid},
                )
                proc.process.kill()

        self._loop.call_later(CANCEL_SECONDS, check)

    # ------------------------------------------------------------------ messages from the processes
    def _read(self, proc: _Process) -> None:
        """Reader thread: hand every message to the event loop; on EOF report the process gone."""
        assert self._loop is not None
        try:
            while True:
                header, frames = proc.channel.recv()
                self._loop.call_soon_threadsafe(self._on_message, proc, header, frames)
        except (EOFError, OSError):
            pass
        with contextlib.suppress(RuntimeError):  # the loop is closed: the server has stopped
            self._loop.call_soon_threadsafe(self._on_exit, proc)

    def _on_message(self, proc: _Process, header: Header, frames: list[bytes]) -> None:
        kind = header[0]
        if kind == "ready":
            proc.ready.set()
        elif kind in ("done", "miss", "fail", "cancelled"):
            entry = proc.calls.pop(header[1], None)
            if entry is None:
                return
            future, size = entry
            proc.bytes_in_flight -= size
            if future.done():
                return
            if kind == "done":
                future.set_result(frames[0])
            elif kind == "miss":
                future.set_result(None)
            elif kind == "fail":
                future.set_exception(error_of(*header[2]))
            else:
                future.set_exception(Unavailable("the call was cancelled"))
        elif kind == "remote":
            task = asyncio.get_running_loop().create_task(self._remote(proc, header, frames))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        elif kind == "observe":
            _, method, args = header
            getattr(self.observer, method)(*args)

    async def _remote(self, proc: _Process, header: Header, frames: list[bytes]) -> None:
        """Answer a compute process's cache or store call."""
        _, rid, target, method, args, kw = header
        try:
            value = await self._serve_call(target, method, args, kw, frames)
        except CurationError as exc:  # a store refusing a put, a backend down: the caller's error
            self._send(proc, ("reply", rid, False, (exc.kind.value, exc.message, exc.field)))
            return
        except Exception:
            log.exception("a compute process's call to the server failed", extra={"method": method})
            self._send(proc, ("reply", rid, False, ("internal", INTERNAL_MESSAGE, "")))
            return
        packed, out = pack(value)
        self._send(proc, ("reply", rid, True, packed), out)

    async def _serve_call(
        self, target: str, method: str, args: tuple[Any, ...], kw: dict[str, Any], frames: list[bytes]
    ) -> Any:
        if target == "cache" and method == "set":
            return await self.cache.set(args[0], frames[0], **kw)
        if target == "cache" and method == "set_many":
            return await self.cache.set_many(dict(zip(args[0], frames, strict=True)), **kw)
        if target == "store" and method == "put_many":
            return await self.store.put_many(dict(zip(args[0], frames, strict=True)))
        if target == "cache" and method == "delete_prefix":
            return await self._flush(args[0])
        allowed = _READS.get(target, ())
        if method not in allowed:
            raise ValueError(f"unknown call {target}.{method}")
        return await getattr(self.cache if target == "cache" else self.store, method)(*args)

    async def _flush(self, prefix: str) -> int:
        """A compute process flushing a tenant's cache (``AdminService/FlushCache``): the shared cache's
        entries go, and so do the copies every process keeps in front of it - the encoded answers and
        decoded payloads here, the decoded payloads in every compute process - so that the tenant's next
        request is computed again wherever it lands."""
        removed = await self.cache.delete_prefix(prefix)
        if self.local is not None:
            self.local.ops.forget_local(prefix)
        self._answers.drop_tenant(prefix)
        for proc in self._procs:
            self._send(proc, ("forget", prefix))
        return removed

    def _on_exit(self, proc: _Process) -> None:
        if not proc.alive:
            return
        proc.alive = False
        self._fail_all(proc, "a compute process stopped; retry")
        proc.writer.shutdown(wait=False, cancel_futures=True)
        if self._closing:
            return
        log.error("compute process exited", extra={"index": proc.index, "exitcode": proc.process.exitcode})
        proc.process.join(0)
        self._procs[self._procs.index(proc)] = self._spawn(proc.index)

    def _fail_all(self, proc: _Process, message: str) -> None:
        for future, _ in proc.calls.values():
            if not future.done():
                future.set_exception(Unavailable(message))
        proc.calls.clear()
        proc.bytes_in_flight = 0
