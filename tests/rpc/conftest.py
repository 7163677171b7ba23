"""In-process grpc.aio servers over fake operations (the real scoring is tested in tests/ops, tests/core)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest

from curation.errors import InvalidArgument
from curation.internal.v1 import classification_pb2 as ipb
from curation.ops import OperationSpec
from curation.rpc import GrpcServer, create_grpc_server
from curation.settings import Settings
from curation.v1 import classification_pb2 as pb
from curation.v1 import common_pb2, diagnostics_pb2_grpc
from curation.wiring import Runtime, build_runtime

NAME = "curation.v1.DiagnosticsService/ScoreClassification"
SERVICE = "curation.v1.DiagnosticsService"


class FakeScoring:
    """Counts calls; can fail with a bug or block until released; rejects negative labels."""

    def __init__(self) -> None:
        self.calls = 0
        self.bug = False
        self.gate: threading.Event | None = None

    def evaluate(self, request: pb.ScoreClassificationRequest) -> ipb.ClassificationEvaluation:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(10)
        if self.bug:
            raise ZeroDivisionError("a bug")
        bad = [i for i, label in enumerate(request.y_true) if label < 0]
        if bad:
            raise InvalidArgument("labels must be >= 0", field=f"y_true[{bad[0]}]")
        return ipb.ClassificationEvaluation(
            summary=pb.ClassificationSummary(
                num_assets=len(request.asset_ids),
                accuracy=1.0,
                per_class=[pb.ClassMetrics(class_name=c) for c in request.class_names],
            )
        )


def respond(
    payload: ipb.ClassificationEvaluation, request: pb.ScoreClassificationRequest, info: common_pb2.CacheInfo
) -> pb.ScoreClassificationResponse:
    return pb.ScoreClassificationResponse(summary=payload.summary, cache=info)


FakeSpec = OperationSpec[
    pb.ScoreClassificationRequest, pb.ScoreClassificationResponse, ipb.ClassificationEvaluation
]


def fake_spec(scoring: FakeScoring, *, warm_up: Callable[[], None] | None = None) -> FakeSpec:
    return OperationSpec(
        name=NAME,
        request_type=pb.ScoreClassificationRequest,
        response_type=pb.ScoreClassificationResponse,
        payload_type=ipb.ClassificationEvaluation,
        evaluate=scoring.evaluate,
        respond=respond,
        paging_fields=("page_size", "page_token"),
        warm_up=warm_up,
    )


@dataclass
class Served:
    runtime: Runtime
    server: GrpcServer
    channel: grpc.aio.Channel

    @property
    def stub(self) -> diagnostics_pb2_grpc.DiagnosticsServiceStub:
        return diagnostics_pb2_grpc.DiagnosticsServiceStub(self.channel)

    def count(self, code: str) -> float:
        value = self.runtime.metrics.registry.get_sample_value(
            "curation_requests_total", {"protocol": "grpc", "method": NAME, "code": code}
        )
        return value or 0.0


Serve = Callable[..., Awaitable[Served]]


@pytest.fixture
def scoring() -> FakeScoring:
    return FakeScoring()


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start a server over the given specs and settings on a free local port (stopped at teardown)."""
    started: list[Served] = []

    async def start(specs: list[OperationSpec[Any, Any, Any]], settings: Settings | None = None) -> Served:
        settings = settings or Settings(workers=2)
        runtime = build_runtime(settings, specs)
        server = create_grpc_server(runtime, host="127.0.0.1", port=0)
        await server.start()
        channel = grpc.aio.insecure_channel(
            f"127.0.0.1:{server.port}", options=[("grpc.max_send_message_length", 64 * 1024 * 1024)]
        )
        started.append(Served(runtime, server, channel))
        return started[-1]

    yield start
    for served in started:
        await served.channel.close()
        await served.server.stop(0)
        await served.runtime.close()


@pytest.fixture
async def served(serve: Serve, scoring: FakeScoring) -> AsyncIterator[Served]:
    s = await serve([fake_spec(scoring)])
    await s.server.set_serving(True)
    yield s
    if scoring.gate is not None:
        scoring.gate.set()
