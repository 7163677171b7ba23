"""A real server for the client tests: ``python -m curation`` on free ports, stopped with SIGTERM."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parents[3]
_CLIENT = _REPO / "clients" / "python"
if str(_CLIENT) not in sys.path:  # the client is not installed in the service's dev environment
    sys.path.insert(0, str(_CLIENT))

_START_SECONDS = 120.0
MAX_REQUEST_BYTES = 1024 * 1024


@dataclass
class RunningServer:
    process: subprocess.Popen[str]
    http_port: int
    grpc_port: int
    lines: list[dict[str, object]] = field(default_factory=list)
    logs: queue.Queue[dict[str, object]] | None = None

    def drain_logs(self) -> list[dict[str, object]]:
        """Move the log lines read so far into ``lines``; the whole log so far."""
        while self.logs is not None and not self.logs.empty():
            self.lines.append(self.logs.get())
        return self.lines

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"


def _pump(stream: object, out: queue.Queue[dict[str, object]]) -> None:
    """Read the server's JSON log lines until it exits (so its stderr pipe never fills)."""
    for line in stream:  # type: ignore[attr-defined]
        try:
            doc = json.loads(line)
        except ValueError:
            doc = {"message": line.rstrip("\n"), "raw": True}
        out.put(doc)


@contextmanager
def run_server(
    extra_env: Mapping[str, str] | None = None, *, allowed_errors: int = 0
) -> Iterator[RunningServer]:
    """``python -m curation`` on free loopback ports with ``extra_env``, until SIGTERM; after the stop,
    the exit status is 0, the log ends with "stopped", and it holds at most ``allowed_errors`` errors."""
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update(
        CURATION_HOST="127.0.0.1",
        CURATION_HTTP_PORT="0",
        CURATION_GRPC_PORT="0",
        CURATION_WORKERS="2",
        CURATION_MAX_REQUEST_BYTES=str(MAX_REQUEST_BYTES),
        CURATION_SHUTDOWN_GRACE_SECONDS="5",
        PYTHONPATH=os.pathsep.join(p for p in (str(_REPO / "service"), env.get("PYTHONPATH", "")) if p),
    )
    env.update(extra_env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "curation"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    logs: queue.Queue[dict[str, object]] = queue.Queue()
    reader = threading.Thread(target=_pump, args=(process.stderr, logs), daemon=True)
    reader.start()
    seen: list[dict[str, object]] = []
    ports: tuple[int, int] | None = None
    try:
        while True:  # "listening" gives the ports, "serving" says warm-up is done
            doc = logs.get(timeout=_START_SECONDS)
            seen.append(doc)
            if doc.get("message") == "listening":
                ports = (int(doc["http_port"]), int(doc["grpc_port"]))  # type: ignore[call-overload]
            if doc.get("message") == "serving":
                break
    except queue.Empty:
        process.kill()
        process.wait()
        reader.join(timeout=10)
        assert process.stderr is not None
        process.stderr.close()
        raise AssertionError(f"the server did not start; its log: {seen}") from None
    assert ports is not None
    running = RunningServer(process, http_port=ports[0], grpc_port=ports[1], lines=seen, logs=logs)
    yield running
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(timeout=10)
    assert process.stderr is not None
    process.stderr.close()
    running.drain_logs()
    messages = [line.get("message") for line in running.lines]
    errors = [line for line in running.lines if line.get("level") in ("error", "critical")]
    assert code == 0, f"exit status {code}; log tail: {running.lines[-10:]}"
    assert messages[-1] == "stopped"
    assert "shutting down" in messages
    assert len(errors) <= allowed_errors, errors


@pytest.fixture(scope="session")
def server() -> Iterator[RunningServer]:
    with run_server() as running:
        yield running
