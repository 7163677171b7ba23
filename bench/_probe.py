"""A health probe loop in its own process: ``/healthz``, ``/readyz`` and gRPC health ``Check`` every ~10 ms.

Each probe runs in its own thread on its own kept-alive connection (so a stall of one does not delay the
others) and records ``(started, seconds, ok)`` with ``time.monotonic()``, which is one clock for every
process of the machine: the caller cuts the samples into windows of its own load.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event as EventType
from typing import Any

import grpc
import numpy as np
from grpc_health.v1 import health_pb2, health_pb2_grpc

__all__ = ["PROBES", "Probes", "Stats", "probing", "stats"]

PROBES = ("healthz", "readyz", "grpc-health")
# (started, seconds, why it failed or "")
Sample = tuple[float, float, str]


@dataclass(frozen=True)
class Stats:
    """Latencies of one probe (or one kind of request) over a window, in seconds."""

    count: int
    failed: int
    p50: float
    p99: float
    max: float

    def row(self) -> str:
        """``n p50 p99 max`` in milliseconds."""
        if not self.count:
            return f"{'-':>6} {'-':>7} {'-':>7} {'-':>7}"
        bad = f" ({self.failed} failed)" if self.failed else ""
        return f"{self.count:>6} {self.p50 * 1e3:7.1f} {self.p99 * 1e3:7.1f} {self.max * 1e3:7.1f}{bad}"


def stats(seconds: list[float], failed: int = 0) -> Stats:
    if not seconds:
        return Stats(0, failed, 0.0, 0.0, 0.0)
    a = np.asarray(seconds)
    return Stats(len(a), failed, float(np.quantile(a, 0.5)), float(np.quantile(a, 0.99)), float(a.max()))


@dataclass
class Probes:
    """Every probe's samples once the loop has stopped."""

    samples: dict[str, list[Sample]] = field(default_factory=dict)

    def window(self, probe: str, start: float, end: float) -> Stats:
        """Stats of the probes of ``probe`` in flight at some time between ``start`` and ``end``
        (monotonic seconds), so a probe stalled by a request that began just after it is counted."""
        picked = self._picked(probe, start, end)
        return stats([s[1] for s in picked], sum(1 for s in picked if s[2]))

    def failures(self, probe: str, start: float, end: float) -> list[str]:
        """Why the probes of ``probe`` in the window failed, each reason once."""
        return list(dict.fromkeys(s[2] for s in self._picked(probe, start, end) if s[2]))

    def _picked(self, probe: str, start: float, end: float) -> list[Sample]:
        return [s for s in self.samples.get(probe, []) if s[0] <= end and s[0] + s[1] >= start]


def _loop(check: Callable[[], str], stop: EventType, interval: float, timeout: float) -> list[Sample]:
    out: list[Sample] = []
    while not stop.is_set():
        started = time.monotonic()
        try:
            error = check()
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:160]
        took = time.monotonic() - started
        out.append((started, min(took, timeout), error))
        time.sleep(max(0.0, interval - took))
    return out


def _run(
    http_port: int,
    grpc_port: int,
    *,
    ready: EventType,
    stop: EventType,
    out: Any,
    interval: float,
    timeout: float,
) -> None:
    """The probe process: three probe threads until ``stop``, then every sample onto ``out``."""
    import http.client

    channel = grpc.insecure_channel(f"127.0.0.1:{grpc_port}")
    health = health_pb2_grpc.HealthStub(channel)

    def get(conn: http.client.HTTPConnection, path: str) -> str:
        try:
            conn.request("GET", path)
            reply = conn.getresponse()
            reply.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            raise
        return "" if reply.status == 200 else f"HTTP {reply.status}"

    def check() -> str:
        status = health.Check(health_pb2.HealthCheckRequest(), timeout=timeout).status
        return "" if status == health_pb2.HealthCheckResponse.SERVING else f"status {status}"

    conns = {p: http.client.HTTPConnection("127.0.0.1", http_port, timeout=timeout) for p in PROBES[:2]}
    checks: dict[str, Callable[[], str]] = {
        "healthz": lambda: get(conns["healthz"], "/healthz"),
        "readyz": lambda: get(conns["readyz"], "/readyz"),
        "grpc-health": check,
    }
    results: dict[str, list[Sample]] = {}

    def run(name: str) -> None:
        results[name] = _loop(checks[name], stop, interval, timeout)

    threads = [threading.Thread(target=run, args=(name,)) for name in PROBES]
    for t in threads:
        t.start()
    ready.set()
    for t in threads:
        t.join()
    channel.close()
    out.put(results)


@contextmanager
def probing(
    http_port: int, grpc_port: int, *, interval: float = 0.01, timeout: float = 10.0
) -> Iterator[Probes]:
    """Probe the server from another process while the body runs; the samples are filled in on exit."""
    ctx = mp.get_context("spawn")
    ready, stop = ctx.Event(), ctx.Event()
    out: Any = ctx.Queue()
    proc = ctx.Process(
        target=_run,
        args=(http_port, grpc_port),
        kwargs={"ready": ready, "stop": stop, "out": out, "interval": interval, "timeout": timeout},
        daemon=True,
    )
    proc.start()
    if not ready.wait(60):
        proc.kill()
        raise RuntimeError("the probe process did not start")
    time.sleep(0.2)  # a few probes before the body starts: the first ones open the connections
    probes = Probes()
    try:
        yield probes
    finally:
        stop.set()
        probes.samples.update(out.get(timeout=timeout + 60))
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
