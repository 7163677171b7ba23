"""The process: gRPC and REST over one Runtime in one asyncio loop, with a graceful shutdown.

Start-up: build the runtime, bind both ports (port 0 picks a free one; loopback only while nobody
authenticates, unless anonymous serving is allowed: ``Settings.bind_host``), start both servers, log one
``{"message": "listening", "http_port": ..., "grpc_port": ...}`` line, run every operation family's
``warm_up()`` in a thread or wait for the compute processes to be ready (readiness stays NOT_SERVING
meanwhile), then mark the runtime serving and log ``"serving"``. The entry point builds the runtime,
runs the warm-ups and forks the compute processes before this (``curation.wiring.prepare``), so it
passes a warm ``runtime`` and a forked ``pool`` and nothing is warmed twice.

Shutdown, on SIGTERM or SIGINT, within ``shutdown_grace_seconds`` (G):

1. stop reporting ready (``/readyz`` 503, gRPC health NOT_SERVING) and close the gate
   (``Runtime.drain``): from now on a new call gets UNAVAILABLE on gRPC and 503 ``unavailable`` with
   ``Connection: close`` on REST, while both servers keep running -- stopping grpc.aio at once would
   fail calls that have reached it with CANCELLED, and stopping uvicorn would close kept-alive
   connections under requests already on their way;
2. wait until no admitted call is in flight, at most G minus a short tail (``_STOP_TAIL_SECONDS``, or a
   quarter of G if that is less);
3. if calls are still running, cancel their computations (``Runtime.cancel_running``): their callers
   get UNAVAILABLE at once, and each computation stops at its next checkpoint;
4. stop both servers within the tail (the entry point leaves gRPC to the process exit, see ``serve``),
   close the runtime and return 0.

The entry point (``curation.__main__``) then ends the process at once, from inside the loop: neither a
computation thread that ignored its cancellation nor grpc's teardown can hold it past the grace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import signal
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

import uvicorn

from curation.rest.app import create_app
from curation.rest.connections import ConnectionLimits, guarded_protocol
from curation.rpc import GrpcServer, create_grpc_server
from curation.settings import Settings
from curation.tls import TlsFiles, TlsPaths
from curation.wiring import Runtime, build_runtime, start_pool, start_tracing, warm_up_hooks
from curation.workers import DEFAULT_REGISTRY, ProcessPool

__all__ = ["bind_http_socket", "serve", "warm_up_hooks"]

log = logging.getLogger("curation.server")

# The end of the grace period kept for stopping the servers once calls are done or cancelled.
_STOP_TAIL_SECONDS = 1.0


class _Uvicorn(uvicorn.Server):
    """uvicorn without its own signal handlers: this process owns SIGTERM/SIGINT and stops both servers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def bind_http_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket for uvicorn (bound here so port 0 resolves before anything is served).

    The protocol is named (``IPPROTO_TCP``), not left 0: asyncio turns on ``TCP_NODELAY`` only for
    transports whose socket reports it, and without it every response on a kept-alive connection waits
    for the client's delayed ACK (about 40 ms) before its body leaves.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


@dataclass
class _Servers:
    """What start-up has set up so far: shutdown releases exactly that, whatever failed."""

    grpc: GrpcServer | None = None
    sock: socket.socket | None = None
    http: _Uvicorn | None = None
    http_task: asyncio.Task[None] | None = None


async def serve(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    runtime: Runtime | None = None,
    registry: str | None = None,
    pool: ProcessPool | None = None,
    stop_grpc: bool = True,
    tls: TlsFiles | None = None,
) -> int:
    """Serve until SIGTERM/SIGINT (or ``stop`` is set); the process exit status.

    Compute processes (``settings.processes``) import ``registry`` (default: every operation when the
    runtime is built here); a given ``runtime`` with no ``registry`` computes in its own threads, unless a
    ``pool`` is given (``curation.wiring.prepare``: its processes are forked already).
    ``stop_grpc=False`` (the entry point, which ends the process right after) leaves the drained gRPC
    server to the process exit: grpc.aio's ``stop`` fails the calls grpc core has queued but not yet
    handed to a handler with CANCELLED (measured: 16 of 20 callers retrying without back-off), while a
    socket closed by the exit fails them UNAVAILABLE. Both ports serve TLS from ``tls`` (default: read
    from the ``CURATION_TLS_*`` files, ``curation.tls.TlsError`` when they cannot be used). Raises
    ``OSError`` when a port cannot be bound (after releasing whatever was already set up).
    """
    paths = TlsPaths.from_settings(settings)
    if tls is None and paths is not None:
        tls = TlsFiles(paths)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event() if stop is None else stop
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if runtime is None:
        runtime = build_runtime(settings)
        registry = registry or DEFAULT_REGISTRY
    servers = _Servers()
    try:
        pool = pool or start_pool(runtime, registry)
        if pool is not None:
            await pool.start()
        start_tracing(runtime)  # after the fork, before the servers read it
        await _start(runtime, settings, servers, tls)
        await _warm_up_then_serve(runtime, servers, stop, pool)
        await _until_stopped(stop, servers)
        log.info("shutting down", extra={"grace_seconds": settings.shutdown_grace_seconds})
    finally:
        await _shut_down(runtime, settings, servers, stop_grpc=stop_grpc)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    log.info("stopped")
    return 0


