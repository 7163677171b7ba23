"""A diagnostics request over a documented maximum is INVALID_ARGUMENT ``LIMIT_EXCEEDED`` naming the field."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace

import grpc
import pytest

from curation.ops import classification, detection
from curation.ops.detection import limits as dl
from curation.settings import Settings
from curation.v1 import classification_pb2 as cpb
from curation.v1 import detection_pb2 as dpb
from curation.v1 import diagnostics_pb2_grpc
from tests.wire_errors import grpc_error

from .conftest import Serve

# The 245-byte request: maxDets 2^31 - 1 sized a bucket array of 17 GB.
ATTACK = dpb.ScoreDetectionRequest(
    asset_ids=["a"],
    category_names=["c"],
    gt_asset=[0],
    gt_category=[0],
    gt_boxes=[1, 1, 5, 5],
    params=dpb.DetectionParams(max_detections=[2**31 - 1]),
)


async def test_over_a_maximum_is_invalid_argument_limit_exceeded(serve: Serve) -> None:
    s = await serve([*classification.SPECS, *detection.SPECS], Settings(workers=1))
    await s.server.set_serving(True)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await s.stub.ScoreDetection(ATTACK)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    detail = grpc_error(info.value)
    assert (detail.kind, detail.field) == ("limit_exceeded", "params.max_detections[0]")
    with pytest.raises(grpc.aio.AioRpcError) as streamed:
        await s.stub.ScoreDetectionStream(iter([dpb.ScoreDetectionStreamRequest(chunk=ATTACK)]))
    assert streamed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert grpc_error(streamed.value).field == "params.max_detections[0]"
    bins = cpb.ScoreClassificationRequest(
        class_names=["a"], asset_ids=["x"], y_true=[0], y_pred=[0], calibration_bins=1_001
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await s.stub.ScoreClassification(bins)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (grpc_error(refused.value).kind, grpc_error(refused.value).field) == (
        "limit_exceeded",
        "calibration_bins",
    )


async def test_stream_chunks_are_counted_as_they_arrive(serve: Serve) -> None:
    """The adapter refuses the chunk past the stream's maximum (here lowered to 3), not only bytes."""
    stream = detection.STREAM_SPEC.stream
    assert stream is not None and stream.max_chunks == dl.MAX_STREAM_CHUNKS
    capped = replace(detection.STREAM_SPEC, stream=replace(stream, max_chunks=3))
    s = await serve([detection.SPEC, capped], Settings(workers=1))
    await s.server.set_serving(True)
    empty = dpb.ScoreDetectionStreamRequest()
    sent = 0

    def endless() -> Iterator[dpb.ScoreDetectionStreamRequest]:
        nonlocal sent
        while sent < 1_000_000:  # the refusal comes long before: the adapter counts as chunks arrive
            sent += 1
            yield empty

    def send() -> grpc.Call:
        # A blocking client: grpc.aio's reports its own failed send into the closed stream (INTERNAL)
        # instead of the server's status when the server ends the call while chunks are still written.
        with grpc.insecure_channel(f"127.0.0.1:{s.server.port}") as channel:
            try:
                diagnostics_pb2_grpc.DiagnosticsServiceStub(channel).ScoreDetectionStream(endless())
            except grpc.RpcError as error:
                assert isinstance(error, grpc.Call)  # a call's error carries its status and trailers
                return error
        raise AssertionError("the endless stream was answered")

    error = await asyncio.to_thread(send)
    assert sent < 1_000_000
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    detail = grpc_error(error)
    assert (detail.kind, detail.field) == ("limit_exceeded", "stream")
    head = dpb.ScoreDetectionStreamRequest(
        chunk=dpb.ScoreDetectionRequest(asset_ids=["a"], category_names=["c"])
    )
    answered = await s.stub.ScoreDetectionStream(iter([head, empty, empty]))
    assert answered.response.assets_total == 1
