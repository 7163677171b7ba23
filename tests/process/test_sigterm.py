"""SIGTERM on a real server process (``tests.process.slow_server``: the real entry point over one slow
fake operation): calls in flight finish, new calls get UNAVAILABLE / 503 with ``Connection: close``
(never CANCELLED, never a reset kept-alive connection), and a long computation does not keep the process
alive past its grace period."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from curation.v1 import classification_pb2 as pb
from curation.v1 import diagnostics_pb2_grpc
from tests.wire_errors import grpc_error, rest_error

PATH = "/v1/diagnostics/classification:score"
ROOT = Path(__file__).resolve().parents[2]


class ServerProcess:
    """``python -m tests.process.slow_server`` with its JSON log lines collected as they come."""

    def __init__(self, grace: float) -> None:
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(sys.path),
            CURATION_HOST="127.0.0.1",
            CURATION_HTTP_PORT="0",
            CURATION_GRPC_PORT="0",
            CURATION_WORKERS="4",
            CURATION_SHUTDOWN_GRACE_SECONDS=str(grace),
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.process.slow_server"],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.records: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        listening = self.wait_for("listening")
        self.wait_for("serving")
        self.http = f"http://127.0.0.1:{listening['http_port']}"
        self.grpc = f"127.0.0.1:{listening['grpc_port']}"

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            try:
                self._lines.put(json.loads(line))
            except ValueError:
                self._lines.put({"message": line.rstrip()})

    def wait_for(self, message: str, **fields: Any) -> dict[str, Any]:
        """The first log record with ``message`` (and ``fields``), waiting up to 30 s for it."""
        index = 0
        while True:
            while index >= len(self.records):
                try:
                    self.records.append(self._lines.get(timeout=30))
                except queue.Empty:
                    raise AssertionError(f"no {message!r} {fields} log line; got {self.records}") from None
            record = self.records[index]
            index += 1
            if record.get("message") == message and all(record.get(k) == v for k, v in fields.items()):
                return record

    async def until(self, message: str, **fields: Any) -> dict[str, Any]:
        """``wait_for`` without blocking the event loop (the calls under test run on it)."""
        return await asyncio.to_thread(self.wait_for, message, **fields)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        self._reader.join(10)
        assert self.process.stderr is not None
        self.process.stderr.close()


@pytest.fixture
def start() -> Iterator[Any]:
    started: list[ServerProcess] = []

    def make(grace: float) -> ServerProcess:
        started.append(ServerProcess(grace))
        return started[-1]

    yield make
    for server in started:
        server.stop()


def request(tag: str, mode: str, argument: str = "0") -> pb.ScoreClassificationRequest:
    return pb.ScoreClassificationRequest(class_names=[tag, mode, argument])


def body(tag: str, mode: str, argument: str = "0") -> dict[str, list[str]]:
    return {"class_names": [tag, mode, argument]}


async def test_sigterm_finishes_calls_in_flight_and_refuses_new_ones(start: Any, tmp_path: Path) -> None:
    server: ServerProcess = start(grace=60)
    gate = tmp_path / "release"
    async with (
        grpc.aio.insecure_channel(server.grpc) as channel,
        httpx.AsyncClient(base_url=server.http) as busy,
        httpx.AsyncClient(base_url=server.http) as kept_alive,
    ):
        stub = diagnostics_pb2_grpc.DiagnosticsServiceStub(channel)
        assert (await kept_alive.post(PATH, json=body("warm", "now"))).status_code == 200
        slow_grpc = stub.ScoreClassification(request("slow-grpc", "gate", str(gate)))
        slow_rest = asyncio.ensure_future(
            busy.post(PATH, json=body("slow-rest", "gate", str(gate)), timeout=60)
        )
        await server.until("computing", tag="slow-grpc")
        await server.until("computing", tag="slow-rest")

        server.process.send_signal(signal.SIGTERM)
        await server.until("shutting down")
        # New calls: UNAVAILABLE on gRPC (on the open connection), 503 + Connection: close on REST (on
        # the kept-alive connection, answered rather than reset).
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.ScoreClassification(request("new-grpc", "now"))
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
        assert grpc_error(info.value).kind == "unavailable"
        refused = await kept_alive.post(PATH, json=body("new-rest", "now"))
        assert refused.status_code == 503
        assert refused.headers["connection"] == "close"
        assert rest_error(refused).kind == "unavailable"
        health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        assert health.status == health_pb2.HealthCheckResponse.NOT_SERVING
        assert (await kept_alive.get("/readyz")).status_code == 503
        assert (await kept_alive.get("/healthz")).status_code == 200  # liveness holds during the drain
        assert not [r for r in server.records if r.get("tag") in ("new-grpc", "new-rest")]  # never computed

        gate.touch()
        answered = await slow_grpc
        assert list(answered.summary.per_class) == [] and answered.cache.key_digest
        finished = await slow_rest
        assert finished.status_code == 200, finished.text
        assert finished.headers["connection"] == "close"
    assert server.process.wait(timeout=30) == 0


async def test_a_long_computation_is_cancelled_and_the_process_exits_within_its_grace(start: Any) -> None:
    grace = 3.0
    server: ServerProcess = start(grace=grace)
    async with (
        grpc.aio.insecure_channel(server.grpc) as channel,
        httpx.AsyncClient(base_url=server.http) as client,
    ):
        stub = diagnostics_pb2_grpc.DiagnosticsServiceStub(channel)
        # Neither computation ever reaches a checkpoint: one uninterruptible 10-minute call each.
        long_grpc = stub.ScoreClassification(request("long-grpc", "block", "600"))
        long_rest = asyncio.ensure_future(
            client.post(PATH, json=body("long-rest", "block", "600"), timeout=60)
        )
        await server.until("computing", tag="long-grpc")
        await server.until("computing", tag="long-rest")
        server.process.send_signal(signal.SIGTERM)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await long_grpc
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
        answered = await long_rest
        assert answered.status_code == 503 and rest_error(answered).kind == "unavailable"
    assert server.process.wait(timeout=grace + 5) == 0
    server.wait_for("grace period over: cancelling running work")
