"""Start a service process (any entry point, any environment) and time it until a probe sees it ready.

``serving`` starts ``argv`` with both ports 0, reads the ports from its ``listening`` log line, then asks
gRPC health ``Check`` and ``GET /readyz`` every 10 ms until both say ready, as a Kubernetes probe would.
``Served.ready_seconds`` is the time from just before the process was started to that moment. Used by
``tests/deploy/test_kernel_cache.py`` and ``bench/cold_start.py``.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

__all__ = ["Served", "serving", "tree_cpu_seconds"]


@dataclass(frozen=True)
class Served:
    http: int
    grpc: int
    pid: int
    ready_seconds: float
    # CPU (user + system) the process and its compute processes had used when it was ready: less noisy
    # than ``ready_seconds`` on a shared machine.
    ready_cpu_seconds: float


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its live descendants (Linux ``/proc``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def _lines(stream: IO[str], out: queue.Queue[str | None]) -> None:
    for line in stream:
        out.put(line)
    out.put(None)


def _ports(lines: queue.Queue[str | None], deadline: float) -> tuple[int, int]:
    seen: list[str] = []
    while True:
        line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        if line is None:
            raise RuntimeError(f"the server exited; its log: {seen[-5:]}")
        seen.append(line)
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if isinstance(doc, dict) and doc.get("message") == "listening":
            return int(doc["http_port"]), int(doc["grpc_port"])


def _ready(http_port: int, grpc_port: int, deadline: float) -> None:
    """Return once gRPC health says SERVING and /readyz answers 200."""
    with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        grpc_ok = http_ok = False
        while not (grpc_ok and http_ok):
            if time.monotonic() > deadline:
                raise TimeoutError("the server did not become ready in time")
            if not grpc_ok:
                status = health.Check(health_pb2.HealthCheckRequest(), timeout=5).status
                grpc_ok = status == health_pb2.HealthCheckResponse.SERVING
            if not http_ok:
                conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=5)
                conn.request("GET", "/readyz")
                http_ok = conn.getresponse().status == 200
                conn.close()
            if not (grpc_ok and http_ok):
                time.sleep(0.01)


@contextmanager
def serving(argv: Sequence[str], env: dict[str, str], *, timeout: float = 300.0) -> Iterator[Served]:
    """Run ``argv`` (a ``curation-serve``) on free ports; yield once it is ready; SIGTERM it after."""
    env = {**env, "CURATION_HTTP_PORT": "0", "CURATION_GRPC_PORT": "0", "CURATION_HOST": "127.0.0.1"}
    started = time.monotonic()
    proc = subprocess.Popen(
        list(argv),
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_lines, args=(proc.stderr, lines), daemon=True)
    reader.start()
    try:
        deadline = started + timeout
        http_port, grpc_port = _ports(lines, deadline)
        _ready(http_port, grpc_port, deadline)
        ready = time.monotonic() - started
        yield Served(http_port, grpc_port, proc.pid, ready, tree_cpu_seconds(proc.pid))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=10)
        proc.stderr.close()
