"""``python -m curation`` / ``curation-serve``: read the environment, serve gRPC and REST until SIGTERM.

Start-up order (issue 10: start to SERVING within 3 s): settings, then ``curation.wiring.prepare``
(imports the operations, loads every kernel, forks the compute processes), and only then the servers'
imports (grpc, FastAPI, uvicorn), which the compute processes do not need. This module imports neither at
its top: a replacement compute process, spawned, imports it as its ``__mp_main__``.
"""

from __future__ import annotations

import asyncio
import logging
import os

from curation.logs import configure_logging
from curation.settings import Settings
from curation.tls import TlsFiles, TlsPaths
from curation.tracing import span_exporters
from curation.wiring import Runtime, prepare
from curation.workers import ProcessPool

__all__ = ["main"]

log = logging.getLogger("curation.server")


async def _serve_then_exit(
    settings: Settings, runtime: Runtime, pool: ProcessPool | None, tls: TlsFiles | None
) -> None:
    """Serve, then end the process with the exit status without unwinding the interpreter.

    Once ``serve`` returns, the calls are drained, the HTTP server and the cache are closed and nothing
    is left to save but the logs (flushed here). Leaving with ``os._exit`` from inside the loop is what
    keeps the shutdown's promises: the interpreter would otherwise wait for a worker thread still deep
    in a computation that ignored its cancellation (past the grace period, until SIGKILL), and the gRPC
    server's teardown would fail calls queued in grpc core with CANCELLED instead of the UNAVAILABLE
    their closed connection gives them.
    """
    from curation.server import serve  # noqa: PLC0415  (after the fork: see the module docstring)

    try:
        status = await serve(settings, runtime=runtime, pool=pool, stop_grpc=False, tls=tls)
    except OSError as exc:  # a port in use, an address that does not exist here
        log.error("could not start: %s", exc)
        status = 1
    logging.shutdown()
    os._exit(status)


def main() -> None:
    """Entry point: JSON logs, settings from ``CURATION_*``, both servers; exit 0 after a clean stop,
    1 when a port cannot be bound, 2 for bad configuration."""
    configure_logging()
    try:
        settings = Settings.from_env()
        span_exporters(settings)  # a traces exporter that is not installed is bad configuration too
        paths = TlsPaths.from_settings(settings)
        tls = None if paths is None else TlsFiles(paths)  # unreadable or mismatched files: bad too
    except ValueError as exc:
        log.error("bad configuration: %s", exc)
        raise SystemExit(2) from None
    configure_logging(settings.log_level, trace_ids=settings.tracing)
    runtime, pool = prepare(settings)
    asyncio.run(_serve_then_exit(settings, runtime, pool, tls))


if __name__ == "__main__":
    main()
