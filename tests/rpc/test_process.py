"""The process entry: both servers in one loop, warm-up before readiness, graceful stop with exit 0."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from curation.errors import Unavailable
from curation.ops import Context
from curation.server import bind_http_socket, serve, warm_up_hooks
from curation.settings import Settings
from curation.v1 import classification_pb2 as pb
from curation.v1 import diagnostics_pb2_grpc
from curation.wiring import Runtime, build_runtime

from .conftest import FakeScoring, fake_spec


def test_warm_up_hooks_are_the_specs_own_once_each_in_registry_order(scoring: FakeScoring) -> None:
    calls: list[str] = []

    def first() -> None:
        calls.append("first")

    def second() -> None:
        calls.append("second")

    specs = [fake_spec(scoring, warm_up=first), fake_spec(scoring), fake_spec(scoring, warm_up=second)]
    hooks = warm_up_hooks([*specs, specs[0]])
    for hook in hooks:
        hook()
    assert calls == ["first", "second"]


def test_the_registry_warms_up_every_kernel_family_once() -> None:
    from curation.core import detection, labeling, sampling
    from curation.ops.registry import all_specs

    # Sampling's: the detection strategy's greedy box matching (Select and Plan share the one hook).
    assert warm_up_hooks(all_specs()) == [detection.warm_up, labeling.warm_up, sampling.warm_up]


async def wait_for_record(caplog: pytest.LogCaptureFixture, message: str) -> logging.LogRecord:
    for _ in range(1000):
        for record in caplog.records:
            if record.getMessage() == message:
                return record
        await asyncio.sleep(0.01)
    raise AssertionError(f"no {message!r} log record")


async def test_serves_both_protocols_and_stops_cleanly(
    scoring: FakeScoring, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="curation.server")
    settings = Settings(host="127.0.0.1", http_port=0, grpc_port=0, workers=1, shutdown_grace_seconds=2)
    seen_during_warm_up: list[bool] = []
    runtime: Runtime = build_runtime(
        settings, [fake_spec(scoring, warm_up=lambda: seen_during_warm_up.append(runtime.serving))]
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop, runtime=runtime))
    listening = await wait_for_record(caplog, "listening")
    await wait_for_record(caplog, "serving")
    http_port, grpc_port = listening.http_port, listening.grpc_port  # type: ignore[attr-defined]
    assert seen_during_warm_up == [False]
    assert runtime.serving

    async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        request = pb.ScoreClassificationRequest(class_names=["a"], asset_ids=["x"], y_true=[0], y_pred=[0])
        over_grpc = await diagnostics_pb2_grpc.DiagnosticsServiceStub(channel).ScoreClassification(request)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http_port}") as client:
        ready = await client.get("/readyz")
        over_rest = await client.post(
            "/v1/diagnostics/classification:score",
            json={"class_names": ["a"], "asset_ids": ["x"], "y_true": [0], "y_pred": [0]},
        )
    assert ready.status_code == 200
    assert over_rest.status_code == 200
    assert over_rest.json()["cache"] == {"cached": True, "key_digest": over_grpc.cache.key_digest}
    assert scoring.calls == 1

    stop.set()
    assert await asyncio.wait_for(task, 30) == 0
    assert not runtime.serving
    await wait_for_record(caplog, "stopped")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http_port}") as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/healthz")


async def test_shutdown_lets_calls_in_flight_finish(
    scoring: FakeScoring, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="curation.server")
    settings = Settings(host="127.0.0.1", http_port=0, grpc_port=0, workers=1, shutdown_grace_seconds=20)
    runtime = build_runtime(settings, [fake_spec(scoring)])
    scoring.gate = threading.Event()
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop, runtime=runtime))
    listening = await wait_for_record(caplog, "listening")
    await wait_for_record(caplog, "serving")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{listening.grpc_port}") as channel:  # type: ignore[attr-defined]
        stub = diagnostics_pb2_grpc.DiagnosticsServiceStub(channel)
        call = stub.ScoreClassification(pb.ScoreClassificationRequest(class_names=["a"]))
        for _ in range(1000):
            if scoring.calls:
                break
            await asyncio.sleep(0.01)
        stop.set()
        await wait_for_record(caplog, "shutting down")
        assert not runtime.serving
        assert not task.done()
        scoring.gate.set()
        response = await call
    assert response.summary.per_class[0].class_name == "a"
    assert await asyncio.wait_for(task, 30) == 0


@pytest.mark.parametrize("protocol", ["http", "grpc"])
async def test_a_port_in_use_fails_start_up_and_releases_everything(
    scoring: FakeScoring, protocol: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ports = (
            {"http_port": port, "grpc_port": 0} if protocol == "http" else {"http_port": 0, "grpc_port": port}
        )
        settings = Settings(host="127.0.0.1", workers=1, **ports)
        runtime = build_runtime(settings, [fake_spec(scoring)])
        with pytest.raises(OSError):
            await serve(settings, runtime=runtime)
    assert not runtime.serving
    with pytest.raises(Unavailable):  # the runtime was closed: its worker pool takes no more work
        await runtime.ops.run(int, ctx=Context())


def test_bad_configuration_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    from curation import __main__ as entry

    monkeypatch.setattr(entry, "configure_logging", lambda: None)  # keep pytest's log handlers
    monkeypatch.setenv("CURATION_GRPC_PORT", "not-a-number")
    with pytest.raises(SystemExit) as info:
        entry.main()
    assert info.value.code == 2


async def test_accepted_http_connections_have_nagle_off() -> None:
    """asyncio sets TCP_NODELAY only on sockets that report IPPROTO_TCP: the listening socket must."""
    sock = bind_http_socket("127.0.0.1", 0)
    accepted: list[int] = []

    def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(on_connect, sock=sock)
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", sock.getsockname()[1])
        for _ in range(100):
            if accepted:
                break
            await asyncio.sleep(0.01)
        writer.close()
        assert sock.proto == socket.IPPROTO_TCP
        assert accepted and accepted[0] != 0
    finally:
        server.close()
        await server.wait_closed()


async def test_kept_alive_rest_calls_do_not_wait_for_delayed_acks(
    scoring: FakeScoring, caplog: pytest.LogCaptureFixture
) -> None:
    """With Nagle on, every answer on a kept-alive connection waited ~40 ms for the client's delayed ACK;
    the bound here is generous (30 ms at the median, where the bug gave 44), the figures are bench's."""
    caplog.set_level(logging.INFO, logger="curation.server")
    settings = Settings(host="127.0.0.1", http_port=0, grpc_port=0, workers=1, shutdown_grace_seconds=2)
    runtime = build_runtime(settings, [fake_spec(scoring)])
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop, runtime=runtime))
    listening = await wait_for_record(caplog, "listening")
    http_port = listening.http_port  # type: ignore[attr-defined]
    body = {"class_names": ["a"], "asset_ids": ["x"], "y_true": [0], "y_pred": [0]}
    took: list[float] = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http_port}") as client:
        for _ in range(21):
            began = time.perf_counter()
            reply = await client.post("/v1/diagnostics/classification:score", json=body)
            took.append(time.perf_counter() - began)
            assert reply.status_code == 200
    stop.set()
    assert await asyncio.wait_for(task, 30) == 0
    assert sorted(took)[len(took) // 2] < 0.03


async def test_a_stop_during_warm_up_does_not_wait_for_it(
    scoring: FakeScoring, caplog: pytest.LogCaptureFixture
) -> None:
    """A warm-up (minutes of kernel compilation, at worst) must not hold a SIGTERM'd process."""
    caplog.set_level(logging.INFO, logger="curation.server")
    settings = Settings(host="127.0.0.1", http_port=0, grpc_port=0, workers=1, shutdown_grace_seconds=2)
    started, release = threading.Event(), threading.Event()

    def slow_warm_up() -> None:
        started.set()
        release.wait(30)

    runtime = build_runtime(settings, [fake_spec(scoring, warm_up=slow_warm_up)])
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop, runtime=runtime))
    try:
        assert await asyncio.to_thread(started.wait, 20)
        stop.set()
        assert await asyncio.wait_for(task, 20) == 0
        assert not release.is_set() and not runtime.serving  # returned while the warm-up still ran
    finally:
        release.set()
