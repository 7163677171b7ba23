"""Start the real service in a subprocess on free ports, for benchmarks that go through the network."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Running:
    http_port: int
    grpc_port: int

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def grpc(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"


@contextmanager
def running_server(env: dict[str, str] | None = None, timeout: float = 180.0) -> Iterator[Running]:
    """Run ``python -m curation`` with ports chosen by the OS; yield them once it serves (warmed up)."""
    full_env = dict(os.environ)
    full_env.update({"CURATION_HTTP_PORT": "0", "CURATION_GRPC_PORT": "0", "CURATION_HOST": "127.0.0.1"})
    full_env["PYTHONPATH"] = str(ROOT / "service") + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.update(env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "curation"], env=full_env, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    ports: dict[str, int] = {}
    try:
        for line in proc.stderr:
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if doc.get("message") == "listening":
                ports = {"http": int(doc["http_port"]), "grpc": int(doc["grpc_port"])}
            if doc.get("message") == "serving":  # warmed up: what is measured is the steady state
                break
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start in time")
        else:
            raise RuntimeError(f"server exited with {proc.wait()}")
        # Keep reading its log: a full pipe would block the server's next log line.
        threading.Thread(target=proc.stderr.read, daemon=True).start()
        yield Running(ports["http"], ports["grpc"])
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
