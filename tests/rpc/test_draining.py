"""The gRPC side of the shutdown gate: once shutdown has begun, a call gets UNAVAILABLE (not CANCELLED)
with its google.rpc.Status, and the operation is not run."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from curation.v1 import classification_pb2 as pb
from tests.wire_errors import grpc_error

from .conftest import FakeScoring, Serve, fake_spec


async def test_grpc_calls_get_unavailable_once_draining(serve: Serve, scoring: FakeScoring) -> None:
    served = await serve([fake_spec(scoring)])
    served.runtime.drain.begin()
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await served.stub.ScoreClassification(pb.ScoreClassificationRequest(class_names=["a"]))
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    assert grpc_error(info.value).kind == "unavailable"
    assert scoring.calls == 0
    for _ in range(100):  # the server records a call after its status has left: wait for that step
        if served.count("UNAVAILABLE"):
            break
        await asyncio.sleep(0.01)
    assert served.count("UNAVAILABLE") == 1
