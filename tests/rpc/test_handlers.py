"""The generated handlers: answers, request IDs, error mapping to google.rpc.Status, deadlines, metrics."""

from __future__ import annotations

import asyncio
import threading
import time

import grpc
import pytest
from google.protobuf.message import Message

from curation.errors import NotFound
from curation.ops import Context, Host, OperationSpec
from curation.v1 import classification_pb2 as pb
from tests.wire_errors import grpc_error

from .conftest import NAME, FakeScoring, Serve, Served

REQUEST = pb.ScoreClassificationRequest(
    class_names=["a", "b"], asset_ids=["x", "y"], y_true=[0, 1], y_pred=[0, 1]
)
BAD = pb.ScoreClassificationRequest(
    class_names=["a", "b"], asset_ids=["x", "y"], y_true=[0, -1], y_pred=[0, 1]
)


async def test_answers_through_the_ops_seam(served: Served, scoring: FakeScoring) -> None:
    first = await served.stub.ScoreClassification(REQUEST)
    second = await served.stub.ScoreClassification(REQUEST)
    assert first.summary.num_assets == 2
    assert [c.class_name for c in first.summary.per_class] == ["a", "b"]
    assert (first.cache.cached, second.cache.cached) == (False, True)
    assert first.cache.key_digest == second.cache.key_digest
    assert scoring.calls == 1


async def test_request_id_is_echoed_or_generated(served: Served) -> None:
    call = served.stub.ScoreClassification(REQUEST, metadata=(("x-request-id", "abc-123"),))
    await call
    assert dict(await call.initial_metadata())["x-request-id"] == "abc-123"
    for metadata in ((), (("x-request-id", "z" * 500),)):
        call = served.stub.ScoreClassification(REQUEST, metadata=metadata)
        await call
        generated = dict(await call.initial_metadata())["x-request-id"]
        assert len(generated) == 32
        assert int(generated, 16) >= 0


async def test_invalid_argument_maps_to_a_status_with_details(served: Served) -> None:
    call = served.stub.ScoreClassification(BAD, metadata=(("x-request-id", "req-7"),))
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "labels must be >= 0" in (info.value.details() or "")
    detail = grpc_error(info.value)
    assert (detail.kind, detail.field, detail.request_id) == ("invalid_argument", "y_true[1]", "req-7")
    assert (detail.code, detail.message) == ("INVALID_ARGUMENT", "y_true[1]: labels must be >= 0")
    assert dict(await call.initial_metadata())["x-request-id"] == "req-7"


async def test_bad_namespace_is_invalid_argument(served: Served) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await served.stub.ScoreClassification(REQUEST, metadata=(("x-curation-namespace", "no/slashes"),))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert grpc_error(info.value).field == "namespace"


async def test_namespace_separates_cache_entries(served: Served, scoring: FakeScoring) -> None:
    a = await served.stub.ScoreClassification(REQUEST, metadata=(("x-curation-namespace", "team-a"),))
    b = await served.stub.ScoreClassification(REQUEST, metadata=(("x-curation-namespace", "team-b"),))
    assert a.cache.key_digest != b.cache.key_digest
    assert scoring.calls == 2


async def test_unexpected_exception_is_internal(served: Served, scoring: FakeScoring) -> None:
    scoring.bug = True
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await served.stub.ScoreClassification(REQUEST, metadata=(("x-request-id", "bug-1"),))
    assert info.value.code() == grpc.StatusCode.INTERNAL
    assert "a bug" not in (info.value.details() or "")
    detail = grpc_error(info.value)
    assert (detail.kind, detail.request_id) == ("internal", "bug-1")


async def test_malformed_bytes_are_invalid_argument(served: Served) -> None:
    raw: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = served.channel.unary_unary(
        f"/{NAME}", request_serializer=None, response_deserializer=None
    )
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await raw(b"\xff\xff\xff")
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert grpc_error(info.value).kind == "invalid_argument"


async def test_metrics_count_each_outcome(served: Served) -> None:
    await served.stub.ScoreClassification(REQUEST)
    with pytest.raises(grpc.aio.AioRpcError):
        await served.stub.ScoreClassification(BAD)
    for _ in range(100):  # the server records a call after its status has left: wait for that step
        if served.count("INVALID_ARGUMENT"):
            break
        await asyncio.sleep(0.01)
    assert served.count("OK") == 1
    assert served.count("INVALID_ARGUMENT") == 1
    latency = served.runtime.metrics.registry.get_sample_value(
        "curation_request_duration_seconds_count", {"protocol": "grpc", "method": NAME}
    )
    assert latency == 2
    assert (
        served.runtime.metrics.registry.get_sample_value("curation_requests_in_flight", {"protocol": "grpc"})
        == 0
    )


async def test_slow_operation_hits_the_deadline(served: Served, scoring: FakeScoring) -> None:
    scoring.gate = threading.Event()
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await served.stub.ScoreClassification(REQUEST, timeout=0.3)
    assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    # The server gave up too (its wait is bounded by the same deadline), and counted it.
    for _ in range(200):
        if served.count("DEADLINE_EXCEEDED") + served.count("CANCELLED") == 1:
            break
        await asyncio.sleep(0.01)
    assert served.count("DEADLINE_EXCEEDED") + served.count("CANCELLED") == 1
    scoring.gate.set()


async def test_context_carries_namespace_request_id_and_deadline(serve: Serve) -> None:
    seen: list[tuple[Context, float]] = []

    async def handle(
        ops: Host, request: pb.ScoreClassificationRequest, ctx: Context
    ) -> pb.ScoreClassificationResponse:
        seen.append((ctx, time.monotonic()))
        if request.class_names == ["missing"]:
            raise NotFound("no such thing", field="class_names[0]")
        return pb.ScoreClassificationResponse()

    spec: OperationSpec[pb.ScoreClassificationRequest, pb.ScoreClassificationResponse, Message] = (
        OperationSpec(
            name=NAME,
            request_type=pb.ScoreClassificationRequest,
            response_type=pb.ScoreClassificationResponse,
            handle=handle,
        )
    )
    s = await serve([spec])
    metadata = (("x-curation-namespace", "tenant_1"), ("x-request-id", "r-1"))
    await s.stub.ScoreClassification(pb.ScoreClassificationRequest(), metadata=metadata, timeout=30)
    await s.stub.ScoreClassification(pb.ScoreClassificationRequest())
    (ctx, at), (plain, _) = seen
    assert (ctx.namespace, ctx.request_id) == ("tenant_1", "r-1")
    assert ctx.deadline is not None
    assert 20 < ctx.deadline - at < 31  # grpc-timeout is coarse and grpc core caches its clock
    assert (plain.namespace, plain.deadline) == ("default", None)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await s.stub.ScoreClassification(pb.ScoreClassificationRequest(class_names=["missing"]))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    assert grpc_error(info.value).field == "class_names[0]"


async def test_large_requests_parse_off_the_loop(served: Served, scoring: FakeScoring) -> None:
    n = 40_000  # > OFF_LOOP_BYTES once serialized
    request = pb.ScoreClassificationRequest(
        class_names=["a", "b"], asset_ids=[f"asset-{i}" for i in range(n)], y_true=[0] * n, y_pred=[1] * n
    )
    assert request.ByteSize() > 256 * 1024
    response = await served.stub.ScoreClassification(request)
    assert response.summary.num_assets == n
