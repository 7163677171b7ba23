"""A runtime over fake operations for the REST tests (the real scoring runs in tests/ops and tests/core)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from curation.errors import InvalidArgument
from curation.internal.v1 import classification_pb2 as ipb
from curation.ops import OperationSpec
from curation.ops.paging import encode_page_token
from curation.rest import create_app
from curation.settings import Settings
from curation.v1 import classification_pb2 as pb
from curation.v1 import common_pb2
from curation.wiring import Runtime, build_runtime

NAME = "curation.v1.DiagnosticsService/ScoreClassification"
PATH = "/v1/diagnostics/classification:score"


class FakeScoring:
    """Echo-like evaluation: counts calls, can fail, raise a bug, or block until released."""

    def __init__(self) -> None:
        self.calls = 0
        self.bug = False
        self.entered = threading.Event()
        self.gate: threading.Event | None = None

    def evaluate(self, request: pb.ScoreClassificationRequest) -> ipb.ClassificationEvaluation:
        self.calls += 1
        self.entered.set()
        if self.gate is not None:
            self.gate.wait(10)
        if self.bug:
            raise ZeroDivisionError("a bug")
        if any(label < 0 for label in request.y_true):
            bad = next(i for i, label in enumerate(request.y_true) if label < 0)
            raise InvalidArgument("labels must be >= 0", field=f"y_true[{bad}]")
        n = len(request.asset_ids)
        return ipb.ClassificationEvaluation(
            summary=pb.ClassificationSummary(
                num_assets=n,
                accuracy=float("nan") if n == 0 else 1.0,
                per_class=[pb.ClassMetrics(class_name=c, support=n) for c in request.class_names],
                calibration=pb.Calibration(bins=[pb.ReliabilityBin(lower=0.0, upper=1.0, count=n)]),
            ),
            warnings=[common_pb2.Warning(code="FAKE", message="fake scoring")],
        )


def respond(
    payload: ipb.ClassificationEvaluation, request: pb.ScoreClassificationRequest, info: common_pb2.CacheInfo
) -> pb.ScoreClassificationResponse:
    # A page size asks for pages: the first answer carries a token (the seam binds it to the tenant),
    # a later one echoes the token it was given.
    first = encode_page_token(info.key_digest, 1) if request.page_size else ""
    return pb.ScoreClassificationResponse(
        summary=payload.summary,
        warnings=payload.warnings,
        cache=info,
        next_page_token=request.page_token or first,
    )


FakeSpec = OperationSpec[
    pb.ScoreClassificationRequest, pb.ScoreClassificationResponse, ipb.ClassificationEvaluation
]


def fake_spec(
    scoring: FakeScoring,
) -> FakeSpec:
    return OperationSpec(
        name=NAME,
        request_type=pb.ScoreClassificationRequest,
        response_type=pb.ScoreClassificationResponse,
        payload_type=ipb.ClassificationEvaluation,
        evaluate=scoring.evaluate,
        respond=respond,
        paging_fields=("page_size", "page_token"),
    )


@pytest.fixture
def scoring() -> FakeScoring:
    return FakeScoring()


@pytest.fixture
async def runtime(scoring: FakeScoring) -> AsyncIterator[Runtime]:
    rt = build_runtime(Settings(max_request_bytes=64 * 1024, workers=2), [fake_spec(scoring)])
    rt.serving = True
    yield rt
    if scoring.gate is not None:
        scoring.gate.set()
    await rt.close()


@pytest.fixture
async def make_runtime(scoring: FakeScoring) -> AsyncIterator[Callable[[Settings], Runtime]]:
    """Build further runtimes over the fake operation (closed at teardown)."""
    built: list[Runtime] = []

    def make(settings: Settings) -> Runtime:
        built.append(build_runtime(settings, [fake_spec(scoring)]))
        return built[-1]

    yield make
    for rt in built:
        await rt.close()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(runtime))
    # Bodies sent as raw bytes are JSON too (json= sets the same header).
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(transport=transport, base_url="http://rest", headers=headers) as c:
        yield c
