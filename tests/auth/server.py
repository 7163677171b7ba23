"""A real ``python -m curation`` for the authentication tests, with every line of its log kept."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["RunningServer", "running_server"]

_REPO = Path(__file__).resolve().parents[2]
_START_SECONDS = 120.0


@dataclass
class RunningServer:
    process: subprocess.Popen[str]
    http_port: int
    grpc_port: int
    # Every line the server wrote to stderr so far, raw (read on a thread until it exits).
    raw: list[str] = field(default_factory=list)

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def records(self) -> list[dict[str, Any]]:
        out = []
        for line in list(self.raw):
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"message": line, "raw": True})
        return out


@contextmanager
def running_server(env: dict[str, str]) -> Iterator[RunningServer]:
    """The server on free ports of 127.0.0.1 with ``env`` added; SIGTERM and wait after."""
    full = dict(os.environ)
    full.pop("REDIS_URL", None)
    full.update(
        CURATION_HOST="127.0.0.1",
        CURATION_HTTP_PORT="0",
        CURATION_GRPC_PORT="0",
        CURATION_WORKERS="2",
        CURATION_SHUTDOWN_GRACE_SECONDS="2",
        PYTHONPATH=os.pathsep.join(p for p in (str(_REPO / "service"), full.get("PYTHONPATH", "")) if p),
    )
    full.update(env)
    process = subprocess.Popen(
        [sys.executable, "-m", "curation"],
        env=full,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    raw: list[str] = []
    started: queue.Queue[tuple[int, int] | None] = queue.Queue()

    def pump() -> None:
        assert process.stderr is not None
        ports = None
        for line in process.stderr:
            raw.append(line)
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if doc.get("message") == "listening":
                ports = (int(doc["http_port"]), int(doc["grpc_port"]))
            elif doc.get("message") == "serving":
                started.put(ports)
        started.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        ports = started.get(timeout=_START_SECONDS)
        assert ports is not None, f"the server did not start: {raw[-10:]}"
        yield RunningServer(process, ports[0], ports[1], raw)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=10)
        assert process.stderr is not None
        process.stderr.close()
