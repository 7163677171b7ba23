"""Cancellable work in the seam: a caller that leaves or whose deadline passes frees its worker thread; a
shared computation runs on while anyone still waits for it; shutdown stops everything."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from curation.core import checkpoint
from curation.errors import DeadlineExceeded, Unavailable
from curation.internal.v1 import classification_pb2 as ipb
from curation.ops import Context, Operations, OperationSpec
from curation.v1 import classification_pb2 as pb
from curation.v1 import common_pb2
from tests.support import DictCache

NAME = "curation.v1.DiagnosticsService/ScoreClassification"


class Spinner:
    """An evaluation that spins through checkpoints until released, recording how it ended."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        self.ended: list[str] = []

    def evaluate(self, request: pb.ScoreClassificationRequest) -> ipb.ClassificationEvaluation:
        self.started.set()
        try:
            while not self.release.wait(0.005):
                checkpoint()
        except BaseException as exc:
            self.ended.append(type(exc).__name__)
            raise
        self.ended.append("finished")
        return ipb.ClassificationEvaluation(
            summary=pb.ClassificationSummary(num_assets=len(request.asset_ids))
        )


def respond(
    payload: ipb.ClassificationEvaluation, request: pb.ScoreClassificationRequest, info: common_pb2.CacheInfo
) -> pb.ScoreClassificationResponse:
    return pb.ScoreClassificationResponse(summary=payload.summary, cache=info)


def seam(spinner: Spinner) -> Operations:
    spec = OperationSpec(
        name=NAME,
        request_type=pb.ScoreClassificationRequest,
        response_type=pb.ScoreClassificationResponse,
        payload_type=ipb.ClassificationEvaluation,
        evaluate=spinner.evaluate,
        respond=respond,
    )
    return Operations([spec], DictCache(), workers=1)


def request(n: int = 2) -> pb.ScoreClassificationRequest:
    return pb.ScoreClassificationRequest(
        asset_ids=[f"a{i}" for i in range(n)], y_true=[0] * n, y_pred=[0] * n
    )


async def until(condition: threading.Event | None = None, check: object = None) -> None:
    for _ in range(500):
        if (condition is not None and condition.is_set()) or (callable(check) and check()):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


async def test_a_caller_that_leaves_frees_the_worker_for_the_next_request() -> None:
    spinner = Spinner()
    ops = seam(spinner)
    call = asyncio.create_task(ops.dispatch(NAME, request(), Context()))
    await until(spinner.started)
    call.cancel()
    await until(check=lambda: spinner.ended)
    assert spinner.ended == ["Cancelled"]
    await until(check=lambda: ops.running == 0 and ops.admission.running == 0)
    spinner.release.set()
    answer = await ops.dispatch(NAME, request(3), Context())  # the one worker thread is free again
    assert isinstance(answer, pb.ScoreClassificationResponse) and answer.summary.num_assets == 3


async def test_a_passed_deadline_stops_the_computation() -> None:
    spinner = Spinner()
    ops = seam(spinner)
    with pytest.raises(DeadlineExceeded):
        await ops.dispatch(NAME, request(), Context(deadline=time.monotonic() + 0.2))
    await until(check=lambda: ops.running == 0)
    assert spinner.ended == ["Cancelled"]


async def test_a_shared_computation_runs_on_while_one_caller_still_waits() -> None:
    spinner = Spinner()
    ops = seam(spinner)
    first = asyncio.create_task(ops.dispatch(NAME, request(), Context()))
    await until(spinner.started)
    second = asyncio.create_task(ops.dispatch(NAME, request(), Context()))
    await asyncio.sleep(0.05)
    first.cancel()
    await asyncio.sleep(0.05)
    assert spinner.ended == []  # the second caller still waits: nothing was cancelled
    spinner.release.set()
    answer = await second
    assert isinstance(answer, pb.ScoreClassificationResponse) and answer.summary.num_assets == 2
    assert spinner.ended == ["finished"]


async def test_shutdown_stops_running_work() -> None:
    spinner = Spinner()
    ops = seam(spinner)
    call = asyncio.create_task(ops.dispatch(NAME, request(), Context()))
    await until(spinner.started)
    ops.close()
    with pytest.raises(Unavailable, match="shutdown"):
        await call  # answered at once; the computation stops at its next checkpoint
    await until(check=lambda: spinner.ended)
    assert spinner.ended == ["Cancelled"]
