"""A test registry for compute processes: a slow, cancellable operation under a real RPC name.

``ScoreClassification`` here spins through checkpoints for 0.1 s per asset ID (so a test states how long
a computation takes by its size) and fails with ``InvalidArgument`` naming ``y_true[i]`` at the first
negative label, like the real one.
"""

from __future__ import annotations

import time
from typing import Any

from curation.core import checkpoint
from curation.errors import InvalidArgument
from curation.internal.v1 import classification_pb2 as ipb
from curation.ops import Cost, OperationSpec
from curation.v1 import classification_pb2 as pb
from curation.v1 import common_pb2

NAME = "curation.v1.DiagnosticsService/ScoreClassification"
SECONDS_PER_ASSET = 0.1


def evaluate(request: pb.ScoreClassificationRequest) -> ipb.ClassificationEvaluation:
    for i, label in enumerate(request.y_true):
        if label < 0:
            raise InvalidArgument("labels must be >= 0", field=f"y_true[{i}]")
    end = time.monotonic() + SECONDS_PER_ASSET * len(request.asset_ids)
    while time.monotonic() < end:
        checkpoint()
        time.sleep(0.005)
    return ipb.ClassificationEvaluation(summary=pb.ClassificationSummary(num_assets=len(request.asset_ids)))


def respond(
    payload: ipb.ClassificationEvaluation, request: pb.ScoreClassificationRequest, info: common_pb2.CacheInfo
) -> pb.ScoreClassificationResponse:
    return pb.ScoreClassificationResponse(summary=payload.summary, cache=info)


def specs() -> list[OperationSpec[Any, Any, Any]]:
    """The registry the compute processes import (``tests.workers.slow_specs:specs``)."""
    return [
        OperationSpec(
            name=NAME,
            request_type=pb.ScoreClassificationRequest,
            response_type=pb.ScoreClassificationResponse,
            payload_type=ipb.ClassificationEvaluation,
            evaluate=evaluate,
            respond=respond,
            cost=lambda r: Cost(memory_bytes=len(r.asset_ids)),
            cost_from_body=True,  # like the real one: the serving process may compute a small one
        )
    ]


def request(assets: int, *, bad: bool = False) -> pb.ScoreClassificationRequest:
    """A request that takes ``assets`` x 0.1 s (or fails at ``y_true[1]``)."""
    ids = [f"a{i}" for i in range(assets)]
    labels = [0] * assets
    if bad:
        labels[1] = -1
    return pb.ScoreClassificationRequest(class_names=["x"], asset_ids=ids, y_true=labels, y_pred=[0] * assets)
