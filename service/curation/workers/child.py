"""A compute process: the seam of this service over the server's cache, answering calls over a pipe.

It imports the registry, runs the warm-up hooks (unless forked from a warm server: see ``forked``), says
``ready``, then answers ``call`` messages with the in-process gateway (parse, seam, encode), several at a
time (the seam's admission and threads bound them). ``cancel`` cancels one call (its computation stops at
the next checkpoint), ``stop`` cancels everything and exits. The cache and the store live in the server
process: every cache or store operation is a ``remote`` message answered there, so all processes share
one cache, one store and their budgets; cache entries are sealed with the server's signing keys. SIGINT
and SIGTERM are the server's to handle: here they are ignored, and the process ends when told or when the
pipe closes.
"""

from __future__ import annotations

import asyncio
import importlib
import itertools
import logging
import os
import signal
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from curation.errors import INTERNAL_MESSAGE, CurationError
from curation.logs import REQUEST_ID, configure_logging
from curation.ops import BodyFormat, Context, Operations
from curation.ops.envelopes import Envelopes
from curation.ops.gateway import Codec, InProcess
from curation.workers.channel import Channel, Header, unpack
from curation.workers.config import WorkerConfig, error_of
from curation.workers.memory import TRIM_AFTER_BYTES, QuietTrim

__all__ = ["forked", "main"]

log = logging.getLogger("curation.workers")


def _load(path: str) -> Any:
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


class _Parent:
    """Calls into the server process: ``remote`` requests and their replies, matched by ID."""

    def __init__(self, channel: Channel, loop: asyncio.AbstractEventLoop) -> None:
        self.channel = channel
        self.loop = loop
        self._ids = itertools.count()
        self._pending: dict[int, asyncio.Future[Any]] = {}

    async def call(
        self, target: str, method: str, *args: Any, frames: Sequence[bytes] = (), **kw: Any
    ) -> Any:
        rid = next(self._ids)
        future: asyncio.Future[Any] = self.loop.create_future()
        self._pending[rid] = future
        try:
            self.channel.send(("remote", rid, target, method, args, kw), frames)
            return await future
        finally:
            self._pending.pop(rid, None)

    def reply(self, rid: int, ok: bool, value: Any, frames: list[bytes]) -> None:
        future = self._pending.get(rid)
        if future is None or future.done():
            return
        if not ok:
            future.set_exception(error_of(*value))
        else:
            future.set_result(unpack(value, frames))

    def notify(self, method: str, *args: Any) -> None:
        self.channel.send(("observe", method, args))


class RemoteCache:
    """The server's cache, reached over the pipe (``curation.cache.base.Cache``)."""

    def __init__(self, parent: _Parent, name: str) -> None:
        self._parent = parent
        self.name = name

    async def get(self, key: str) -> bytes | None:
        value: bytes | None = await self._parent.call("cache", "get", key)
        return value

    async def set(self, key: str, value: bytes, *, ttl_seconds: int) -> bool:
        return bool(await self._parent.call("cache", "set", key, frames=[value], ttl_seconds=ttl_seconds))

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        values: list[bytes | None] = await self._parent.call("cache", "get_many", list(keys))
        return values

    async def set_many(self, items: Mapping[str, bytes], *, ttl_seconds: int) -> int:
        keys = list(items)
        frames = [items[k] for k in keys]
        return int(await self._parent.call("cache", "set_many", keys, frames=frames, ttl_seconds=ttl_seconds))

    async def delete(self, key: str) -> None:
        await self._parent.call("cache", "delete", key)

    async def delete_prefix(self, prefix: str) -> int:
        return int(await self._parent.call("cache", "delete_prefix", prefix))

    async def ping(self) -> bool:
        return bool(await self._parent.call("cache", "ping"))

    async def close(self) -> None:
        pass

    def describe(self) -> dict[str, str]:
        return {"backend": self.name, "via": "server process"}


class RemoteStore:
    """The server's store, reached over the pipe (``curation.store.Store``): one budget for all processes."""

    def __init__(self, parent: _Parent, name: str, max_bytes: int) -> None:
        self._parent = parent
        self.name = name
        self.max_bytes = max_bytes

    async def get(self, key: str) -> bytes | None:
        value: bytes | None = await self._parent.call("store", "get", key)
        return value

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        values: list[bytes | None] = await self._parent.call("store", "get_many", list(keys))
        return values

    async def put_many(self, items: Mapping[str, bytes]) -> None:
        keys = list(items)
        await self._parent.call("store", "put_many", keys, frames=[items[k] for k in keys])

    async def delete_many(self, keys: Sequence[str]) -> int:
        return int(await self._parent.call("store", "delete_many", list(keys)))

    async def delete_prefix(self, prefix: str) -> int:
        return int(await self._parent.call("store", "delete_prefix", prefix))

    async def used_bytes(self) -> int:
        return int(await self._parent.call("store", "used_bytes"))

    async def ping(self) -> bool:
        return bool(await self._parent.call("store", "ping"))

    async def close(self) -> None:
        pass

    def describe(self) -> dict[str, str]:
        return {"backend": self.name, "via": "server process"}


class _Observer:
    """Seam counters, forwarded to the server's metrics."""

    def __init__(self, parent: _Parent) -> None:
        self._parent = parent

    def on_reject_invalid(self, backend: str, reason: str) -> None:
        self._parent.notify("on_reject_invalid", backend, reason)

    def observe_compute(self, operation: str, seconds: float) -> None:
        self._parent.notify("observe_compute", operation, seconds)


