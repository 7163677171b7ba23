"""Start the real service in a subprocess on free ports, for benchmarks that go through the network."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Running:
    http_port: int
    grpc_port: int
    pid: int = 0
    # Every JSON log line the server wrote so far (appended by a reader thread while it runs).
    log: list[dict[str, Any]] = field(default_factory=list, compare=False)
    # Seconds from the process's spawn to its "listening" and "serving" log lines (as read here).
    startup: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def grpc(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"


def _pump(stream: IO[str], out: queue.Queue[dict[str, Any] | None]) -> None:
    """Read the server's log lines until it exits, so its stderr pipe never fills and blocks it."""
    for line in stream:
        try:
            doc = json.loads(line)
        except ValueError:
            doc = {"message": line.rstrip("\n"), "raw": True}
        out.put(doc if isinstance(doc, dict) else {"message": str(doc)})
    out.put(None)


@contextmanager
def running_server(
    env: dict[str, str] | None = None, timeout: float = 180.0, *, serving: bool = True
) -> Iterator[Running]:
    """Run ``python -m curation`` with ports chosen by the OS; yield them once it listens (with
    ``serving``, once its warm-up is done and it reports ready)."""
    full_env = dict(os.environ)
    full_env.update({"CURATION_HTTP_PORT": "0", "CURATION_GRPC_PORT": "0", "CURATION_HOST": "127.0.0.1"})
    full_env["PYTHONPATH"] = str(ROOT / "service") + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.update(env or {})
    spawned = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "curation"],
        env=full_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stderr is not None
    lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
    reader = threading.Thread(target=_pump, args=(proc.stderr, lines), daemon=True)
    reader.start()
    seen: list[dict[str, Any]] = []
    wanted = "serving" if serving else "listening"
    deadline = time.monotonic() + timeout
    ports: tuple[int, int] | None = None
    startup: dict[str, float] = {}
    try:
        while True:
            try:
                doc = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"server did not start in time; its log: {seen[-5:]}") from None
            if doc is None:
                raise RuntimeError(f"server exited with {proc.wait()}; its log: {seen[-5:]}")
            seen.append(doc)
            if doc.get("message") in ("listening", "serving"):
                startup[str(doc["message"])] = time.monotonic() - spawned
            if doc.get("message") == "listening":
                ports = (int(doc["http_port"]), int(doc["grpc_port"]))
            if doc.get("message") == wanted:
                break
        assert ports is not None
        running = Running(ports[0], ports[1], proc.pid, seen, startup)
        threading.Thread(target=_collect, args=(lines, seen), daemon=True).start()
        yield running
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=10)
        proc.stderr.close()


def _collect(lines: queue.Queue[dict[str, Any] | None], into: list[dict[str, Any]]) -> None:
    while (doc := lines.get()) is not None:
        into.append(doc)
