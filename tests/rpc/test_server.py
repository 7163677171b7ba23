"""The grpc.aio server: health transitions, reflection, message limits, registry checks, streaming hook."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc
import pytest
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from curation.internal.v1 import detection_pb2 as ipb
from curation.ops import ClientStream, Context, Host, OperationSpec
from curation.rpc import rpc_methods, server_options
from curation.settings import Settings
from curation.v1 import classification_pb2 as pb
from curation.v1 import common_pb2, sampling_pb2
from curation.v1 import detection_pb2 as det_pb

from .conftest import NAME, SERVICE, FakeScoring, Serve, Served, fake_spec

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def health_of(served: Served, service: str) -> int:
    stub = health_pb2_grpc.HealthStub(served.channel)
    response = await stub.Check(health_pb2.HealthCheckRequest(service=service))
    return int(response.status)


async def test_health_transitions(serve: Serve, scoring: FakeScoring) -> None:
    s = await serve([fake_spec(scoring)])
    assert [await health_of(s, name) for name in ("", SERVICE)] == [NOT_SERVING, NOT_SERVING]
    await s.server.set_serving(True)
    assert [await health_of(s, name) for name in ("", SERVICE)] == [SERVING, SERVING]
    await s.server.set_serving(False)
    assert [await health_of(s, name) for name in ("", SERVICE)] == [NOT_SERVING, NOT_SERVING]
    await s.server.set_serving(True)
    await s.server.health.enter_graceful_shutdown()
    await s.server.set_serving(True)  # ignored once shutdown has begun
    assert await health_of(s, "") == NOT_SERVING
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await health_of(s, "curation.v1.NoSuchService")
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


async def test_reflection_lists_the_served_services(served: Served) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(served.channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    responses = [r async for r in stub.ServerReflectionInfo(iter([request]))]
    names = {s.name for s in responses[0].list_services_response.service}
    assert names == {
        SERVICE,
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
        "grpc.reflection.v1.ServerReflection",
    }
    by_symbol = reflection_pb2.ServerReflectionRequest(file_containing_symbol=SERVICE)
    [found] = [r async for r in stub.ServerReflectionInfo(iter([by_symbol]))]
    assert found.file_descriptor_response.file_descriptor_proto


async def test_oversize_request_is_resource_exhausted(serve: Serve, scoring: FakeScoring) -> None:
    s = await serve([fake_spec(scoring)], Settings(max_request_bytes=64 * 1024, workers=1))
    big = pb.ScoreClassificationRequest(class_names=["a"], scores=[0.5] * 20_000)
    assert big.ByteSize() > 64 * 1024
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await s.stub.ScoreClassification(big)
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert scoring.calls == 0
    small = await s.stub.ScoreClassification(pb.ScoreClassificationRequest(class_names=["a"], scores=[0.5]))
    assert small.summary.per_class[0].class_name == "a"


async def test_oversize_response_is_resource_exhausted(serve: Serve, scoring: FakeScoring) -> None:
    s = await serve([fake_spec(scoring)], Settings(max_response_bytes=16 * 1024, workers=1))
    names = [f"class-{i:05d}" for i in range(2_000)]
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await s.stub.ScoreClassification(pb.ScoreClassificationRequest(class_names=names))
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_server_options_follow_settings() -> None:
    settings = Settings(max_request_bytes=123, max_response_bytes=456, grpc_max_concurrent_streams=7)
    options = dict(server_options(settings))
    assert options["grpc.max_receive_message_length"] == 123
    assert options["grpc.max_send_message_length"] == 456
    assert options["grpc.max_concurrent_streams"] == 7
    assert options["grpc.keepalive_time_ms"] > options["grpc.keepalive_timeout_ms"] > 0
    assert options["grpc.max_connection_age_ms"] > options["grpc.max_connection_idle_ms"] > 0


def test_connection_settings_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "CURATION_HTTP_HEADER_TIMEOUT_SECONDS": "2.5",
            "CURATION_HTTP_BODY_TIMEOUT_SECONDS": "30",
            "CURATION_HTTP_MAX_CONNECTIONS": "50",
            "CURATION_HTTP_MAX_HEADER_BYTES": "8192",
            "CURATION_GRPC_MAX_CONCURRENT_STREAMS": "16",
        }
    )
    assert (
        settings.http_header_timeout_seconds,
        settings.http_body_timeout_seconds,
        settings.http_max_connections,
        settings.http_max_header_bytes,
        settings.grpc_max_concurrent_streams,
    ) == (2.5, 30.0, 50, 8192, 16)


async def never_called(host: Host, request: pb.ScoreClassificationRequest, ctx: Context) -> Any:
    raise AssertionError("not served")


def test_registry_must_match_the_protos(scoring: FakeScoring) -> None:
    good = fake_spec(scoring)
    [method] = rpc_methods([good])
    assert (method.service, method.method, method.client_streaming) == (SERVICE, "ScoreClassification", False)
    cases = {
        "curation.v1.NoService/ScoreClassification": pb.ScoreClassificationResponse,
        "curation.v1.DiagnosticsService/NoMethod": pb.ScoreClassificationResponse,
        NAME: sampling_pb2.SelectResponse,
    }
    for name, response_type in cases.items():
        spec: OperationSpec[pb.ScoreClassificationRequest, Message, Message] = OperationSpec(
            name=name,
            request_type=pb.ScoreClassificationRequest,
            response_type=response_type,
            handle=never_called,
        )
        with pytest.raises(ValueError, match="operation"):
            rpc_methods([spec])


DETECTION = "curation.v1.DiagnosticsService/ScoreDetection"
DETECTION_STREAM = "curation.v1.DiagnosticsService/ScoreDetectionStream"


def count_assets(request: det_pb.ScoreDetectionRequest) -> ipb.DetectionEvaluation:
    """A fake detection evaluation: the merged request's assets, in order."""
    return ipb.DetectionEvaluation(asset_ids=request.asset_ids, category_names=request.category_names)