@dataclass(slots=True)
class _Call:
    call_id: int
    name: str
    format: BodyFormat
    stream: bool
    frames: list[bytes]
    digest: str  # the body's SHA-256 when the server knows it, else ""
    probe: bool  # no body: answer from the digest alone, or say "miss"


class _Child:
    def __init__(self, channel: Channel, config: WorkerConfig, loop: asyncio.AbstractEventLoop) -> None:
        self.channel = channel
        self.loop = loop
        self.parent = _Parent(channel, loop)
        specs = _load(config.registry)()
        self.ops = Operations.from_settings(
            config.settings,
            specs,
            RemoteCache(self.parent, "server"),
            observer=_Observer(self.parent),
            store=RemoteStore(self.parent, config.store_name, config.store_max_bytes),
            envelopes=Envelopes(config.signing_keys),
            share=config.processes,
        )
        self.gateway = InProcess(self.ops)
        self.codecs: dict[BodyFormat, Codec] = {fmt: _load(path) for fmt, path in config.codecs.items()}
        self.calls: dict[int, asyncio.Task[None]] = {}
        self.stopped = asyncio.Event()
        self.trim = QuietTrim()

    def on_message(self, header: Header, frames: list[bytes]) -> None:
        kind = header[0]
        if kind == "call":
            _, call_id, name, fmt, stream, namespace, request_id, deadline, digest, probe = header
            ctx = Context(namespace=namespace, request_id=request_id, deadline=deadline)
            call = _Call(call_id, name, BodyFormat(fmt), stream, frames, digest, probe)
            task = self.loop.create_task(self.answer(call, ctx))
            self.calls[call_id] = task
            task.add_done_callback(lambda _: self.calls.pop(call_id, None))
        elif kind == "cancel":
            running = self.calls.get(header[1])
            if running is not None:
                running.cancel()
        elif kind == "reply":
            _, rid, ok, value = header
            self.parent.reply(rid, ok, value, frames)
        elif kind == "cancel_all":
            self.ops.cancel_running(header[1])
        elif kind == "forget":
            self.ops.forget_local(header[1])
        elif kind == "stop":
            self.stop()

    async def answer(self, call: _Call, ctx: Context) -> None:
        call_id, name = call.call_id, call.name
        token = REQUEST_ID.set(ctx.request_id)
        large = sum(len(f) for f in call.frames) >= TRIM_AFTER_BYTES
        if large:  # its freed memory is trimmed once large calls stop coming (``QuietTrim``)
            self.trim.begin()
        try:
            codec = self.codecs[call.format]
            if call.probe:
                known = await self.gateway.answer_known(name, call.digest, codec, ctx)
                if known is None:
                    self.channel.send(("miss", call_id))
                else:
                    self.channel.send(("done", call_id), [known])
                return
            if call.stream:
                out = await self.gateway.answer_stream(name, call.frames, codec, ctx)
            else:
                digest = call.digest or None
                out = await self.gateway.answer(name, call.frames[0], codec, ctx, digest=digest)
            self.channel.send(("done", call_id), [out])
        except CurationError as exc:
            self.channel.send(("fail", call_id, (exc.kind.value, exc.message, exc.field)))
        except asyncio.CancelledError:
            self.channel.send(("cancelled", call_id))
        except Exception:
            log.exception("unexpected error in %s", name, extra={"rpc": name})
            self.channel.send(("fail", call_id, ("internal", INTERNAL_MESSAGE, "")))
        finally:
            REQUEST_ID.reset(token)
            if large:
                call.frames.clear()
                self.trim.end()

    def stop(self) -> None:
        self.ops.close()
        for task in list(self.calls.values()):
            task.cancel()
        self.stopped.set()


def _read(channel: Channel, child: _Child) -> None:
    """The reader thread: every message goes to the event loop; a closed pipe stops the process."""
    try:
        while True:
            header, frames = channel.recv()
            child.loop.call_soon_threadsafe(child.on_message, header, frames)
    except (EOFError, OSError):
        child.loop.call_soon_threadsafe(child.stop)


async def _serve(conn: Connection, config: WorkerConfig, *, warm: bool) -> None:
    channel = Channel(conn)
    loop = asyncio.get_running_loop()
    child = _Child(channel, config, loop)
    hooks = dict.fromkeys(s.warm_up for s in child.ops.specs.values() if s.warm_up is not None)
    for hook in hooks if warm else ():
        await asyncio.to_thread(hook)
    threading.Thread(target=_read, args=(channel, child), name="curation-pipe", daemon=True).start()
    channel.send(("ready",))
    await child.stopped.wait()
    pending = list(child.calls.values())
    if pending:
        await asyncio.wait(pending, timeout=1.0)


def main(conn: Connection, config: WorkerConfig, *, warm: bool = True) -> None:
    """Process entry point (``multiprocessing`` target); ``warm=False`` skips the warm-up hooks (the
    kernels are already loaded)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    configure_logging(config.settings.log_level)
    asyncio.run(_serve(conn, config, warm=warm))
    # Now, without joining worker threads: one stuck in a call that never reaches a checkpoint must not
    # keep this process alive after the server has gone.
    logging.shutdown()
    os._exit(0)


def forked(conn: Connection, config: WorkerConfig, inherited: Sequence[Connection]) -> None:
    """Entry point of a process forked from the serving process after its warm-up
    (``ProcessPool.fork``): it closes the pipe ends it inherited but does not own, then serves without
    warming up again (the registry is imported and every kernel loaded, in pages shared with the server)."""
    for end in inherited:
        end.close()
    main(conn, config, warm=False)
