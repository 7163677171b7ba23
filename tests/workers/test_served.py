"""End to end through both protocols with compute processes: a caller that disconnects or cancels a heavy
request frees its process for the next one, and health answers meanwhile."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import grpc
import httpx
import pytest
from google.protobuf import json_format
from grpc_health.v1 import health_pb2, health_pb2_grpc

from curation.server import serve
from curation.settings import Settings
from curation.v1 import classification_pb2 as pb
from curation.v1 import diagnostics_pb2_grpc
from tests.workers.slow_specs import request

REGISTRY = "tests.workers.slow_specs:specs"
PATH = "/v1/diagnostics/classification:score"
JSON = {"content-type": "application/json"}


async def wait_for_record(caplog: pytest.LogCaptureFixture, message: str) -> logging.LogRecord:
    for _ in range(12_000):
        for record in caplog.records:
            if record.getMessage() == message:
                return record
        await asyncio.sleep(0.01)
    raise AssertionError(f"no {message!r} log record")


@pytest.fixture
async def ports(caplog: pytest.LogCaptureFixture) -> AsyncIterator[tuple[int, int]]:
    """A server with one compute process of one worker thread: one heavy call holds all its compute."""
    caplog.set_level(logging.INFO, logger="curation.server")
    settings = Settings(
        host="127.0.0.1", http_port=0, grpc_port=0, workers=1, compute_processes=1, shutdown_grace_seconds=2
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop, registry=REGISTRY))
    listening = await wait_for_record(caplog, "listening")
    await wait_for_record(caplog, "serving")
    yield listening.http_port, listening.grpc_port  # type: ignore[attr-defined]
    stop.set()
    assert await task == 0


def body(assets: int) -> bytes:
    return json_format.MessageToJson(request(assets)).encode()


async def test_a_rest_client_that_disconnects_frees_the_compute_process(ports: tuple[int, int]) -> None:
    http_port, _ = ports
    base = f"http://127.0.0.1:{http_port}"
    async with httpx.AsyncClient(base_url=base) as client:
        with pytest.raises(httpx.ReadTimeout):  # the client gives up and closes its connection
            await client.post(PATH, content=body(6000), headers=JSON, timeout=1.0)
        assert (await client.get("/healthz", timeout=5)).status_code == 200
        answer = await client.post(PATH, content=body(1), headers=JSON, timeout=60)
    assert answer.status_code == 200 and answer.json()["summary"]["num_assets"] == "1"


async def test_a_cancelled_grpc_call_frees_the_compute_process(ports: tuple[int, int]) -> None:
    _, grpc_port = ports
    async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        stub = diagnostics_pb2_grpc.DiagnosticsServiceStub(channel)
        call = stub.ScoreClassification(request(6000))
        await asyncio.sleep(1.0)
        call.cancel()
        health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.aio.AioRpcError) as late:
            await stub.ScoreClassification(request(6000), timeout=1.0)
        assert late.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        answer = await stub.ScoreClassification(request(1), timeout=60)
    assert isinstance(answer, pb.ScoreClassificationResponse) and answer.summary.num_assets == 1