def respond_detection(
    payload: ipb.DetectionEvaluation, request: det_pb.ScoreDetectionRequest, info: common_pb2.CacheInfo
) -> det_pb.ScoreDetectionResponse:
    return det_pb.ScoreDetectionResponse(
        assets=[det_pb.DetectionAsset(asset_id=a) for a in payload.asset_ids], cache=info
    )


def merge(chunks: Sequence[det_pb.ScoreDetectionStreamRequest]) -> det_pb.ScoreDetectionRequest:
    merged = det_pb.ScoreDetectionRequest()
    for chunk in chunks:
        merged.MergeFrom(chunk.chunk)
    return merged


def wrap(response: det_pb.ScoreDetectionResponse) -> det_pb.ScoreDetectionStreamResponse:
    return det_pb.ScoreDetectionStreamResponse(response=response)


STREAM_SPECS: list[OperationSpec[Any, Any, Any]] = [
    OperationSpec(
        name=DETECTION,
        request_type=det_pb.ScoreDetectionRequest,
        response_type=det_pb.ScoreDetectionResponse,
        payload_type=ipb.DetectionEvaluation,
        evaluate=count_assets,
        respond=respond_detection,
    ),
    OperationSpec(
        name=DETECTION_STREAM,
        request_type=det_pb.ScoreDetectionStreamRequest,
        response_type=det_pb.ScoreDetectionStreamResponse,
        stream=ClientStream(answered_by=DETECTION, merge=merge, wrap=wrap),
    ),
]


async def test_a_client_stream_is_merged_and_answered_by_its_unary_twin(serve: Serve) -> None:
    s = await serve(STREAM_SPECS, Settings(max_request_bytes=4096))
    call = s.channel.stream_unary(
        f"/{DETECTION_STREAM}",
        request_serializer=det_pb.ScoreDetectionStreamRequest.SerializeToString,
        response_deserializer=det_pb.ScoreDetectionStreamResponse.FromString,
    )
    chunks = [
        det_pb.ScoreDetectionStreamRequest(chunk=det_pb.ScoreDetectionRequest(asset_ids=["x"])),
        det_pb.ScoreDetectionStreamRequest(chunk=det_pb.ScoreDetectionRequest(asset_ids=["y", "z"])),
    ]
    streamed = await call(iter(chunks))
    assert [a.asset_id for a in streamed.response.assets] == ["x", "y", "z"]
    assert not streamed.response.cache.cached
    unary = det_pb.ScoreDetectionRequest(asset_ids=["x", "y", "z"])
    again = await s.channel.unary_unary(
        f"/{DETECTION}",
        request_serializer=det_pb.ScoreDetectionRequest.SerializeToString,
        response_deserializer=det_pb.ScoreDetectionResponse.FromString,
    )(unary)
    assert again.cache.cached  # the stream and its unary twin share one cache entry
    assert again.cache.key_digest == streamed.response.cache.key_digest
    big = det_pb.ScoreDetectionRequest(asset_ids=["q" * 100] * 10)
    too_many = [det_pb.ScoreDetectionStreamRequest(chunk=big)] * 5  # each chunk fits, the sum not
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call(iter(too_many))
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_a_streaming_rpc_needs_a_stream_spec_and_only_it() -> None:
    unary_as_stream: OperationSpec[det_pb.ScoreDetectionRequest, det_pb.ScoreDetectionResponse, Message] = (
        OperationSpec(
            name=DETECTION,
            request_type=det_pb.ScoreDetectionRequest,
            response_type=det_pb.ScoreDetectionResponse,
            stream=ClientStream(answered_by=DETECTION, merge=merge, wrap=wrap),
        )
    )
    stream_as_unary = OperationSpec(
        name=DETECTION_STREAM,
        request_type=det_pb.ScoreDetectionStreamRequest,
        response_type=det_pb.ScoreDetectionStreamResponse,
        payload_type=ipb.DetectionEvaluation,
        evaluate=lambda request: ipb.DetectionEvaluation(),
        respond=lambda payload, request, info: det_pb.ScoreDetectionStreamResponse(),
    )
    for spec in (unary_as_stream, stream_as_unary):
        with pytest.raises(ValueError, match="client-streaming"):
            rpc_methods([spec])


def test_public_surface_is_exported() -> None:
    import curation.rpc
    import curation.server

    for module in (curation.rpc, curation.server):
        assert module.__all__, module
        assert all(hasattr(module, name) for name in module.__all__)
    assert set(curation.server.__all__) == {"bind_http_socket", "serve", "warm_up_hooks"}