def _ssl_factory(tls: TlsFiles | None) -> Callable[..., ssl.SSLContext] | None:
    """uvicorn's ``ssl_context_factory``: the context that follows the TLS files (None: plaintext)."""
    if tls is None:
        return None
    return lambda _config, _default: tls.listening_context()


async def _start(runtime: Runtime, settings: Settings, servers: _Servers, tls: TlsFiles | None) -> None:
    """Bind both ports, start both servers, return once uvicorn reports it has started."""
    host = settings.bind_host
    if host != settings.host:
        log.warning(
            "no authentication configured (CURATION_API_KEYS_FILE, CURATION_JWKS_FILE or _URL): listening "
            "on loopback only; set CURATION_ALLOW_ANONYMOUS=true to serve other hosts without it",
            extra={"host": host, "configured_host": settings.host},
        )
    servers.grpc = create_grpc_server(runtime, tls=tls)
    servers.sock = bind_http_socket(host, settings.http_port)
    http_port = int(servers.sock.getsockname()[1])
    servers.http = _Uvicorn(
        uvicorn.Config(
            create_app(runtime),
            host=host,
            port=http_port,
            lifespan="on",
            log_config=None,
            access_log=False,
            http=guarded_protocol(ConnectionLimits.from_settings(settings)),
            ssl_context_factory=_ssl_factory(tls),
            # Only the tail: the drain before it lets calls finish (see the module docstring).
            timeout_graceful_shutdown=math.ceil(_stop_tail(settings.shutdown_grace_seconds)),
        )
    )
    await servers.grpc.start()
    servers.http_task = asyncio.create_task(servers.http.serve(sockets=[servers.sock]), name="uvicorn")
    while not servers.http.started:
        if servers.http_task.done():
            servers.http_task.result()  # re-raise why uvicorn stopped
            raise RuntimeError("the HTTP server stopped during start-up")
        await asyncio.sleep(0.01)
    log.info(
        "listening",
        extra={
            "http_port": http_port,
            "grpc_port": servers.grpc.port,
            "tls": "off" if tls is None else "mutual" if tls.mutual else "on",
        },
    )


async def _warm_up_then_serve(
    runtime: Runtime, servers: _Servers, stop: asyncio.Event, pool: ProcessPool | None
) -> None:
    """Run every warm-up hook in a thread, or wait for the compute processes to have run theirs
    (requests are answered meanwhile), then report ready."""
    assert servers.grpc is not None
    # Hooks ``curation.wiring.prepare`` ran already are not run again.
    hooks = [] if runtime.warmed else warm_up_hooks(runtime.ops.specs.values())
    # Its own thread, not the loop's default executor, which asyncio.run waits for without a bound.
    warm = ThreadPoolExecutor(max_workers=1, thread_name_prefix="curation-warm-up")
    loop = asyncio.get_running_loop()
    steps: list[Callable[[], Awaitable[Any]]] = (
        [pool.wait_ready] if pool is not None else [partial(loop.run_in_executor, warm, h) for h in hooks]
    )
    try:
        for step in steps:
            warming = asyncio.ensure_future(step())
            stopping = asyncio.ensure_future(stop.wait())
            either: set[asyncio.Future[Any]] = {warming, stopping}
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if stop.is_set():
                warming.cancel()
                return
            warming.result()
    finally:
        warm.shutdown(wait=False, cancel_futures=True)
    if not stop.is_set():
        runtime.serving = True
        await servers.grpc.set_serving(True)
        log.info("serving", extra={"warm_up_hooks": len(hooks)})


async def _until_stopped(stop: asyncio.Event, servers: _Servers) -> None:
    """Wait for a stop signal; an HTTP server that ends on its own is an error."""
    assert servers.http_task is not None
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({stopped, servers.http_task}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if servers.http_task.done():
        servers.http_task.result()
        raise RuntimeError("the HTTP server stopped unexpectedly")


def _stop_tail(grace: float) -> float:
    return min(_STOP_TAIL_SECONDS, grace / 4)


async def _shut_down(runtime: Runtime, settings: Settings, servers: _Servers, *, stop_grpc: bool) -> None:
    """Drain, cancel what is still running at the end of the grace, stop both servers, close."""
    deadline = time.monotonic() + settings.shutdown_grace_seconds
    tail = _stop_tail(settings.shutdown_grace_seconds)
    runtime.serving = False
    runtime.drain.begin()
    if servers.grpc is not None:
        await servers.grpc.stop_serving()
    if not await runtime.drain.wait_idle(deadline - tail - time.monotonic()):
        log.warning(
            "grace period over: cancelling running work", extra={"in_flight": runtime.drain.in_flight}
        )
        runtime.cancel_running("shutdown")
        await runtime.drain.wait_idle(tail / 2)
    if servers.http is not None:
        servers.http.should_exit = True
    remaining = max(0.1, deadline - time.monotonic())
    await asyncio.gather(
        *([] if servers.grpc is None or not stop_grpc else [servers.grpc.stop(remaining)]),
        *([] if servers.http_task is None else [servers.http_task]),
    )
    if servers.sock is not None:
        servers.sock.close()
    await runtime.close()
