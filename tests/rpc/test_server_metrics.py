"""The standard gRPC server metrics (``curation.rpc.server_metrics``), read from ``/metrics`` after real calls
of every kind: unary (ours and health), client streaming (ours), server streaming (health's Watch, which
writes through its context) and bidirectional streaming (reflection)."""

from __future__ import annotations

import asyncio

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from curation.ops import detection
from curation.rest import create_app
from curation.v1 import classification_pb2 as pb
from curation.v1 import detection_pb2 as dpb
from curation.wiring import Runtime

from .conftest import NAME, SERVICE, FakeScoring, Serve, fake_spec

HEALTH = "grpc.health.v1.Health"
REFLECTION = "grpc.reflection.v1alpha.ServerReflection"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def _scrape(runtime: Runtime) -> Samples:
    """Every sample of ``GET /metrics``, by name and labels."""
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://rest") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, grpc_type: str, service: str, method: str, **more: str) -> float:
    labels = {"grpc_type": grpc_type, "grpc_service": service, "grpc_method": method, **more}
    return samples.get((name, frozenset(labels.items())), 0.0)


async def _watch_once(channel: grpc.aio.Channel) -> None:
    """Health's Watch: read the first status, then leave (the call ends CANCELLED on the server)."""
    call = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest())
    assert (await call.read()).status == health_pb2.HealthCheckResponse.SERVING
    call.cancel()


async def _reflect(channel: grpc.aio.Channel) -> list[str]:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    call = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
    return [service.name async for response in call for service in response.list_services_response.service]


async def test_every_call_is_counted_by_type_method_and_code(serve: Serve) -> None:
    served = await serve([fake_spec(FakeScoring()), *detection.SPECS])
    await served.server.set_serving(True)
    stub, health = served.stub, health_pb2_grpc.HealthStub(served.channel)
    good = pb.ScoreClassificationRequest(class_names=["a"], asset_ids=["x"], y_true=[0], y_pred=[0])
    bad = pb.ScoreClassificationRequest(class_names=["a"], asset_ids=["x"], y_true=[-1], y_pred=[0])
    for _ in range(2):
        await stub.ScoreClassification(good)
    codes = []
    for call in (
        stub.ScoreClassification(bad),
        health.Check(health_pb2.HealthCheckRequest(service="no.such.Service")),
        stub.ScoreDetectionStream(iter([dpb.ScoreDetectionStreamRequest()] * 3)),
    ):
        try:
            await call
        except grpc.aio.AioRpcError as exc:
            codes.append(exc.code())
    assert codes[:2] == [grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND]
    await health.Check(health_pb2.HealthCheckRequest())
    await _watch_once(served.channel)
    assert SERVICE in await _reflect(served.channel)

    for _ in range(100):  # the cancelled Watch ends on the server shortly after the client leaves
        samples = await _scrape(served.runtime)
        if _value(
            samples, "grpc_server_handled_total", "server_stream", HEALTH, "Watch", grpc_code="CANCELLED"
        ):
            break
        await asyncio.sleep(0.02)
    unary, method = ("unary", SERVICE, "ScoreClassification"), NAME.split("/")[1]
    assert method == unary[2]
    assert _value(samples, "grpc_server_started_total", *unary) == 3
    assert _value(samples, "grpc_server_handled_total", *unary, grpc_code="OK") == 2
    assert _value(samples, "grpc_server_handled_total", *unary, grpc_code="INVALID_ARGUMENT") == 1
    assert _value(samples, "grpc_server_msg_received_total", *unary) == 3
    assert _value(samples, "grpc_server_msg_sent_total", *unary) == 2
    assert _value(samples, "grpc_server_handling_seconds_count", *unary) == 3
    assert _value(samples, "grpc_server_handling_seconds_bucket", *unary, le="+Inf") == 3
    assert _value(samples, "grpc_server_handled_total", "unary", HEALTH, "Check", grpc_code="OK") == 1
    assert _value(samples, "grpc_server_handled_total", "unary", HEALTH, "Check", grpc_code="NOT_FOUND") == 1

    stream = ("client_stream", SERVICE, "ScoreDetectionStream")
    assert _value(samples, "grpc_server_msg_received_total", *stream) == 3
    assert _value(samples, "grpc_server_handled_total", *stream, grpc_code=codes[2].name) == 1

    watch = ("server_stream", HEALTH, "Watch")
    assert _value(samples, "grpc_server_started_total", *watch) == 1
    assert _value(samples, "grpc_server_msg_received_total", *watch) == 1
    assert _value(samples, "grpc_server_msg_sent_total", *watch) >= 1
    assert _value(samples, "grpc_server_handled_total", *watch, grpc_code="CANCELLED") == 1

    bidi = ("bidi_stream", REFLECTION, "ServerReflectionInfo")
    assert _value(samples, "grpc_server_msg_received_total", *bidi) == 1
    assert _value(samples, "grpc_server_msg_sent_total", *bidi) == 1
    assert _value(samples, "grpc_server_handled_total", *bidi, grpc_code="OK") == 1
    # Ours are still there beside them.
    assert (
        samples[
            ("curation_requests_total", frozenset({"protocol": "grpc", "method": NAME, "code": "OK"}.items()))
        ]
        == 2
    )


async def test_an_unknown_method_is_unimplemented_and_not_counted(serve: Serve) -> None:
    served = await serve([fake_spec(FakeScoring())])
    call: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = served.channel.unary_unary(
        f"/{SERVICE}/NoSuchMethod"
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call(b"")
    assert refused.value.code() == grpc.StatusCode.UNIMPLEMENTED
    samples = await _scrape(served.runtime)
    assert not [
        key
        for key in samples
        if key[0].startswith("grpc_server_") and ("grpc_method", "NoSuchMethod") in key[1]
    ]
